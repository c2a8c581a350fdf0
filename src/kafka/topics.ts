import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { DEAD_LETTER_TOPIC, TWEETS_TOPIC } from '../shared/names';

/** The topics the product uses: tweets keyed by tweet id, and the dead-letter topic for records the bridge refuses. */
export function productTopics(tweetsPartitions: number): ITopicConfig[] {
  return [
    { topic: TWEETS_TOPIC, numPartitions: tweetsPartitions, replicationFactor: 1 },
    // Dead letters are rare and read by people: one partition keeps them in arrival order.
    { topic: DEAD_LETTER_TOPIC, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }] },
  ];
}

/** Creates whichever product topics are missing; existing topics are left as they are. Returns the names created. */
export async function ensureTopics(admin: Admin, tweetsPartitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = productTopics(tweetsPartitions).filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return [];
  await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((t) => t.topic);
}

/** Connects an admin client just long enough to create missing product topics (the broker does not auto-create). */
export async function ensureProductTopics(kafka: Kafka, tweetsPartitions: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, tweetsPartitions);
  } finally {
    await admin.disconnect();
  }
}
