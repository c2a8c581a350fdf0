/**
 * The counts changelog publisher: each tick's changed counts to `retweet-counts` and each top-5 report to
 * `retweet-reports`, through one idempotent producer with `acks: -1`. A retried tick republishes the same
 * records; consumers deduplicate by (tweet, minute), so at-least-once here is exactly-once in effect.
 */
import { Partitioners, type ITopicConfig, type Kafka, type Producer } from 'kafkajs';
import { readString, type Env } from '../config/env';
import { createKafka } from './client';
import type { KafkaSettings } from './config';
import { encodeCountRecord, encodeReportRecord, type CountChange, type ReportRecord } from './changelog-record';

export type { CountChange, CountRecord, ReportRecord } from './changelog-record';

export const COUNTS_TOPIC = 'retweet-counts';
export const REPORTS_TOPIC = 'retweet-reports';

/** The changelog's topic names; overridable so tests and benchmarks use their own. */
export interface ChangelogTopics {
  counts: string;
  reports: string;
}

/** Reads KAFKA_COUNTS_TOPIC and KAFKA_REPORTS_TOPIC (default `retweet-counts` and `retweet-reports`). */
export function readChangelogTopics(env: Env): ChangelogTopics {
  return { counts: readString(env, 'KAFKA_COUNTS_TOPIC', COUNTS_TOPIC), reports: readString(env, 'KAFKA_REPORTS_TOPIC', REPORTS_TOPIC) };
}

/** Topic configs: counts spread by tweet id over 6 partitions (dashboards consume them in parallel); reports in one. */
export function changelogTopicConfigs(topics: ChangelogTopics = { counts: COUNTS_TOPIC, reports: REPORTS_TOPIC }): ITopicConfig[] {
  // Not compacted: every (tweet, minute) point is history a new dashboard replays; time retention bounds it.
  const retention = { name: 'retention.ms', value: String(7 * 24 * 3600 * 1000) };
  return [
    { topic: topics.counts, numPartitions: 6, replicationFactor: 1, configEntries: [retention] },
    { topic: topics.reports, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: String(90 * 24 * 3600 * 1000) }] },
  ];
}

/** Creates the changelog topics that are missing (the broker does not auto-create). */
export async function ensureChangelogTopics(kafka: Kafka, topics: ChangelogTopics): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = changelogTopicConfigs(topics).filter((t) => !existing.has(t.topic));
    if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Publishes tick results to the changelog; every method resolves once all in-sync replicas have the records. */
export interface CountsChangelog {
  publishCounts(minuteMs: number, rows: CountChange[]): Promise<void>;
  publishReport(report: ReportRecord): Promise<void>;
  close(): Promise<void>;
}

/** Records per produce request: keeps a 20,000-tweet tick well under the broker's 1 MiB request limit. */
const CHUNK = 2000;

class KafkaCountsChangelog implements CountsChangelog {
  constructor(
    private readonly producer: Producer,
    private readonly topics: ChangelogTopics,
  ) {}

  async publishCounts(minuteMs: number, rows: CountChange[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const messages = rows.slice(i, i + CHUNK).map((row) => encodeCountRecord(minuteMs, row));
      await this.producer.send({ topic: this.topics.counts, acks: -1, messages });
    }
  }

  async publishReport(report: ReportRecord): Promise<void> {
    await this.producer.send({ topic: this.topics.reports, acks: -1, messages: [encodeReportRecord(report)] });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** Connects an idempotent producer for the changelog, creating its topics if missing. */
export async function createCountsChangelog(settings: KafkaSettings, topics: ChangelogTopics = readChangelogTopics({})): Promise<CountsChangelog> {
  const kafka = createKafka(settings);
  await ensureChangelogTopics(kafka, topics);
  // Idempotence needs one request in flight per connection; it makes a producer-level retry write no duplicate.
  // The default (murmur2) partitioner: the same partition for a tweet id as Java clients would choose.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return new KafkaCountsChangelog(producer, topics);
}
