import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { Pipeline } from '../../src/demo/pipeline';
import { compareByRetweetsDesc } from '../../src/domain/ranking';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { WORKFLOW_TYPE } from '../../src/shared/names';
import { outputDirFor } from '../../src/shared/output-dirs';
import { status, type TrackingStatus } from '../../src/workflows/definitions';
import { kafkaBrokers, requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { createTopic, deleteTopics, eventually, produceRaw, testKafka } from '../kafka/helpers';

/**
 * Minute files by event time (issue: "which file a tweet lands in depends on timing"). One scripted scenario runs
 * through two whole pipelines at once, X's minutes ending just BEFORE the tick boundaries in one and just AFTER them
 * (with the bridge's flush delayed) in the other. X's clock and the ticks share one time axis: X's minute k is
 * [S + k·T, S + (k+1)·T). Both runs must write byte-identical files, each equal to X's ground truth of its minute,
 * and a tweet arriving after its file closed goes into the next file and the late count.
 */
const TICK_MS = 5_000;
const MINUTES = 6;
/** The pipelines start (bundling two workers) before X's minute 0: long enough on a loaded 2-core machine. */
const STARTUP_MS = 45_000;
const SCENARIO = join(__dirname, '../fixtures/e2e-scenario.json');
/** The late tweet: posted in minute LATE_MINUTE, delivered after that minute's file closed. */
const LATE_MINUTE = 2;
const LATE_TWEET = { id: '1790000000000099999', authorId: '285532415' };

interface Run {
  name: string;
  /** When X's minute ends relative to the tick boundary. */
  advanceOffsetMs: number;
  flushIntervalMs: number;
  emulator?: RunningEmulator;
  pipeline?: Pipeline;
  topic?: string;
  workflowId: string;
  snapshotDir: string;
  output: string[];
  status?: TrackingStatus;
}

const runId = randomUUID().slice(0, 8);
const newRun = (name: string, advanceOffsetMs: number, flushIntervalMs: number): Run => ({
  name,
  advanceOffsetMs,
  flushIntervalMs,
  workflowId: `event-time-${name}-${runId}`,
  snapshotDir: mkdtempSync(join(tmpdir(), `rt-event-time-${name}-`)),
  output: [],
});
const runs = [newRun('before', -300, 500), newRun('after', 300, 1_200)];
const startMs = Math.ceil((Date.now() + STARTUP_MS) / TICK_MS) * TICK_MS;
const boundary = (k: number): number => startMs + k * TICK_MS;
// The worker writes each workflow's files under a folder of its own.
const fileOf = (run: Run, k: number): string =>
  join(outputDirFor(run.snapshotDir, run.workflowId), `counts-${boundary(k)}.txt`);

let kafka: Kafka;
let connection: Connection;
let client: Client;
const timers: NodeJS.Timeout[] = [];
const at = (ms: number, action: () => void): void => void timers.push(setTimeout(action, ms - Date.now()));

beforeAll(
  async () => {
    kafka = await testKafka();
    const address = await requireTemporal();
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: TEST_NAMESPACE });
    await Promise.all(
      runs.map(async (run) => {
        run.topic = await createTopic(kafka, `event-time-${run.name}`, 3);
        // X's clock: minute k spans [S + k·T, S + (k+1)·T); time moves only when the test advances it.
        run.emulator = await startEmulator({
          port: 0,
          scenarioFile: SCENARIO,
          minuteSeconds: 0,
          heartbeatSeconds: 1,
          startTime: new Date(startMs).toISOString(),
          minuteMs: TICK_MS,
        });
        const taskQueue = `event-time-${run.name}-${runId}`;
        await client.workflow.start(WORKFLOW_TYPE, {
          taskQueue,
          workflowId: run.workflowId,
          args: [{ tickSeconds: TICK_MS / 1000 }],
        });
        run.pipeline = new Pipeline({
          env: {
            ...process.env,
            ...run.emulator.env,
            TEMPORAL_ADDRESS: address,
            TEMPORAL_TASK_QUEUE: taskQueue,
            KAFKA_BROKERS: kafkaBrokers().join(','),
            KAFKA_TWEETS_TOPIC: run.topic,
            KAFKA_DEAD_LETTER_TOPIC: `${run.topic}-dlq`,
            BRIDGE_GROUP_ID: `event-time-${run.name}-${runId}`,
            BRIDGE_FLUSH_INTERVAL_MS: String(run.flushIntervalMs),
            // One watermark signal a tick: forwarded when the low mark crosses a tick boundary.
            BRIDGE_WATERMARK_STEP_MS: String(TICK_MS),
            PRODUCER_WATERMARK_DELAY_MS: '500',
            PRODUCER_WATERMARK_INTERVAL_MS: '250',
            TRACKING_WORKFLOW_ID: run.workflowId,
            SNAPSHOT_DIR: run.snapshotDir,
            REPORT_DIR: run.snapshotDir,
            COUNTS_CHANGELOG: 'off',
            PRODUCER_SPOOL_DIR: mkdtempSync(join(tmpdir(), `rt-event-time-spool-${run.name}-`)),
          },
          onLine: (name, line) => run.output.push(`[${name}] ${line}`),
        });
        for (const name of ['worker', 'bridge', 'producer'] as const) run.pipeline.start(name);
      }),
    );
    for (const run of runs) {
      await eventually(
        `the ${run.name} run's producer on the stream`,
        () => (run.emulator!.admin.streamConnections() > 0 ? true : undefined),
        STARTUP_MS,
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}; its processes said:\n${run.output
            .filter((l) => !l.startsWith('[worker]'))
            .slice(-40)
            .join('\n')}`,
        );
      });
    }
    if (Date.now() > startMs - 1_000)
      throw new Error(
        `the pipelines took longer than ${STARTUP_MS} ms to start: X's minute 0 began before they were up`,
      );

    for (const run of runs) {
      // X's minute k-1 ends (its posts are released) just before or just after boundary k.
      for (let k = 1; k <= MINUTES; k++) at(boundary(k) + run.advanceOffsetMs, () => run.emulator!.admin.advance(1));
      // The late tweet arrives after its minute's file closed (the watermark passed it) and before the next boundary.
      const lateRecord = {
        key: LATE_TWEET.id,
        value: JSON.stringify({
          v: 1,
          ...LATE_TWEET,
          createdAt: new Date(boundary(LATE_MINUTE + 1) - 1_000).toISOString(),
        }),
      };
      at(boundary(LATE_MINUTE + 1) + TICK_MS / 2 + 1_000, () => void produceRaw(kafka, run.topic!, [lateRecord]));
    }
    for (const run of runs) {
      await eventually(
        `the ${run.name} run's file for minute ${MINUTES - 1}`,
        () => (existsSync(fileOf(run, MINUTES)) ? true : undefined),
        boundary(MINUTES) + 3 * TICK_MS - Date.now(),
      );
      run.status = await client.workflow.getHandle(run.workflowId).query(status);
    }
  },
  STARTUP_MS + (MINUTES + 6) * TICK_MS + 60_000,
);

