/**
 * The producer's progress on Kafka: a compacted topic keyed by followed user id whose value is the newest tweet id
 * of that user the producer published (`{"sinceId":"..."}`). Chosen over reading the tail of `tweets`: a user who
 * has not posted for weeks would need a scan of weeks of records, while this topic holds one small record per
 * user, forever, and is read whole in one fetch at start.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';

interface ProgressValue {
  sinceId: string;
  atMs: number;
}

/** Reads every user's mark (the newest record per key wins); an empty map for a new or empty topic. */
export async function loadProgress(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<Map<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const marks = new Map<string, string>();
  if (ends.size === 0) return marks;
  // A throwaway group that commits nothing: only a way to read the topic from its beginning.
  const consumer = kafka.consumer({ groupId: `progress-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const user = message.key?.toString('utf8');
            if (user && message.value) {
              try {
                const value = JSON.parse(message.value.toString('utf8')) as Partial<ProgressValue>;
                if (typeof value.sinceId === 'string') marks.set(user, value.sinceId);
              } catch {
                // A foreign or corrupt record: the mark stays at the previous one (a wider catch-up, never a gap).
              }
            }
            if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) ends.delete(partition);
            if (ends.size === 0) {
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
  return marks;
}

/** Writes marks (acks from all in-sync replicas) through the producer that published the tweets. */
export async function saveProgress(
  producer: Producer,
  topic: string,
  marks: ReadonlyMap<string, string>,
): Promise<void> {
  if (marks.size === 0) return;
  const atMs = Date.now();
  await producer.send({
    topic,
    acks: -1,
    messages: [...marks].map(([user, sinceId]) => ({
      key: user,
      value: JSON.stringify({ sinceId, atMs } satisfies ProgressValue),
    })),
  });
}
