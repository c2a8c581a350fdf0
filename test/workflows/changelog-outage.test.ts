import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { Pipeline } from '../../src/demo/pipeline';
import { formatCountLine, rankByRetweets } from '../../src/domain/ranking';
import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import { createKafka } from '../../src/kafka/client';
import { decodeCountRecord, type CountRecord } from '../../src/kafka/changelog-record';
import { WORKFLOW_TYPE } from '../../src/shared/names';
import { status, tweetsObserved } from '../../src/workflows/definitions';
import { eventually, readRecords } from '../kafka/helpers';
import { TEST_NAMESPACE } from '../support/namespace';
import { pipelineEnv } from '../support/pipeline-env';
import { requireTemporal } from '../support/services';
import { startPrivateKafka, type PrivateKafka } from '../support/private-kafka';
import { readSnapshots } from './support/env';

/**
 * The counts changelog across a Kafka outage and a worker crash, on a broker of this file alone: the ticks written
 * while Kafka was down have changelog rows only in the worker's send queue and in the workflow. The worker is
 * SIGKILLed before Kafka returns, so its queue is lost; the next worker must publish those rows, under their own
 * minutes, from what the workflow kept.
 */
const ALICE = '285532415';
const TICK_SECONDS = 2;
const idOf = (i: number): string => String(1_860_000_000_000_000_000n + BigInt(i));
/** Minute 0: three tweets. Minute 1 (released while Kafka is down): each gains retweets. */
const scenario: Scenario = {
  startTime: '2026-11-26T00:00:00.000Z',
  users: [{ id: ALICE, username: 'alice' }],
  minutes: [
    {
      minute: 0,
      tweets: [0, 1, 2].map((i) => ({ id: idOf(i), authorId: ALICE, text: `tweet ${i}`, retweetCount: 10 * (i + 1) })),
    },
    { minute: 1, retweets: { [idOf(0)]: 5, [idOf(1)]: 7, [idOf(2)]: 9 } },
  ],
};

const runId = randomUUID().slice(0, 8);
const workflowId = `changelog-outage-${runId}`;
const countsTopic = `counts-outage-${runId}`;
const snapshotDir = mkdtempSync(join(tmpdir(), 'rt-changelog-outage-'));
let broker: PrivateKafka;
let kafka: Kafka;
let emulator: RunningEmulator;
let connection: Connection;
let client: Client;
let pipeline: Pipeline;

beforeAll(async () => {
  const address = await requireTemporal();
  broker = await startPrivateKafka();
  kafka = createKafka({ brokers: broker.brokers, clientId: 'changelog-outage-test', tweetsPartitions: 1 });
  emulator = await startEmulator({ port: 0, scenario, minuteSeconds: 0 });
  // The manual clock releases minute 0.
  emulator.admin.advance(1);
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: TEST_NAMESPACE });
  const taskQueue = `changelog-outage-${runId}`;
  await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [{ tickSeconds: TICK_SECONDS }] });
  pipeline = new Pipeline({
    env: pipelineEnv(emulator, address, taskQueue, {
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_COUNTS_TOPIC: countsTopic,
      KAFKA_REPORTS_TOPIC: `reports-outage-${runId}`,
      SNAPSHOT_DIR: snapshotDir,
      REPORT_DIR: mkdtempSync(join(tmpdir(), 'rt-changelog-outage-reports-')),
    }),
    onLine: () => undefined,
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.stopAll(5_000);
  await client?.workflow
    .getHandle(workflowId)
    .terminate('test over')
    .catch(() => undefined);
  await connection?.close();
  await emulator?.close();
  await broker?.close();
});

/** X's counts now, as the minute file writes them. */
const truthLines = (): string[] =>
  rankByRetweets(emulator.admin.groundTruth().tweets.map((t) => ({ tweetId: t.id, retweets: t.retweetCount }))).map(
    formatCountLine,
  );

const fileWith = (lines: string[]) =>
  eventually(
    `a minute file with ${lines.join(' ')}`,
    async () => (await readSnapshots(snapshotDir)).find((s) => s.lines.join() === lines.join()),
    60_000,
  );

it('publishes the rows of ticks written during a Kafka outage after the worker that wrote them was SIGKILLed', async () => {
  const handle = client.workflow.getHandle(workflowId);
  pipeline.start('worker');
  await handle.signal(
    tweetsObserved,
    [0, 1, 2].map((i) => ({ id: idOf(i), authorId: ALICE })),
  );
  // Kafka up: the first file's rows (three tweets found) reach the changelog.
  const first = await fileWith(truthLines());
  const before = (await readRecords(kafka, countsTopic, 3, 60_000)).map((r) => decodeCountRecord(r.value)!);
  expect(before.map((r) => r.minuteMs)).toEqual([first.tickMs, first.tickMs, first.tickMs]);

  // Kafka down; X's counts move; the next file is written, and its rows can only wait in the worker's queue.
  await broker.kill();
  emulator.admin.advance(1);
  const during = await fileWith(truthLines());
  await eventually(
    'the workflow to hold the unconfirmed rows',
    async () => ((await handle.query(status)).changelogBacklogTicks > 0 ? true : undefined),
    30_000,
  );

  // The worker dies with its queue; Kafka returns; a new worker starts.
  await pipeline.kill('worker');
  await broker.start();
  pipeline.start('worker');

  // The outage tick's rows arrive under their own minute, with the counts its file holds.
  const records: CountRecord[] = await eventually(
    'the outage tick in the changelog',
    async () => {
      const all = (await readRecords(kafka, countsTopic, 6, 30_000).catch(() => [])).map((r) =>
        decodeCountRecord(r.value)!,
      );
      return all.some((r) => r.minuteMs === during.tickMs) ? all : undefined;
    },
    90_000,
  );
  const outage = records.filter((r) => r.minuteMs === during.tickMs);
  expect(outage.map((r) => formatCountLine({ tweetId: r.tweetId, retweets: r.count })).sort()).toEqual(
    [...during.lines].sort(),
  );
  expect(outage.map((r) => r.delta).sort()).toEqual([5, 7, 9]);
  await eventually(
    'the workflow to have nothing unconfirmed',
    async () => ((await handle.query(status)).changelogBacklogTicks === 0 ? true : undefined),
    30_000,
  );
  expect((await handle.query(status)).changelogRowsDropped).toBe(0);
});
