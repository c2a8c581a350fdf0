/**
 * The counts changelog publisher: each tick's changed counts to `retweet-counts` and each top-5 report to
 * `retweet-reports`, through one idempotent producer with `acks: -1`. A retried tick republishes the same
 * records; consumers deduplicate by (tweet, minute), so at-least-once here is exactly-once in effect.
 */
import { Partitioners, type ITopicConfig, type Kafka, type Message, type Producer } from 'kafkajs';
import { abortableSleep } from '../shared/abortable-sleep';
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
  return {
    counts: readString(env, 'KAFKA_COUNTS_TOPIC', COUNTS_TOPIC),
    reports: readString(env, 'KAFKA_REPORTS_TOPIC', REPORTS_TOPIC),
  };
}

/** Topic configs: counts spread by tweet id over 6 partitions (dashboards consume them in parallel); reports in one. */
export function changelogTopicConfigs(
  topics: ChangelogTopics = { counts: COUNTS_TOPIC, reports: REPORTS_TOPIC },
): ITopicConfig[] {
  // Not compacted: every (tweet, minute) point is history a new dashboard replays; time retention bounds it.
  const retention = { name: 'retention.ms', value: String(7 * 24 * 3600 * 1000) };
  return [
    { topic: topics.counts, numPartitions: 6, replicationFactor: 1, configEntries: [retention] },
    {
      topic: topics.reports,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'retention.ms', value: String(90 * 24 * 3600 * 1000) }],
    },
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

/**
 * Sends the changelog in order, retrying each batch with backoff until Kafka takes it: a broker outage delays the
 * changelog (the activity does not wait for it past its tick, see src/activities), it never drops rows while the
 * worker lives.
 */
class KafkaCountsChangelog implements CountsChangelog {
  private tail: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(
    private readonly producer: Producer,
    private readonly topics: ChangelogTopics,
  ) {}

  publishCounts(minuteMs: number, rows: CountChange[]): Promise<void> {
    const batches: Message[][] = [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      batches.push(rows.slice(i, i + CHUNK).map((row) => encodeCountRecord(minuteMs, row)));
    }
    return this.enqueue(batches.map((messages) => ({ topic: this.topics.counts, messages })));
  }

  publishReport(report: ReportRecord): Promise<void> {
    return this.enqueue([{ topic: this.topics.reports, messages: [encodeReportRecord(report)] }]);
  }

  async close(graceMs = 5_000): Promise<void> {
    // What Kafka has not taken within the grace is given up: the process is going away.
    await Promise.race([this.tail, abortableSleep(graceMs)]);
    this.stopping.abort();
    await this.producer.disconnect();
  }

  private enqueue(sends: Array<{ topic: string; messages: Message[] }>): Promise<void> {
    const sent = this.tail.then(async () => {
      for (const send of sends) await this.sendUntilAcked(send.topic, send.messages);
    });
    this.tail = sent.catch(() => undefined);
    return sent;
  }

  private async sendUntilAcked(topic: string, messages: Message[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.producer.send({ topic, acks: -1, messages });
        return;
      } catch (error) {
        if (this.stopping.signal.aborted) throw error;
        await abortableSleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 10)), this.stopping.signal);
      }
    }
  }
}

/** Connects an idempotent producer for the changelog, creating its topics if missing. */
export async function createCountsChangelog(
  settings: KafkaSettings,
  topics: ChangelogTopics = readChangelogTopics({}),
): Promise<CountsChangelog> {
  const kafka = createKafka(settings);
  await ensureChangelogTopics(kafka, topics);
  // Idempotence needs one request in flight per connection; it makes a producer-level retry write no duplicate.
  // The default (murmur2) partitioner: the same partition for a tweet id as Java clients would choose.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return new KafkaCountsChangelog(producer, topics);
}
