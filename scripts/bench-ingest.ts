/**
 * `npm run bench:ingest [-- --tweets 100000 --per-tweet 3000 --originals 3000 --json FILE]`: tweets per second from records in Kafka to
 * signals acknowledged by Temporal, on this machine's real broker and server. Three runs over the same records:
 * the raw kafkajs consume rate (the ceiling), the batched bridge, and the bridge with one signal per tweet.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Partitioners, type Kafka } from 'kafkajs';
import { startBridge, type BridgeOptions } from '../src/bridge/bridge';
import { DEFAULT_BATCH_LIMITS } from '../src/bridge/signal-batcher';
import { processEnv } from '../src/config/env';
import { DEFAULT_FOLLOWED_USER_IDS } from '../src/domain/followed-users';
import type { ObservedTweet } from '../src/domain/observed-tweet';
import { createKafka } from '../src/kafka/client';
import { readKafkaSettings } from '../src/kafka/config';
import { silentLog } from '../src/shared/log';
import { TweetPublisher } from '../src/kafka/tweet-publisher';
import { encodeTweetRecord } from '../src/kafka/tweet-record';
import { readTemporalConfig } from '../src/temporal/config';
import { connectClient, connectWorker } from '../src/temporal/connection';
import { benchCommand, parseBenchFlags, wholeNumber, writeJsonResults } from './bench-flags';
import { benchCounts } from './bench-ingest-workflow';

const PARTITIONS = 6;

interface Flags {
  tweets: number;
  perTweet: number;
  originals: number;
  json?: string;
}

function parseFlags(): Flags {
  const command = benchCommand(
    'bench:ingest',
    'Tweets per second from records in Kafka to signals acknowledged by Temporal.',
  )
    .option(
      '--tweets <n>',
      'records written and read by the raw consume and the batched bridge',
      wholeNumber('--tweets', 1, 10_000_000),
      100_000,
    )
    .option(
      '--per-tweet <n>',
      'tweets the one-signal-per-tweet bridge delivers (at most --tweets)',
      wholeNumber('--per-tweet', 1, 10_000_000),
      3_000,
    )
    .option('--originals <n>', 'original tweets the retweets are of', wholeNumber('--originals', 1, 10_000_000), 3_000);
  return parseBenchFlags<Flags>(command);
}

/** Realistic stream data: mostly retweets of a few thousand originals by the followed users, a few originals. */
function benchTweets(count: number, originals: number): ObservedTweet[] {
  const base = 1_850_000_000_000_000_000n;
  const followed = DEFAULT_FOLLOWED_USER_IDS;
  const tweets: ObservedTweet[] = [];
  const createdAt = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const id = String(base + BigInt(i));
    if (i % 33 === 0) {
      const author = followed[i % followed.length];
      tweets.push({ id, authorId: author, authorUsername: `followed_${author}`, createdAt });
      continue;
    }
    const original = (i * 7919) % originals;
    const author = followed[original % followed.length];
    const retweeter = String(100_000_000 + ((i * 104_729) % 5_000_000));
    tweets.push({
      id,
      authorId: retweeter,
      authorUsername: `fan_${retweeter}`,
      createdAt,
      retweetedOf: {
        id: String(1_800_000_000_000_000_000n + BigInt(original)),
        authorId: author,
        authorUsername: `followed_${author}`,
      },
    });
  }
  return tweets;
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The raw consume rate: a group reading every record with kafkajs, no decoding, no side effect. */
async function rawConsume(kafka: Kafka, topic: string, count: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  const started = performance.now();
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: ({ batch }) => {
      seen += batch.messages.length;
      return Promise.resolve();
    },
  });
  await waitUntil(() => seen >= count, 300_000);
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

interface BridgeRun {
  tweets: number;
  seconds: number;
  signals: number;
  workflowId: string;
}

