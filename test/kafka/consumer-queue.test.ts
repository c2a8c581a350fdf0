import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { BatchingConsumerQueue, type SubBatchWork } from '../../src/kafka/consumer-queue';
import { silentLog } from '../../src/shared/log';
import { committedOffsets, createTopic, deleteTopics, eventually, produceRaw, testKafka } from './helpers';

/** A sub-batch handed to the processor, finished (or failed) when the test says so. */
interface Call {
  values: string[];
  finish(): void;
  fail(): void;
  cancelled: boolean;
}

function recordingQueue(
  kafka: Kafka,
  topic: string,
  groupId: string,
  calls: Call[],
  options: { autoFinish?: boolean; sessionTimeout?: number } = {},
) {
  return new BatchingConsumerQueue({
    kafka,
    groupId,
    topic,
    fromBeginning: true,
    subBatchSize: 2,
    consumerConfig: { maxWaitTimeInMs: 100, sessionTimeout: options.sessionTimeout ?? 10_000, heartbeatInterval: 1000 },
    log: silentLog,
    process: (messages: KafkaMessage[]): SubBatchWork => {
      let finish!: () => void;
      let fail!: () => void;
      const done = new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = () => reject(new Error('failed by the test'));
      });
      const call: Call = { values: messages.map((m) => m.value?.toString() ?? ''), finish, fail, cancelled: false };
      calls.push(call);
      if (options.autoFinish) finish();
      return { done, cancel: () => (call.cancelled = true) };
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BatchingConsumerQueue (real broker)', () => {
  let kafka: Kafka;
  const topics: string[] = [];
  const queues: BatchingConsumerQueue[] = [];

  beforeAll(async () => {
    kafka = await testKafka();
  });
  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.stop();
  });
  afterAll(() => deleteTopics(kafka, topics));

  async function topicWith(values: string[]): Promise<string> {
    const topic = await createTopic(kafka, 'queue', 1);
    topics.push(topic);
    await produceRaw(
      kafka,
      topic,
      values.map((value) => ({ key: null, value })),
    );
    return topic;
  }

  it('commits an offset only once the work of every record up to it is done, in order', async () => {
    const topic = await topicWith(['a', 'b', 'c', 'd', 'e', 'f']);
    const group = `queue-${randomUUID()}`;
    const calls: Call[] = [];
    const queue = recordingQueue(kafka, topic, group, calls);
    queues.push(queue);
    await queue.start();

    await eventually('three sub-batches in progress', () => (calls.length === 3 ? true : undefined));
    expect(calls.map((c) => c.values)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    // The second finishing first must not move the offset past the unfinished first.
    calls[1].finish();
    await sleep(1500);
    expect(await committedOffsets(kafka, group, topic)).toEqual({ 0: -1 });

    calls[0].finish();
    await eventually('offset 4 committed', async () =>
      (await committedOffsets(kafka, group, topic))[0] === 4 ? true : undefined,
    );
    calls[2].finish();
    await eventually('offset 6 committed', async () =>
      (await committedOffsets(kafka, group, topic))[0] === 6 ? true : undefined,
    );
  });

  it('abandons unfinished work on stop (cancelling it) and the next member of the group gets those records again', async () => {
    const topic = await topicWith(['a', 'b', 'c', 'd', 'e']);
    const group = `queue-${randomUUID()}`;
    const first: Call[] = [];
    const queue = recordingQueue(kafka, topic, group, first);
    await queue.start();
    await eventually('sub-batches in progress', () => (first.length === 3 ? true : undefined));
    first[0].finish();
    await eventually('offset 2 committed', async () =>
      (await committedOffsets(kafka, group, topic))[0] === 2 ? true : undefined,
    );
    await queue.stop();
    expect(first.map((c) => c.cancelled)).toEqual([false, true, true]);
    expect(await committedOffsets(kafka, group, topic)).toEqual({ 0: 2 });

    const second: Call[] = [];
    const next = recordingQueue(kafka, topic, group, second, { autoFinish: true });
    queues.push(next);
    await next.start();
    await eventually('offset 5 committed', async () =>
      (await committedOffsets(kafka, group, topic))[0] === 5 ? true : undefined,
    );
    expect(second.flatMap((c) => c.values)).toEqual(['c', 'd', 'e']);
  });

  it('failed work is not committed and is delivered again', async () => {
    const topic = await topicWith(['a', 'b']);
    const group = `queue-${randomUUID()}`;
    const calls: Call[] = [];
    const queue = recordingQueue(kafka, topic, group, calls);
    queues.push(queue);
    await queue.start();
    await eventually('first attempt', () => (calls.length === 1 ? true : undefined));
    calls[0].fail();
    await eventually('second attempt', () => (calls.length === 2 ? true : undefined));
    expect(calls[1].values).toEqual(['a', 'b']);
    expect(await committedOffsets(kafka, group, topic)).toEqual({ 0: -1 });
    calls[1].finish();
    await eventually('offset 2 committed', async () =>
      (await committedOffsets(kafka, group, topic))[0] === 2 ? true : undefined,
    );
  });

  it('pause stops fetching new records until resume', async () => {
    const topic = await topicWith(['a', 'b']);
    const calls: Call[] = [];
    const queue = recordingQueue(kafka, topic, `queue-${randomUUID()}`, calls, { autoFinish: true });
    queues.push(queue);
    await queue.start();
    await eventually('first records', () => (calls.length === 1 ? true : undefined));
    queue.pause();
    await produceRaw(kafka, topic, [{ value: 'c' }, { value: 'd' }]);
    await sleep(1500);
    expect(calls.flatMap((c) => c.values)).toEqual(['a', 'b']);
    queue.resume();
    await eventually('records after resume', () => (calls.flatMap((c) => c.values).length === 4 ? true : undefined));
    expect(calls.flatMap((c) => c.values)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps its partition while waiting longer than the session timeout (it heartbeats), then commits', async () => {
    const topic = await topicWith(['a', 'b']);
    const group = `queue-${randomUUID()}`;
    const calls: Call[] = [];
    const queue = recordingQueue(kafka, topic, group, calls, { sessionTimeout: 6000 });
    queues.push(queue);
    await queue.start();
    await eventually('first records', () => (calls.length === 1 ? true : undefined));
    await sleep(9000);
    calls[0].finish();
    await eventually('offset 2 committed', async () =>
      (await committedOffsets(kafka, group, topic))[0] === 2 ? true : undefined,
    );
    // No session expiry, so no rebalance and no redelivery.
    expect(calls).toHaveLength(1);
    expect(queue.partitions()).toEqual([0]);
  });
});
