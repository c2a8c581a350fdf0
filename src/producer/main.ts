/** `npm run producer [-- --replay file.jsonl]`: the tweets producer as a process. SIGINT/SIGTERM stop it cleanly. */
import { processEnv } from '../config/env';
import { createKafka } from '../kafka/client';
import { ensureProductTopics } from '../kafka/topics';
import { consoleLog, errorMessage } from '../kafka/log';
import { connectClient } from '../temporal/connection';
import { createXClient, readXConfig, syncStreamRules, type XClient } from '../x';
import { fetchTimelinePage, fetchTimelineSince } from '../x/timeline';
import { readProducerSettings } from './config';
import { FollowedUsers } from './followed-users';
import { startProducer, type CatchUpSettings, type ProducerHandle } from './producer';
import { replaySource, xStreamSource } from './sources';

async function main(): Promise<void> {
  const env = processEnv();
  const settings = readProducerSettings(env, process.argv.slice(2));
  // The one shutdown path: the first signal stops reading and flushes what is in flight (within a grace period);
  // a second one forces the exit.
  let producer: ProducerHandle | undefined;
  let signalled = false;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = (name: NodeJS.Signals): void => {
    if (signalled) process.exit(1);
    signalled = true;
    console.log(`${name}: stopping the producer (flushing in-flight tweets)`);
    requestStop();
    void producer?.stop().catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let xClient: XClient | undefined;
  let followed: FollowedUsers | undefined;
  let catchUp: CatchUpSettings | undefined;
  if (!settings.replayFile) {
    const x = createXClient(readXConfig(env));
    xClient = x;
    const users = new FollowedUsers({
      connect: () => connectClient(settings.temporal),
      workflowId: settings.workflowId,
      seed: settings.followedUserIds,
      pollMs: settings.followedPollMs,
      log: consoleLog,
      onChange: async (list, added) => {
        // X applies rule changes to the open stream: no reconnect. A newly followed user gets a baseline.
        try {
          const rules = await syncStreamRules(x, list);
          consoleLog.info(`Stream rules re-synced: ${rules.added.length} added, ${rules.deleted.length} deleted, ${rules.kept.length} kept`);
        } catch (error) {
          consoleLog.warn(`Stream rules not re-synced (${errorMessage(error)}); retrying at the next change or reconnect`);
        }
        if (added.length > 0) producer?.followed(added);
      },
    });
    followed = users;
    await users.start();
    catchUp = {
      progressTopic: settings.topics.progress ?? `${settings.topics.tweets}.progress`,
      users: () => users.current(),
      readTimeline: (user, sinceId, signal) => fetchTimelineSince(x, user, { sinceId, signal }),
      newestPostId: async (user) => (await fetchTimelinePage(x, user, { pageSize: 5 })).tweets[0]?.id,
    };
  }
  const source = settings.replayFile ? replaySource(settings.replayFile, consoleLog) : xStreamSource(xClient as XClient, () => followed?.current() ?? [], consoleLog);

  try {
    const kafka = createKafka(settings.kafka);
    const created = await Promise.race([
      ensureProductTopics(kafka, settings.topics, settings.kafka.tweetsPartitions).catch((error: unknown) => {
        // Kafka may be down: the producer waits for it below; the topics are created by the next start or the stack.
        consoleLog.warn(`Kafka topics not checked (${errorMessage(error)})`);
        return [];
      }),
      stopRequested.then(() => []),
    ]);
    if (created.length > 0) console.log(`Created Kafka topics: ${created.join(', ')}`);
    if (signalled) return;
    producer = await startProducer({ kafka, source, topic: settings.topics.tweets, catchUp, maxQueued: settings.maxQueued });
    if (signalled) void producer.stop().catch(() => undefined);
    const stats = await producer.done;
    console.log(`Producer stopped: ${stats.published} tweets published, ${stats.skipped} skipped`);
  } finally {
    await followed?.stop();
    xClient?.close();
  }
}

main()
  .catch((error: unknown) => {
    console.error(`Producer failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  // The last step of the one shutdown path (everything is flushed and disconnected): kafkajs can keep a socket it
  // reopened during a broker restart after disconnect() (tulios/kafkajs#1147), which would hold the process.
  .finally(() => process.exit());