/** Runs a bridge in a fresh group from the start of the topic until `count` tweets were acknowledged. */
async function bridgeRun(
  options: Omit<BridgeOptions, 'workflowId' | 'groupId'>,
  count: number,
  label: string,
): Promise<BridgeRun> {
  const workflowId = `bench-ingest-${label}-${randomUUID()}`;
  const started = performance.now();
  const bridge = await startBridge({ ...options, workflowId, groupId: `bench-${label}-${randomUUID()}` });
  let last = 0;
  const progress = setInterval(() => {
    const { delivered } = bridge.stats();
    process.stderr.write(`  ${label}: ${fmt(delivered)} acknowledged (+${fmt(delivered - last)}/s)\n`);
    last = delivered;
  }, 1000);
  await waitUntil(() => bridge.stats().delivered >= count, 900_000);
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  const { delivered, signals } = bridge.stats();
  await bridge.stop();
  return { tweets: delivered, seconds, signals, workflowId };
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const flags = parseFlags();
  const total = flags.tweets;
  const perTweetCount = Math.min(total, flags.perTweet);
  const originals = flags.originals;
  const env = processEnv();
  const kafkaSettings = readKafkaSettings(env, 'retweet-tracker-bench');
  const kafka = createKafka(kafkaSettings);
  const temporalConfig = readTemporalConfig(env);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const client: Client = await connectClient(temporalConfig);
  const nativeConnection = await connectWorker(temporalConfig);
  const taskQueue = `bench-ingest-${randomUUID()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: temporalConfig.namespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('./bench-ingest-workflow'),
      logger: new DefaultLogger('WARN'),
    }),
  });
  const workerRunning = worker.run();

  const topic = `bench.tweets.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const workflowIds: string[] = [];
  try {
    const tweets = benchTweets(total, originals);
    const valueBytes = tweets.reduce((sum, t) => sum + Buffer.byteLength(encodeTweetRecord(t).value), 0) / total;
    process.stderr.write(`writing ${fmt(total)} records to ${topic}...\n`);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const publisher = new TweetPublisher(producer, topic, { maxBatch: 5000 });
    const writeStarted = performance.now();
    const acks: Array<Promise<void>> = [];
    for (const tweet of tweets) acks.push(publisher.publish(tweet));
    await Promise.all(acks);
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    await producer.disconnect();

    process.stderr.write('raw kafkajs consume...\n');
    const rawSeconds = await rawConsume(kafka, topic, total);
    const common = {
      kafka,
      temporal: client,
      workflowType: 'benchIngest',
      taskQueue,
      topic,
      deadLetterTopic: `${topic}.dlq`,
      statsIntervalMs: 0,
      log: silentLog,
    };
    process.stderr.write('batched bridge...\n');
    const batched = await bridgeRun(common, total, 'batched');
    workflowIds.push(batched.workflowId);
    process.stderr.write('one-signal-per-tweet bridge...\n');
    const single = await bridgeRun({ ...common, batch: { maxTweets: 1 } }, perTweetCount, 'single');
    workflowIds.push(single.workflowId);

    // What the workflows counted: the acknowledged signals really carried the tweets (queried once the worker caught up).
    const counted = async (workflowId: string, atLeast: number): Promise<number> => {
      const handle = client.workflow.getHandle(workflowId);
      let tweetsCounted = 0;
      for (let i = 0; i < 600 && tweetsCounted < atLeast; i++) {
        tweetsCounted = (await handle.query(benchCounts)).tweets;
        if (tweetsCounted < atLeast) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return tweetsCounted;
    };
    const batchedCounted = await counted(batched.workflowId, batched.tweets);
    const singleCounted = await counted(single.workflowId, single.tweets);

    const rows: string[][] = [
      ['variant', 'tweets', 'seconds', 'tweets/s', 'signals', 'tweets/signal', 'counted by workflow'],
      ['raw kafkajs consume (ceiling)', fmt(total), fmt(rawSeconds, 2), fmt(total / rawSeconds), '-', '-', '-'],
      [
        'bridge, batched',
        fmt(batched.tweets),
        fmt(batched.seconds, 2),
        fmt(batched.tweets / batched.seconds),
        fmt(batched.signals),
        fmt(batched.tweets / batched.signals, 1),
        fmt(batchedCounted),
      ],
      [
        `bridge, one signal per tweet${perTweetCount < total ? ' *' : ''}`,
        fmt(single.tweets),
        fmt(single.seconds, 2),
        fmt(single.tweets / single.seconds),
        fmt(single.signals),
        fmt(single.tweets / single.signals, 1),
        fmt(singleCounted),
      ],
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]): string =>
      `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
    const { maxTweets, maxBytes, flushIntervalMs } = DEFAULT_BATCH_LIMITS;
    console.log('');
    console.log(
      `Ingestion benchmark: Kafka records -> Temporal signals acknowledged (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'})`,
    );
    console.log(
      `Kafka ${kafkaSettings.brokers.join(',')}, topic of ${PARTITIONS} partitions; Temporal ${temporalConfig.address}, namespace ${temporalConfig.namespace}`,
    );
    console.log(
      `Data: ${fmt(total)} records (${fmt(valueBytes)} bytes per value on average): 97% retweets of ${fmt(originals)} originals by the ${DEFAULT_FOLLOWED_USER_IDS.length} followed users, 3% originals by them`,
    );
    console.log(
      `Signalled workflow: a dedicated bench workflow "benchIngest" (counts tweets), run by a worker in this process; not RetweetTracking`,
    );
    console.log(
      `Batched bridge limits: ${maxTweets} tweets / ${fmt(maxBytes)} bytes / ${flushIntervalMs} ms per signal (the defaults); records written in ${fmt(writeSeconds, 2)} s beforehand`,
    );
    console.log('');
    console.log(line(rows[0]));
    console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
    for (const row of rows.slice(1)) console.log(line(row));
    console.log('');
    if (perTweetCount < total)
      console.log(
        `* the one-signal-per-tweet variant ran on the first ${fmt(perTweetCount)} acknowledged tweets of the same records (it is slow; --per-tweet N changes it)`,
      );
    console.log(
      '"counted by workflow" is queried after each run: it can exceed "tweets" because a stopping bridge still delivers what it had in flight.',
    );
    console.log(
      `Batched / one signal per tweet: ${fmt(batched.tweets / batched.seconds / (single.tweets / single.seconds), 1)}x; batched / raw consume: ${fmt((100 * (batched.tweets / batched.seconds)) / (total / rawSeconds), 0)}%`,
    );
    const variant = (run: BridgeRun, countedByWorkflow: number) => ({
      tweets: run.tweets,
      seconds: Number(run.seconds.toFixed(3)),
      tweetsPerSec: Math.round(run.tweets / run.seconds),
      signals: run.signals,
      countedByWorkflow,
    });
    writeJsonResults(flags.json, {
      records: total,
      partitions: PARTITIONS,
      rawConsume: {
        tweets: total,
        seconds: Number(rawSeconds.toFixed(3)),
        tweetsPerSec: Math.round(total / rawSeconds),
      },
      batched: variant(batched, batchedCounted),
      oneSignalPerTweet: variant(single, singleCounted),
    });
  } finally {
    for (const id of workflowIds)
      await client.workflow
        .getHandle(id)
        .terminate('benchmark over')
        .catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    worker.shutdown();
    await workerRunning;
    await nativeConnection.close();
    await client.connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
