/** Kafka helpers shared by the kafka, bridge and producer tests: private topics, reading them back, offsets. */
import { randomUUID } from 'node:crypto';
import { Partitioners, type IHeaders, type Kafka } from 'kafkajs';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import { createKafka } from '../../src/kafka/client';
import { encodeTweetRecord } from '../../src/kafka/tweet-record';
import { requireKafka } from '../support/services';

/** A client for the real broker (fails the test file naming KAFKA_BROKERS when it is down). */
export async function testKafka(): Promise<Kafka> {
  return createKafka({ brokers: await requireKafka(), clientId: 'retweet-tracker-test', tweetsPartitions: 6 });
}

/** A topic of this test alone. */
export async function createTopic(
  kafka: Kafka,
  prefix: string,
  numPartitions: number,
  config: Record<string, string> = {},
): Promise<string> {
  const topic = `test.${prefix}.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions,
          replicationFactor: 1,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  return out;
}

/** Reads the first `count` records of a topic with a throwaway group; fails after `timeoutMs`. */
export async function readRecords(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length} of ${count} records from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: ({ partition, message }) => {
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value,
              headers: headerStrings(message.headers),
            });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Committed offset per partition of a group (-1: nothing committed). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Record<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(offsets.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** The end offset (next offset to be written) per partition. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Record<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Writes raw records (as any producer could: malformed ones included). */
export async function produceRaw(
  kafka: Kafka,
  topic: string,
  messages: Array<{ key?: string | null; value: string | Buffer | null; partition?: number }>,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Writes tweets in the product's record format. */
export async function produceTweets(
  kafka: Kafka,
  topic: string,
  tweets: ObservedTweet[],
  partition?: number,
): Promise<void> {
  await produceRaw(
    kafka,
    topic,
    tweets.map((t) => ({ ...encodeTweetRecord(t), partition })),
  );
}

let sequence = 0;
/** A valid, distinct tweet: a retweet of an original by a followed user, as the stream delivers most of them. */
export function sampleTweet(overrides: Partial<ObservedTweet> = {}): ObservedTweet {
  sequence++;
  const id = String(1_800_000_000_000_000_000n + BigInt(Date.now()) * 1000n + BigInt(sequence));
  return {
    id,
    authorId: String(1000 + (sequence % 97)),
    authorUsername: `fan_${sequence % 97}`,
    createdAt: new Date().toISOString(),
    retweetedOf: { id: '1790000000000000001', authorId: '285532415', authorUsername: 'followed_one' },
    ...overrides,
  };
}

/** Polls `probe` until it returns a value that is not undefined; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
