/** `npm run bridge`: the Kafka-to-Temporal bridge as a process. SIGINT/SIGTERM stop it cleanly. */
import { processEnv } from '../config/env';
import { readLogLevel } from '../config/logging';
import { createKafka, waitForKafka } from '../kafka/client';
import { ensureProductTopics } from '../kafka/topics';
import { createLog, errorMessage } from '../shared/log';
import { startMetrics } from '../metrics';
import { observeBridge } from '../metrics/bridge-metrics';
import type { RetweetTrackingInput } from '../workflows/definitions';
import { connectClientWithin } from '../temporal/connection';
import { startBridge } from './bridge';
import { readBridgeSettings } from './config';

const log = createLog('bridge');

async function main(): Promise<void> {
  const env = processEnv();
  readLogLevel(env); // an invalid LOG_LEVEL stops the bridge here, naming it
  const settings = readBridgeSettings(env);
  // Bound before anything connects: a busy port fails fast, naming its variable.
  const metrics = await startMetrics(settings.metrics);
  if (metrics) log.info(`Metrics: ${metrics.url}`, { url: metrics.url });
  // The one shutdown path: the first signal starts a clean stop; a second one while stopping forces the exit.
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const stopping = new AbortController();
  void stopRequested.then(() => stopping.abort());
  let signalled = false;
  const onSignal = (name: NodeJS.Signals): void => {
    if (signalled) {
      log.warn(`${name} again: exiting without waiting`);
      process.exit(1);
    }
    signalled = true;
    log.info(`${name}: stopping the bridge`);
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Temporal, then Kafka, may still be starting: wait for each (nothing is consumed meanwhile), within a bound.
  const waiting = { waitMs: settings.startupWaitMs, log, signal: stopping.signal };
  const temporal = await connectClientWithin(settings.temporal, waiting);
  if (!temporal) return;
  try {
    await waitForKafka(settings.kafka, waiting);
    if (signalled) return;
    const kafka = createKafka(settings.kafka);
    const created = await ensureProductTopics(kafka, settings.topics, settings.kafka.tweetsPartitions);
    if (created.length > 0) log.info(`Created Kafka topics: ${created.join(', ')}`, { topics: created });
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
      watermarkStepMs: settings.watermarkStepMs,
      log,
    });
    const lagOf = { groupId: settings.groupId, topic: settings.topics.tweets };
    const observed = metrics && observeBridge(metrics.registry, { bridge, kafka, ...lagOf });
    const crash = await Promise.race([bridge.crashed, stopRequested.then(() => undefined)]);
    await bridge.stop();
    await observed?.close();
    if (crash) throw crash;
  } finally {
    await temporal.connection.close();
  }
}

main()
  .catch((error: unknown) => {
    log.error(`Bridge failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  // The last step of the one shutdown path: the consumer is stopped and every client disconnected, so exit now.
  // kafkajs can keep a socket it reopened during a broker restart after disconnect() (tulios/kafkajs#1147), which
  // would otherwise hold the process until a second signal.
  .finally(() => process.exit());
