import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { Pipeline, type PipelineProcess } from '../../src/demo/pipeline';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { WORKFLOW_TYPE } from '../../src/shared/names';
import { createTopic, deleteTopics, eventually, produceTweets, sampleTweet, testKafka } from '../kafka/helpers';
import { privateCaFile } from '../producer/support';
import { kafkaBrokers, requireTemporal } from '../support/services';
import { pipelineEnv } from '../support/pipeline-env';

/**
 * The pipeline's processes on the real stack (emulator → producer → Kafka → bridge → workflow → worker, and the
 * dashboard), each serving `/metrics` on a free port: their series exist and move as tweets flow and ticks pass, and the bridge's
 * consumer lag rises while it cannot deliver and falls once it can.
 */
const TICK_SECONDS = 2;
const runId = randomUUID().slice(0, 8);
const workflowId = `metrics-${runId}`;
const taskQueue = `metrics-${runId}`;
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const tmp = mkdtempSync(join(tmpdir(), 'rt-metrics-'));

/** One post by a followed user in each of the first simulated minutes: each `advance(1)` releases one to the stream. */
const scenario = {
  users: DEFAULT_FOLLOWED_USER_IDS.slice(0, 2).map((id, i) => ({
    id,
    username: `followed_${i}`,
    name: `followed ${i}`,
  })),
  minutes: Array.from({ length: 10 }, (_, minute) => ({
    minute,
    tweets: [{ authorId: DEFAULT_FOLLOWED_USER_IDS[minute % 2], text: `post ${minute}`, retweetCount: minute }],
  })),
};

let kafka: Kafka;
let connection: Connection;
let client: Client;
let emulator: RunningEmulator;
let pipeline: Pipeline;
const topics: string[] = [];
const output: string[] = [];
const urls: Partial<Record<'worker' | 'temporal' | 'bridge' | 'producer' | 'dashboard', string>> = {};

/** The lines of the process's output that announce its metrics URLs. */
function noteUrl(name: PipelineProcess, line: string): void {
  // The dashboard serves /metrics on its own HTTP port.
  const dashboard = name === 'dashboard' ? /listening on (http:\/\/\S+)/.exec(line)?.[1] : undefined;
  if (dashboard) urls.dashboard = `${dashboard}/metrics`;
  const url = /(http:\/\/\S+\/metrics)/.exec(line)?.[1];
  if (!url) return;
  if (name === 'worker') urls[/Temporal SDK metrics/.test(line) ? 'temporal' : 'worker'] = url;
  else if (name === 'bridge' || name === 'producer') urls[name] = url;
}

type Scrape = string;
const scrape = async (url: string | undefined): Promise<Scrape> => {
  const response = await fetch(url!).catch((error: Error) => {
    // A process that is gone: what it printed says why.
    throw new Error(
      `${url}: ${error.message} (${String(error.cause)}); the processes printed:\n${output.slice(-40).join('\n')}`,
    );
  });
  expect(response.status).toBe(200);
  return response.text();
};

/** The samples of a series (`name{labels} value`), each with its label text. */
function samples(text: Scrape, name: string): Array<{ labels: string; value: number }> {
  const found: Array<{ labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) found.push({ labels: match[2] ?? '', value: Number(match[3]) });
  }
  return found;
}

/** The sum of a series over its labels (0 when it has none yet); `where` filters by label text. */
const total = (text: Scrape, name: string, where = ''): number =>
  samples(text, name)
    .filter((s) => s.labels.includes(where))
    .reduce((sum, s) => sum + s.value, 0);

