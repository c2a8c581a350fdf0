/** `npm run producer [-- --replay file.jsonl]`: the tweets producer as a process. SIGINT/SIGTERM stop it cleanly. */
import { processEnv } from '../config/env';
import { readLogLevel } from '../config/logging';
import { createKafka, waitForKafka } from '../kafka/client';
import { ensureProductTopics } from '../kafka/topics';
import { createLog, errorMessage } from '../shared/log';
import { startMetrics } from '../metrics';
import { instrumentSource, observeProducer, observeSpool } from '../metrics/producer-metrics';
import { createXMetrics } from '../metrics/x-metrics';
import { connectClient } from '../temporal/connection';
import { createXClient, readXConfig, syncStreamRules, type XClient } from '../x';
import { fetchTimelinePage, fetchTimelineSince } from '../x/timeline';
import { backfillMark } from './backfill';
import { readProducerSettings } from './config';
import { FollowedUsers } from './followed-users';
import { startProducer, type CatchUpSettings, type ProducerHandle } from './producer';
import { replaySource, xStreamSource } from './sources';
import { ProducerSpool } from './spool';

const log = createLog('producer');

/** The spool of the X stream mode; a directory in use or unusable stops the producer, naming the variable. */
async function openSpool(dir: string): Promise<ProducerSpool> {
  try {
    const spool = await ProducerSpool.open({ dir, log });
    log.info(`Received posts are kept in ${dir} until Kafka acknowledges them`, { spoolDir: dir });
    return spool;
  } catch (error) {
    throw new Error(`PRODUCER_SPOOL_DIR: ${errorMessage(error)}`);
  }
}

async function main(): Promise<void> {
  const env = processEnv();
  readLogLevel(env); // an invalid LOG_LEVEL stops the producer here, naming it
  const settings = readProducerSettings(env, process.argv.slice(2));
  // First: a second producer on the same spool stops here, saying so, before anything binds or connects. A replay
  // needs no spool: its file can be replayed again.
  const spool = settings.replayFile ? undefined : await openSpool(settings.spoolDir);
  // Bound before anything connects: a busy port fails fast, naming its variable.
  const metrics = await startMetrics(settings.metrics);
  if (metrics) log.info(`Metrics: ${metrics.url}`, { url: metrics.url });
  if (metrics && spool) observeSpool(metrics.registry, spool);
  const xMetrics = metrics && createXMetrics(metrics.registry);
  // The one shutdown path: the first signal stops reading and flushes what is in flight (within a grace period);
  // a second one forces the exit.
  let producer: ProducerHandle | undefined;
  let signalled = false;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const stopping = new AbortController();
  void stopRequested.then(() => stopping.abort());
  const onSignal = (name: NodeJS.Signals): void => {
    if (signalled) process.exit(1);
    signalled = true;
    log.info(`${name}: stopping the producer (flushing in-flight tweets)`);
    requestStop();
    void producer?.stop().catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Kafka may still be starting: wait for it, within a bound, before reading anything.
  await waitForKafka(settings.kafka, { waitMs: settings.startupWaitMs, log, signal: stopping.signal });
  if (signalled) return;

  let xClient: XClient | undefined;
  let followed: FollowedUsers | undefined;
  let catchUp: CatchUpSettings | undefined;
  if (!settings.replayFile) {
    const x = createXClient(readXConfig(env), xMetrics);
    xClient = x;
    const users = new FollowedUsers({
      connect: () => connectClient(settings.temporal),
      workflowId: settings.workflowId,
      seed: settings.followedUserIds,
      pollMs: settings.followedPollMs,
      log,
      onChange: async (list, added) => {
        // X applies rule changes to the open stream: no reconnect. A newly followed user gets a baseline.
        try {
          const rules = await syncStreamRules(x, list);
          log.info(
            `Stream rules re-synced: ${rules.added.length} added, ${rules.deleted.length} deleted, ${rules.kept.length} kept`,
          );
        } catch (error) {
          log.warn(`Stream rules not re-synced (${errorMessage(error)}); retrying at the next change or reconnect`);
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
      // The first mark of a user never seen: their newest post, moved back over the backfill window.
      newestPostId: async (user) =>
        backfillMark(
          (await fetchTimelinePage(x, user, { pageSize: 5 })).tweets[0]?.id,
          settings.backfillMs,
          Date.now(),
        ),
    };
  }
  const read = settings.replayFile
    ? replaySource(settings.replayFile, log)
    : xStreamSource(xClient as XClient, () => followed?.current() ?? [], log);
  // The stream's connection and billed reads; a replay has neither.
  const source = metrics && !settings.replayFile ? instrumentSource(read, metrics.registry, xMetrics) : read;

  try {
    const kafka = createKafka(settings.kafka);
    const created = await Promise.race([
      ensureProductTopics(kafka, settings.topics, settings.kafka.tweetsPartitions).catch((error: unknown) => {
        // Kafka may be down: the producer waits for it below; the topics are created by the next start or the stack.
        log.warn(`Kafka topics not checked (${errorMessage(error)})`);
        return [];
      }),
      stopRequested.then(() => []),
    ]);
    if (created.length > 0) log.info(`Created Kafka topics: ${created.join(', ')}`, { topics: created });
    if (signalled) return;
    producer = await startProducer({
      kafka,
      source,
      topic: settings.topics.tweets,
      catchUp,
      maxQueued: settings.maxQueued,
      spool,
      // A replay has no event-time progress to vouch for.
      watermarks: settings.replayFile ? undefined : settings.watermarks,
      log,
    });
    if (metrics) observeProducer(metrics.registry, producer);
    if (signalled) void producer.stop().catch(() => undefined);
    const stats = await producer.done;
    log.info(`Producer stopped: ${stats.published} tweets published, ${stats.skipped} skipped`, {
      topic: settings.topics.tweets,
    });
  } finally {
    // First: the last acknowledgements reach the file and the directory is free again, whatever the rest does.
    await spool
      ?.close()
      .catch((error: unknown) =>
        log.warn(`Spool not closed cleanly (${errorMessage(error)}); the next start reads it anyway`),
      );
    await followed?.stop();
    xClient?.close();
  }
}

main()
  .catch((error: unknown) => {
    log.error(`Producer failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  // The last step of the one shutdown path (everything is flushed and disconnected): kafkajs can keep a socket it
  // reopened during a broker restart after disconnect() (tulios/kafkajs#1147), which would hold the process.
  .finally(() => process.exit());
