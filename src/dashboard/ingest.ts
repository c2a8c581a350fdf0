/**
 * Materialises the changelog into the store with two consumer groups of this instance (counts and reports).
 * Offsets are resolved only after the store committed the rows (src/kafka/consumer-queue.ts), so a crash
 * redelivers exactly what may be missing, and the store's dedupe makes the redelivery harmless.
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeCountRecord, decodeReportRecord, type CountRecord, type ReportRecord } from '../kafka/changelog-record';
import type { ChangelogTopics } from '../kafka/changelog';
import { BatchingConsumerQueue, type SubBatchWork } from '../kafka/consumer-queue';
import type { Log } from '../shared/log';
import type { DashboardStore, IngestResult } from './store';

export interface ChangelogIngestOptions {
  kafka: Kafka;
  groupId: string;
  topics: ChangelogTopics;
  store: DashboardStore;
  onCounts(result: IngestResult): void;
  onReport(report: ReportRecord): void;
  log: Log;
}

/**
 * A 10 s session (kafkajs: 30 s): a dashboard that died without leaving the group holds its partitions only that
 * long before a restarted or another instance takes them over; the queue heartbeats every second while it works.
 */
const CONSUMER_CONFIG = { maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1000 };

export interface IngestStats {
  records: number;
  inserted: number;
  malformed: number;
  reports: number;
}

/** Both consumers; `crashed` resolves if either gives up (the process should exit and be restarted). */
export class ChangelogIngest {
  private readonly counts: BatchingConsumerQueue;
  private readonly reports: BatchingConsumerQueue;
  readonly crashed: Promise<Error>;
  readonly stats: IngestStats = { records: 0, inserted: 0, malformed: 0, reports: 0 };

  constructor(private readonly options: ChangelogIngestOptions) {
    const { kafka, groupId, topics, log } = options;
    // A new instance starts from the oldest retained record: it rebuilds the whole history the topic still has.
    this.counts = new BatchingConsumerQueue({
      kafka,
      groupId,
      topic: topics.counts,
      fromBeginning: true,
      subBatchSize: 10_000,
      pipelineDepth: 2,
      // Partitions decode and fetch side by side while the store (one writer) ingests the previous sub-batch.
      partitionsConsumedConcurrently: 3,
      consumerConfig: { ...CONSUMER_CONFIG, maxBytesPerPartition: 4 * 1024 * 1024 },
      process: (messages) => this.settled(this.ingestCounts(messages)),
      log,
    });
    this.reports = new BatchingConsumerQueue({
      kafka,
      groupId: `${groupId}-reports`,
      topic: topics.reports,
      fromBeginning: true,
      subBatchSize: 100,
      consumerConfig: CONSUMER_CONFIG,
      process: (messages) => this.settled(this.ingestReports(messages)),
      log,
    });
    this.crashed = Promise.race([this.counts.crashed, this.reports.crashed]);
  }

  async start(): Promise<void> {
    await Promise.all([this.counts.start(), this.reports.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.counts.stop(), this.reports.stop()]);
  }

  /** A store write cannot be withdrawn once sent; it is idempotent, so an abandoned one is simply redone later. */
  private settled(done: Promise<void>): SubBatchWork {
    return { done, cancel: () => undefined };
  }

  private async ingestCounts(messages: KafkaMessage[]): Promise<void> {
    const records: CountRecord[] = [];
    for (const m of messages) {
      const record = decodeCountRecord(m.value);
      if (record) records.push(record);
      else this.stats.malformed++;
    }
    const result = await this.options.store.ingestCounts(records);
    this.stats.records += records.length;
    this.stats.inserted += result.inserted;
    this.options.onCounts(result);
  }

  private async ingestReports(messages: KafkaMessage[]): Promise<void> {
    for (const m of messages) {
      const report = decodeReportRecord(m.value);
      if (!report) {
        this.stats.malformed++;
        continue;
      }
      await this.options.store.ingestReport(report);
      this.stats.reports++;
      this.options.onReport(report);
    }
  }
}