beforeAll(async () => {
  kafka = await testKafka();
  const address = await requireTemporal();
  const tweets = await createTopic(kafka, 'metrics-tweets', 2);
  const deadLetters = await createTopic(kafka, 'metrics-dlq', 1);
  const changelog = { counts: `metrics-counts-${runId}`, reports: `metrics-reports-${runId}` };
  topics.push(tweets, deadLetters, `${tweets}.progress`, changelog.counts, changelog.reports);
  const scenarioFile = join(tmp, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(scenario));
  // The test moves simulated time itself (minuteSeconds 0): a post appears exactly when it advances a minute.
  emulator = await startEmulator({
    port: 0,
    scenarioFile,
    minuteSeconds: 0,
    heartbeatSeconds: 1,
    caFile: privateCaFile(),
  });
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace });
  await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [{ tickSeconds: TICK_SECONDS }] });

  pipeline = new Pipeline({
    env: pipelineEnv(emulator, address, taskQueue, {
      TEMPORAL_NAMESPACE: namespace,
      TRACKING_WORKFLOW_ID: workflowId,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TWEETS_TOPIC: tweets,
      KAFKA_DEAD_LETTER_TOPIC: deadLetters,
      BRIDGE_GROUP_ID: `metrics-bridge-${runId}`,
      BRIDGE_FLUSH_INTERVAL_MS: '100',
      SNAPSHOT_DIR: join(tmp, 'snapshots'),
      REPORT_DIR: join(tmp, 'reports'),
      PRODUCER_SPOOL_DIR: join(tmp, 'spool'),
      KAFKA_COUNTS_TOPIC: changelog.counts,
      KAFKA_REPORTS_TOPIC: changelog.reports,
      DASHBOARD_PORT: '0',
      DASHBOARD_DATA_DIR: join(tmp, 'dashboard'),
      DASHBOARD_INSTANCE_ID: `metrics-${runId}`,
      DASHBOARD_STATUS_POLL_MS: '500',
      // Any free port: fixed ones would collide with a demo or another test run on this machine.
      WORKER_METRICS_PORT: '0',
      WORKER_TEMPORAL_METRICS_PORT: '0',
      BRIDGE_METRICS_PORT: '0',
      PRODUCER_METRICS_PORT: '0',
    }),
    onLine: (name, line) => {
      output.push(`[${name}] ${line}`);
      noteUrl(name, line);
    },
  });
  for (const name of ['worker', 'bridge', 'producer', 'dashboard'] as const) pipeline.start(name);
  try {
    await eventually('every metrics URL', () => (Object.keys(urls).length === 5 ? true : undefined), 60_000);
    await eventually(
      'the producer on the stream',
      () => (emulator.admin.streamConnections() > 0 ? true : undefined),
      30_000,
    );
    await eventually(
      'a first tick file',
      async () => (total(await scrape(urls.worker), 'retweet_tracker_ticks_written_total') > 0 ? true : undefined),
      60_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; the processes printed:\n${output.slice(-60).join('\n')}`);
  }
}, 150_000);

afterAll(async () => {
  await client?.workflow
    .getHandle(workflowId)
    .terminate('test done')
    .catch(() => undefined);
  await pipeline?.stopAll(5_000);
  await emulator?.close();
  await connection?.close();
  if (kafka) await deleteTopics(kafka, topics);
});

test('tweets, ticks and X requests move between two scrapes; the Temporal core serves its own series', async () => {
  const before = {
    worker: await scrape(urls.worker),
    bridge: await scrape(urls.bridge),
    producer: await scrape(urls.producer),
  };
  emulator.admin.advance(1); // one more post on the stream
  const delivered = (text: Scrape) => total(text, 'retweet_tracker_bridge_tweets_delivered_total');
  await eventually(
    'the post to reach the workflow',
    async () => (delivered(await scrape(urls.bridge)) > delivered(before.bridge) ? true : undefined),
    20_000,
  );
  // A tick after the post arrived: its file tracks it, and it was looked up on X.
  const ticked = (text: Scrape) =>
    total(text, 'retweet_tracker_tick_lag_seconds_count') >
      total(before.worker, 'retweet_tracker_tick_lag_seconds_count') &&
    total(text, 'retweet_tracker_tracked_tweets') > 0 &&
    total(text, 'retweet_tracker_x_requests_total', 'endpoint="GET /2/tweets",status="2xx"') > 0;
  await eventually(
    'a tick that looked the post up',
    async () => (ticked(await scrape(urls.worker)) ? true : undefined),
    15_000,
  );
  const after = {
    worker: await scrape(urls.worker),
    bridge: await scrape(urls.bridge),
    producer: await scrape(urls.producer),
  };

  for (const name of [
    'retweet_tracker_producer_tweets_received_total',
    'retweet_tracker_producer_tweets_published_total',
  ]) {
    expect(total(after.producer, name)).toBeGreaterThan(total(before.producer, name));
  }
  expect(total(after.producer, 'retweet_tracker_x_posts_read_total', 'source="stream"')).toBeGreaterThan(0);
  expect(total(after.producer, 'retweet_tracker_producer_stream_connected')).toBe(1);
  // Each received post is on disk before it is published; acknowledged, it leaves the spool's depth.
  expect(total(after.producer, 'retweet_tracker_producer_spool_appended_total')).toBeGreaterThan(
    total(before.producer, 'retweet_tracker_producer_spool_appended_total'),
  );
  expect(samples(after.producer, 'retweet_tracker_producer_spool_outstanding')).toHaveLength(1);
  expect(
    total(after.producer, 'retweet_tracker_x_requests_total', 'endpoint="GET /2/tweets/search/stream/rules"'),
  ).toBeGreaterThan(0);

  expect(total(after.bridge, 'retweet_tracker_bridge_signals_total')).toBeGreaterThan(
    total(before.bridge, 'retweet_tracker_bridge_signals_total'),
  );
  expect(
    samples(after.bridge, 'retweet_tracker_bridge_consumer_lag')
      .map((s) => s.labels)
      .sort(),
  ).toEqual([`{topic="${topics[0]}",partition="0"}`, `{topic="${topics[0]}",partition="1"}`]);
  expect(total(after.bridge, 'retweet_tracker_bridge_paused')).toBe(0);

  // The tick lag: a histogram observed once per file, and the boundary of the newest file.
  for (const name of [
    'retweet_tracker_ticks_written_total',
    'retweet_tracker_tick_lag_seconds_count',
    'retweet_tracker_last_tick_timestamp_seconds',
  ]) {
    expect(total(after.worker, name)).toBeGreaterThan(total(before.worker, name));
  }
  // Seconds, not milliseconds (how late a file is on a loaded machine is not what this test checks).
  const lag = total(after.worker, 'retweet_tracker_last_tick_lag_seconds');
  expect(lag).toBeGreaterThan(0);
  expect(lag).toBeLessThan(60);
  expect(total(after.worker, 'retweet_tracker_tracked_tweets')).toBeGreaterThan(0);
  // Kafka is up: every tick's changelog rows were confirmed.
  expect(samples(after.worker, 'retweet_tracker_changelog_unconfirmed_ticks')).toEqual([{ labels: '', value: 0 }]);
  expect(
    total(after.worker, 'retweet_tracker_x_requests_total', 'endpoint="GET /2/tweets",status="2xx"'),
  ).toBeGreaterThan(0);
  expect(samples(after.worker, 'retweet_tracker_x_rate_limit_remaining')).toHaveLength(1);
  expect(total(after.worker, 'retweet_tracker_x_billed_post_reads_today')).toBeGreaterThan(0);
  expect(after.worker).toMatch(/^nodejs_eventloop_lag_seconds /m);

  const core = await scrape(urls.temporal);
  expect(core).toMatch(new RegExp(`^temporal_worker_task_slots_available\\{.*task_queue="${taskQueue}"`, 'm'));

  // The dashboard: the workflow's own view of tracking and billing, polled, and the changelog it ingested.
  const polled = [
    'retweet_tracker_workflow_tracked_tweets',
    'retweet_tracker_workflow_billed_post_reads_today',
    'retweet_tracker_dashboard_changelog_records_total',
  ];
  let last = '';
  const dashboard = await eventually(
    'the dashboard to poll the workflow and ingest the changelog',
    async () => {
      last = await scrape(urls.dashboard);
      return polled.every((name) => total(last, name) > 0) ? last : undefined;
    },
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${polled.map((name) => `${name} ${total(last, name)}`).join(', ')}`);
  });
  expect(total(dashboard, 'retweet_tracker_workflow_estimated_cost_usd_today')).toBeGreaterThan(0);
  expect(samples(dashboard, 'retweet_tracker_kafka_bridge_lag')).toHaveLength(1);
});

test('the consumer lag rises while the bridge cannot deliver (workflow closed) and falls once it can', async () => {
  const lagNow = async () => total(await scrape(urls.bridge), 'retweet_tracker_bridge_consumer_lag');
  await client.workflow.getHandle(workflowId).terminate('the bridge must pause');
  const waiting = Array.from({ length: 20 }, () => sampleTweet());
  await produceTweets(kafka, topics[0], waiting);
  const paused = await eventually(
    'the bridge to pause with the records uncommitted',
    async () => {
      const text = await scrape(urls.bridge);
      const lag = total(text, 'retweet_tracker_bridge_consumer_lag');
      return total(text, 'retweet_tracker_bridge_paused', 'reason="workflow-closed"') === 1 && lag >= waiting.length
        ? lag
        : undefined;
    },
    20_000,
  );
  expect(paused).toBeGreaterThanOrEqual(waiting.length);

  // What `npm run tracking -- start` does: a new run under the same id; the bridge delivers and commits.
  await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [{ tickSeconds: TICK_SECONDS }] });
  await eventually('the lag to drain', async () => ((await lagNow()) === 0 ? true : undefined), 20_000);
  expect(total(await scrape(urls.bridge), 'retweet_tracker_bridge_paused')).toBe(0);
});