afterAll(async () => {
  for (const timer of timers) clearTimeout(timer);
  await Promise.all(runs.map(async (run) => await run.pipeline?.stopAll(5_000)));
  for (const run of runs) {
    await client?.workflow
      .getHandle(run.workflowId)
      .terminate('event-time test finished')
      .catch(() => undefined);
    await run.emulator?.close();
  }
  if (kafka)
    await deleteTopics(
      kafka,
      runs.flatMap((run) => (run.topic ? [run.topic, `${run.topic}-dlq`] : [])),
    );
  await connection?.close();
});

/** What the file for boundary k must say: X's ground truth after minute k-1, every tweet posted before the boundary. */
function expectedFile(run: Run, k: number): string {
  const truth = run.emulator!.admin.groundTruth(k - 1);
  const lines = truth.tweets
    .filter((t) => Date.parse(t.createdAt) < boundary(k))
    .map((t) => ({ tweetId: t.id, retweets: t.retweetCount }));
  // X never heard of the late tweet: a lookup finds nothing, so it keeps the count it arrived with.
  if (k > LATE_MINUTE + 1) lines.push({ tweetId: LATE_TWEET.id, retweets: 0 });
  return lines
    .sort(compareByRetweetsDesc)
    .map((l) => `(${l.tweetId}, ${l.retweets})\n`)
    .join('');
}

describe('minute files by event time', () => {
  it('each file equals X ground truth of its minute, whatever the phase of the clocks', () => {
    for (const run of runs) {
      for (let k = 1; k <= MINUTES; k++) {
        expect({ run: run.name, k, file: readFileSync(fileOf(run, k), 'utf8') }).toEqual({
          run: run.name,
          k,
          file: expectedFile(run, k),
        });
      }
    }
  });

  it('the two runs write byte-identical files', () => {
    for (let k = 1; k <= MINUTES; k++) {
      expect(readFileSync(fileOf(runs[1], k))).toEqual(readFileSync(fileOf(runs[0], k)));
    }
  });

  it('a tweet arriving after its file closed goes into the next file and counts as late', () => {
    for (const run of runs) {
      expect(readFileSync(fileOf(run, LATE_MINUTE + 1), 'utf8')).not.toContain(LATE_TWEET.id);
      expect(readFileSync(fileOf(run, LATE_MINUTE + 2), 'utf8')).toContain(`(${LATE_TWEET.id}, 0)`);
      expect({ run: run.name, late: run.status!.lateTweets }).toEqual({ run: run.name, late: 1 });
      // The watermark closed every tick: none waited out its allowed lateness.
      expect({ run: run.name, byLateness: run.status!.ticksClosedByLateness }).toEqual({
        run: run.name,
        byLateness: 0,
      });
    }
  });
});
