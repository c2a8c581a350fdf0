import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { createKafka } from '../../src/kafka/client';
import { requireKafka } from '../support/services';

/** Proves the real broker works with kafkajs the way the bridge uses it: groups, manual commits, resumption. */
describe('Kafka broker (real, KRaft) with kafkajs', () => {
  let kafka: Kafka;
  const group = `smoke-${randomUUID()}`;
  const runId = randomUUID();
  // A topic of its own: raw smoke records in `tweets` would be dead-lettered by the next bridge to start.
  const topic = `smoke-tweets-${runId}`;

  beforeAll(async () => {
    kafka = createKafka({ brokers: await requireKafka(), clientId: 'smoke-test', tweetsPartitions: 6 });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  /** Consumes from the smoke topic in `group` until `count` of this run's records arrived; commits after each one. */
  async function consumeOwn(count: number): Promise<string[]> {
    const consumer: Consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const value = message.value?.toString() ?? '';
            if (value.startsWith(runId)) seen.push(value.slice(runId.length + 1));
            await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
            if (seen.length === count) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return seen;
  }

  it('produces, consumes in a group with commits, and a second consumer resumes after the committed offset', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // One key, so every record lands on one partition and order is defined.
    const send = (n: number) =>
      producer.send({ topic: topic, acks: -1, messages: [{ key: `smoke-${runId}`, value: `${runId}:${n}` }] });

    for (const n of [1, 2, 3]) await send(n);
    expect(await consumeOwn(3)).toEqual(['1', '2', '3']);

    for (const n of [4, 5]) await send(n);
    await producer.disconnect();
    // A new consumer in the same group starts from the committed offset: it never sees 1..3 again.
    expect(await consumeOwn(2)).toEqual(['4', '5']);

    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    await admin.disconnect();
    const committed = offsets[0].partitions.filter((p) => p.offset !== '-1');
    expect(committed.length).toBeGreaterThan(0);
  });
});
