import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { changelogTopicConfigs } from './changelog';
import type { TopicNames } from './config';

/** The topics the product uses: tweets keyed by tweet id, and the dead-letter topic for records the bridge refuses. */
export function productTopics(names: TopicNames, tweetsPartitions: number): ITopicConfig[] {
  const topics: ITopicConfig[] = [
    { topic: names.tweets, numPartitions: tweetsPartitions, replicationFactor: 1 },
    // Dead letters are rare and read by people: one partition keeps them in arrival order.
    {
      topic: names.deadLetters,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }],
    },
    // The counts changelog (`retweet-counts`, `retweet-reports`) the worker publishes and dashboards read.
    ...changelogTopicConfigs(),
  ];
  if (names.progress) {
    // One small record per followed user, keyed by user id: compaction keeps the newest of each, forever.
    topics.push({
      topic: names.progress,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    });
  }
  return topics;
}

/** Creates whichever product topics are missing; existing topics are left as they are. Returns the names created. */
async function ensureTopics(admin: Admin, names: TopicNames, tweetsPartitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = productTopics(names, tweetsPartitions).filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return [];
  await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((t) => t.topic);
}

/** Connects an admin client just long enough to create missing product topics (the broker does not auto-create). */
export async function ensureProductTopics(
  kafka: Kafka,
  names: TopicNames,
  tweetsPartitions: number,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, names, tweetsPartitions);
  } finally {
    await admin.disconnect();
  }
}

/** The number of partitions of `topic` (the producer writes a watermark to each). */
export async function topicPartitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`topic ${topic} has no partitions`);
    return count;
  } finally {
    await admin.disconnect();
  }
}
