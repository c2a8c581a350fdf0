import type { Admin } from 'kafkajs';

/**
 * Records of `topic` the group has not committed yet, per partition: the end offset minus the committed one. A
 * partition with no commit (-1) has everything since the oldest retained record still to do.
 */
export async function consumerLag(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return new Map(ends.map((p) => [p.partition, Number(p.high) - Math.max(done.get(p.partition) ?? -1, Number(p.low))]));
}
