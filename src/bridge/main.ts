/** `npm run bridge`: the Kafka-to-Temporal bridge as a process. SIGINT/SIGTERM stop it cleanly. */
import type { Client } from '@temporalio/client';
import { processEnv } from '../config/env';
import { createKafka } from '../kafka/client';
import { ensureProductTopics } from '../kafka/topics';
import { errorMessage } from '../kafka/log';
import type { TemporalConfig } from '../temporal/config';
import type { RetweetTrackingInput } from '../workflows/definitions';
import { connectClient } from '../temporal/connection';
import { startBridge } from './bridge';
import { readBridgeSettings } from './config';

/** Temporal may be down when the bridge starts: wait for it (nothing is consumed meanwhile) rather than crash-loop. */
async function connectWithRetry(config: TemporalConfig, stopRequested: Promise<void>): Promise<Client | undefined> {
  let stopped = false;
  void stopRequested.then(() => (stopped = true));
  for (let attempt = 0; !stopped; attempt++) {
    try {
      return await connectClient(config);
    } catch (error) {
      const delayMs = Math.min(10_000, 500 * 2 ** attempt);
      console.warn(`Temporal not reachable at ${config.address} (${errorMessage(error)}); retrying in ${delayMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopRequested, new Promise((resolve) => (timer = setTimeout(resolve, delayMs)))]);
      clearTimeout(timer);
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const settings = readBridgeSettings(processEnv());
  // The one shutdown path: the first signal starts a clean stop; a second one while stopping forces the exit.
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  let signalled = false;
  const onSignal = (name: NodeJS.Signals): void => {
    if (signalled) {
      console.error(`${name} again: exiting without waiting`);
      process.exit(1);
    }
    signalled = true;
    console.log(`${name}: stopping the bridge`);
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const temporal = await connectWithRetry(settings.temporal, stopRequested);
  if (!temporal) return;
  try {
    const kafka = createKafka(settings.kafka);
    const created = await ensureProductTopics(kafka, settings.topics, settings.kafka.tweetsPartitions);
    if (created.length > 0) console.log(`Created Kafka topics: ${created.join(', ')}`);
    const bridge = await startBridge({
      kafka,
      temporal,
      workflowId: settings.workflowId,
      taskQueue: settings.temporal.taskQueue,
      workflowArgs: [{ followedUserIds: settings.followedUserIds } satisfies RetweetTrackingInput],
      topic: settings.topics.tweets,
      deadLetterTopic: settings.topics.deadLetters,
      groupId: settings.groupId,
      batch: settings.batch,
    });
    const crash = await Promise.race([bridge.crashed, stopRequested.then(() => undefined)]);
    await bridge.stop();
    if (crash) throw crash;
  } finally {
    await temporal.connection.close();
  }
}

main()
  .catch((error: unknown) => {
    console.error(`Bridge failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  // The last step of the one shutdown path: the consumer is stopped and every client disconnected, so exit now.
  // kafkajs can keep a socket it reopened during a broker restart after disconnect() (tulios/kafkajs#1147), which
  // would otherwise hold the process until a second signal.
  .finally(() => process.exit());
