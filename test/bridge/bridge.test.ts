import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Partitioners, type Kafka } from 'kafkajs';
import { startBridge, type BridgeHandle, type BridgeOptions } from '../../src/bridge/bridge';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import { DLQ_HEADERS } from '../../src/kafka/dead-letters';
import { silentLog, type Log } from '../../src/shared/log';
import { encodeTweetRecord } from '../../src/kafka/tweet-record';
import {
  committedOffsets,
  createTopic,
  deleteTopics,
  eventually,
  produceRaw,
  produceTweets,
  readRecords,
  sampleTweet,
  testKafka,
} from '../kafka/helpers';
import { RECORDER_TYPE, startRecorder, type Recorder } from './recorder';
import { TcpProxy } from './tcp-proxy';
import { TEST_NAMESPACE } from '../support/namespace';

function capturingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}

describe('bridge: Kafka records to Temporal signals (real broker, real Temporal server and worker)', () => {
  let kafka: Kafka;
  let recorder: Recorder;
  const topics: string[] = [];
  const bridges: BridgeHandle[] = [];
  const workflows: string[] = [];
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    kafka = await testKafka();
    recorder = await startRecorder();
  });
  afterEach(async () => {
    for (const bridge of bridges.splice(0)) await bridge.stop();
    for (const close of closers.splice(0)) await close();
    for (const id of workflows.splice(0)) await recorder.terminate(id);
  });
  afterAll(async () => {
    await recorder?.close();
    await deleteTopics(kafka, topics);
  });

  /** A fresh topic, dead-letter topic, group and workflow id: tests never see each other's records. */
  async function scene(partitions: number) {
    const topic = await createTopic(kafka, 'bridge', partitions);
    const deadLetterTopic = await createTopic(kafka, 'bridge-dlq', 1);
    topics.push(topic, deadLetterTopic);
    const workflowId = `bridge-test-${randomUUID()}`;
    workflows.push(workflowId);
    const groupId = `bridge-test-${randomUUID()}`;
    const base: BridgeOptions = {
      kafka,
      temporal: recorder.client,
      workflowId,
      workflowType: RECORDER_TYPE,
      taskQueue: recorder.taskQueue,
      topic,
      deadLetterTopic,
      groupId,
      statsIntervalMs: 0,
      retry: { initialMs: 100, maxMs: 1000 },
      log: silentLog,
    };
    const start = async (overrides: Partial<BridgeOptions> = {}): Promise<BridgeHandle> => {
      const bridge = await startBridge({ ...base, ...overrides });
      bridges.push(bridge);
      return bridge;
    };
    /** The received batches once they hold `count` tweets. */
    const received = (count: number, timeoutMs = 30_000): Promise<ObservedTweet[][]> =>
      eventually(
        `${count} tweets signalled`,
        async () => {
          const batches = await recorder.batches(workflowId);
          return batches.flat().length >= count ? batches : undefined;
        },
        timeoutMs,
      );
    const committed = () => committedOffsets(kafka, groupId, topic);
    const committedTotal = async () => Object.values(await committed()).reduce((sum, o) => sum + Math.max(0, o), 0);
    return { topic, deadLetterTopic, workflowId, groupId, start, received, committed, committedTotal };
  }

  async function stopBridge(bridge: BridgeHandle): Promise<void> {
    bridges.splice(bridges.indexOf(bridge), 1);
    await bridge.stop();
  }

  it('signals every tweet once, in order, in batches of at most maxTweets, and commits after the acks', async () => {
    const s = await scene(1);
    const tweets = Array.from({ length: 25 }, () => sampleTweet());
    await produceTweets(kafka, s.topic, tweets);
    const bridge = await s.start({ batch: { maxTweets: 10, flushIntervalMs: 200 } });

    const batches = await s.received(25);
    expect(batches.flat()).toEqual(tweets);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    await eventually('offset 25 committed', async () => ((await s.committed())[0] === 25 ? true : undefined));
    expect(bridge.stats()).toMatchObject({ received: 25, delivered: 25, signals: batches.length, deadLettered: 0 });
  });

  it('keeps every signal within maxBytes', async () => {
    const s = await scene(1);
    const tweets = Array.from({ length: 12 }, () => sampleTweet());
    const maxBytes = Buffer.byteLength(JSON.stringify(tweets.slice(0, 3)));
    await produceTweets(kafka, s.topic, tweets);
    await s.start({ batch: { maxTweets: 1000, maxBytes, flushIntervalMs: 200 } });

    const batches = await s.received(12);
    expect(batches.flat()).toEqual(tweets);
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(maxBytes);
    expect(batches.length).toBeGreaterThanOrEqual(4);
  });

  it('at a trickle, groups records of several partitions into few signals (flush interval), not one per record', async () => {
    const s = await scene(3);
    await s.start({ batch: { maxTweets: 1000, flushIntervalMs: 1000 } });
    const tweets = Array.from({ length: 6 }, () => sampleTweet());
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const started = Date.now();
    for (const tweet of tweets) {
      await producer.send({ topic: s.topic, acks: -1, messages: [encodeTweetRecord(tweet)] });
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    const elapsedMs = Date.now() - started;
    await producer.disconnect();
    const batches = await s.received(6);
    expect(new Set(batches.flat().map((t) => t.id))).toEqual(new Set(tweets.map((t) => t.id)));
    // One signal per flush interval the records were spread over (plus one for the window they started in).
    expect(batches.length).toBeLessThanOrEqual(1 + Math.ceil(elapsedMs / 1000));
    expect(batches.length).toBeLessThan(tweets.length);
  });

  it('sends malformed records to the dead-letter topic with the reason, counts them, and goes on with the valid ones', async () => {
    const s = await scene(1);
    const [first, last] = [sampleTweet(), sampleTweet()];
    const oneMegabyte = Buffer.alloc(1024 * 1024, 'x');
    await produceTweets(kafka, s.topic, [first]);
    await produceRaw(kafka, s.topic, [
      { key: 'a', value: 'this is not JSON' },
      { key: 'b', value: JSON.stringify({ v: 1, authorId: '42', authorUsername: 'someone' }) },
      { key: 'c', value: JSON.stringify({ v: 1, id: 1234567890, authorId: ['42'] }) },
      { key: 'd', value: oneMegabyte },
    ]);
    await produceTweets(kafka, s.topic, [last]);
    const bridge = await s.start({ batch: { flushIntervalMs: 200 } });

    const batches = await s.received(2);
    expect(batches.flat()).toEqual([first, last]);
    const letters = await readRecords(kafka, s.deadLetterTopic, 4);
    expect(letters.map((l) => [l.key, l.headers[DLQ_HEADERS.offset], l.headers[DLQ_HEADERS.reason]])).toEqual([
      ['a', '1', 'value is not JSON'],
      ['b', '2', 'id must be a decimal tweet id string'],
      ['c', '3', 'id must be a decimal tweet id string'],
      ['d', '4', `value too large: ${oneMegabyte.length} bytes (limit 16384)`],
    ]);
    expect(
      letters.every((l) => l.headers[DLQ_HEADERS.topic] === s.topic && l.headers[DLQ_HEADERS.partition] === '0'),
    ).toBe(true);
    expect(letters[0].value?.toString()).toBe('this is not JSON');
    expect(letters[3].value?.equals(oneMegabyte)).toBe(true);
    await eventually('offset 6 committed', async () => ((await s.committed())[0] === 6 ? true : undefined));
    expect(bridge.stats()).toMatchObject({ received: 6, delivered: 2, deadLettered: 4 });
  });

  it('commits nothing while Temporal does not acknowledge; a bridge stopped before the ack leaves the records to the next one', async () => {
    const s = await scene(2);
    const dead = new TcpProxy(recorder.address);
    await dead.up();
    const port = dead.port;
    await dead.down();
    // A lazy connection to a port where nothing listens: every signal attempt fails.
    const unreachable = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}` }) });
    closers.push(() => unreachable.connection.close());
    const tweets = Array.from({ length: 5 }, () => sampleTweet());
    await produceTweets(kafka, s.topic, tweets);

    const first = await s.start({ temporal: unreachable, signalTimeoutMs: 1000 });
    await eventually('records read and signal attempts failed', () => {
      const stats = first.stats();
      return stats.received >= 5 && stats.failedSignalAttempts >= 2 ? stats : undefined;
    });
    expect(await s.committedTotal()).toBe(0);
    expect(first.stats().delivered).toBe(0);
    await stopBridge(first);
    expect(await s.committedTotal()).toBe(0);

    const second = await s.start();
    const batches = await s.received(5);
    expect(
      batches
        .flat()
        .map((t) => t.id)
        .sort(),
    ).toEqual(tweets.map((t) => t.id).sort());
    await eventually('all offsets committed', async () => ((await s.committedTotal()) === 5 ? true : undefined));
    expect(second.stats().delivered).toBe(5);
  });

  it('pauses and retries while Temporal is unreachable, committing nothing, then delivers when it is back', async () => {
    const s = await scene(1);
    const proxy = new TcpProxy(recorder.address);
    await proxy.up();
    closers.push(() => proxy.down());
    const connection = await Connection.connect({ address: proxy.address });
    closers.push(() => connection.close());
    const viaProxy = new Client({ connection, namespace: TEST_NAMESPACE });
    const bridge = await s.start({ temporal: viaProxy, signalTimeoutMs: 1000, batch: { flushIntervalMs: 200 } });

    const before = Array.from({ length: 3 }, () => sampleTweet());
    await produceTweets(kafka, s.topic, before);
    await s.received(3);
    await eventually('offset 3 committed', async () => ((await s.committed())[0] === 3 ? true : undefined));

    await proxy.down();
    const during = Array.from({ length: 4 }, () => sampleTweet());
    await produceTweets(kafka, s.topic, during);
    await eventually('failed signal attempts', () => (bridge.stats().failedSignalAttempts >= 3 ? true : undefined));
    expect((await s.committed())[0]).toBe(3);
    expect(bridge.stats().delivered).toBe(3);

    await proxy.up();
    const batches = await s.received(7, 60_000);
    expect(batches.flat()).toEqual([...before, ...during]);
    await eventually('offset 7 committed', async () => ((await s.committed())[0] === 7 ? true : undefined));
  });

  it('never starts a fresh run over a stopped workflow: pauses, commits nothing, then delivers it all once a run is open', async () => {
    const s = await scene(1);
    const log = capturingLog();
    const bridge = await s.start({ batch: { flushIntervalMs: 200 }, retry: { initialMs: 100, maxMs: 1000 }, log });
    const before = [sampleTweet(), sampleTweet()];
    await produceTweets(kafka, s.topic, before);
    await s.received(2);
    await eventually('offset 2 committed', async () => ((await s.committed())[0] === 2 ? true : undefined));
    const handle = recorder.client.workflow.getHandle(s.workflowId);
    const stoppedRun = (await handle.describe()).runId;
    await handle.cancel();
    await eventually('the run cancelled', async () =>
      (await handle.describe()).status.name === 'CANCELLED' ? true : undefined,
    );

    const during = Array.from({ length: 3 }, () => sampleTweet());
    await produceTweets(kafka, s.topic, during);
    await eventually('several refused deliveries', () => (bridge.stats().failedSignalAttempts >= 3 ? true : undefined));
    const described = await handle.describe();
    expect(described.runId).toBe(stoppedRun);
    expect(described.status.name).toBe('CANCELLED');
    expect((await s.committed())[0]).toBe(2);
    expect(bridge.stats()).toMatchObject({ delivered: 2, paused: 'workflow-closed' });
    expect(log.lines.filter((l) => l.includes('npm run tracking -- start'))).toHaveLength(1);

    // What `npm run tracking -- start` does: a new run under the same id.
    await recorder.client.workflow.start(RECORDER_TYPE, { workflowId: s.workflowId, taskQueue: recorder.taskQueue });
    const batches = await s.received(3, 60_000);
    expect(batches.flat().map((t) => t.id)).toEqual(during.map((t) => t.id));
    await eventually('offset 5 committed', async () => ((await s.committed())[0] === 5 ? true : undefined));
    expect(bridge.stats()).toMatchObject({ delivered: 5, paused: null });
  });

  it('a dead-letter topic that refuses holds only that partition, with backoff (no hot loop), and resumes losing nothing', async () => {
    const s = await scene(1);
    // A dead-letter topic that does not exist yet (the broker does not auto-create topics).
    const missing = `test.bridge-dlq-missing.${randomUUID()}`;
    const [first, last] = [sampleTweet(), sampleTweet()];
    await produceTweets(kafka, s.topic, [first]);
    await produceRaw(kafka, s.topic, [{ key: 'bad', value: 'not JSON' }]);
    await produceTweets(kafka, s.topic, [last]);
    const log = capturingLog();
    const bridge = await s.start({
      deadLetterTopic: missing,
      deadLetterRetry: { initialMs: 200, maxMs: 1000 },
      batch: { flushIntervalMs: 200 },
      log,
    });

    await eventually('the records read', () => (bridge.stats().received >= 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const held = bridge.stats();
    // Backoff, not a hot loop: the three records read once (no refetch storm), a few attempts in 5 s.
    expect(held.received).toBe(3);
    expect(held.deadLetterBlockedPartitions).toEqual([0]);
    expect(held.deadLetterFailures).toBeGreaterThanOrEqual(2);
    expect(held.deadLetterFailures).toBeLessThanOrEqual(15);
    expect(held.deadLettered).toBe(0);
    expect((await s.committed())[0]).toBeLessThanOrEqual(1);
    expect(log.lines.filter((l) => l.includes(`holding partition 0 from offset 1`))).toHaveLength(1);

    topics.push(missing);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: missing, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const letters = await readRecords(kafka, missing, 1, 60_000);
    expect(letters.map((l) => [l.key, l.headers[DLQ_HEADERS.offset], l.headers[DLQ_HEADERS.reason]])).toEqual([
      ['bad', '1', 'value is not JSON'],
    ]);
    const batches = await s.received(2);
    expect(
      batches
        .flat()
        .map((t) => t.id)
        .sort(),
    ).toEqual([first.id, last.id].sort());
    await eventually('offset 3 committed', async () => ((await s.committed())[0] === 3 ? true : undefined), 60_000);
    expect(bridge.stats()).toMatchObject({ deadLettered: 1, deadLetterBlockedPartitions: [] });
  });

  it('dead-letters a tweet whose id has 20 digits (X ids have at most 19), naming the field', async () => {
    const s = await scene(1);
    const good = sampleTweet();
    const twentyDigits = sampleTweet({ id: '12345678901234567890' });
    await produceTweets(kafka, s.topic, [twentyDigits, good]);
    await s.start({ batch: { flushIntervalMs: 200 } });
    const batches = await s.received(1);
    expect(batches.flat()).toEqual([good]);
    const [letter] = await readRecords(kafka, s.deadLetterTopic, 1);
    expect(letter.key).toBe('12345678901234567890');
    expect(letter.headers[DLQ_HEADERS.reason]).toMatch(/^id /);
  });

  it('several instances in one group share the partitions and together deliver every tweet', async () => {
    const s = await scene(4);
    const a = await s.start({ batch: { flushIntervalMs: 200 } });
    const b = await s.start({ batch: { flushIntervalMs: 200 } });
    await eventually('both instances own partitions', () => {
      const owned = [...a.partitions(), ...b.partitions()].sort();
      return a.partitions().length > 0 && b.partitions().length > 0 && owned.join() === '0,1,2,3' ? true : undefined;
    });
    const tweets = Array.from({ length: 40 }, () => sampleTweet());
    await produceTweets(kafka, s.topic, tweets);

    const batches = await s.received(40);
    const ids = batches.flat().map((t) => t.id);
    expect(ids.sort()).toEqual(tweets.map((t) => t.id).sort());
    expect(a.stats().delivered).toBeGreaterThan(0);
    expect(b.stats().delivered).toBeGreaterThan(0);
    expect(a.stats().delivered + b.stats().delivered).toBe(40);
  });
});
