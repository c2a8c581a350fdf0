/**
 * Tracking status for the page, polled every few seconds: the workflow's `status` query through a Temporal
 * client, and from Kafka the bridge's consumer lag on `tweets` and the dead letters retained. Whatever cannot be
 * read is reported as an error beside the rest; the dashboard keeps serving its store.
 */
import type { Client } from '@temporalio/client';
import type { Admin, Kafka } from 'kafkajs';
import { errorMessage, type Log } from '../shared/log';
import { connectClient } from '../temporal/connection';
import { status as statusQuery, type TrackingStatus } from '../workflows/definitions';
import type { DashboardConfig } from './config';

/** The workflow's status with the fields the lead is adding (X budget), all optional: shown when present. */
export type WorkflowStatus = Partial<TrackingStatus> & {
  xRequestsToday?: number;
  billedPostReadsToday?: number;
  estimatedCostUsdToday?: number;
};

export interface DashboardStatus {
  polledAtMs: number;
  workflowId: string;
  workflowUrl: string;
  workflow?: WorkflowStatus;
  workflowError?: string;
  /** Records of `tweets` the bridge has not committed yet. */
  bridgeLag?: number;
  /** Records retained in the dead-letter topic. */
  deadLetters?: number;
  kafkaError?: string;
}

type PollerConfig = Pick<
  DashboardConfig,
  'temporal' | 'workflowId' | 'temporalUiUrl' | 'statusPollMs' | 'bridgeGroupId' | 'productTopics'
>;

export class StatusPoller {
  private client: Client | undefined;
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private latest: DashboardStatus;
  private stopped = false;

  constructor(
    private readonly config: PollerConfig,
    private readonly kafka: Kafka,
    private readonly onStatus: (status: DashboardStatus) => void,
    private readonly log: Log,
  ) {
    this.latest = { polledAtMs: 0, workflowId: config.workflowId, workflowUrl: this.workflowUrl() };
  }

  /** The last status polled. */
  current(): DashboardStatus {
    return this.latest;
  }

  start(): void {
    const tick = async () => {
      await this.poll();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.config.statusPollMs);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
    await this.client?.connection.close().catch(() => undefined);
  }

  private workflowUrl(): string {
    const { temporalUiUrl, temporal, workflowId } = this.config;
    return `${temporalUiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  }

  private async poll(): Promise<void> {
    const next: DashboardStatus = {
      polledAtMs: Date.now(),
      workflowId: this.config.workflowId,
      workflowUrl: this.workflowUrl(),
    };
    await Promise.all([this.pollWorkflow(next), this.pollKafka(next)]);
    if (this.stopped) return;
    this.latest = next;
    this.onStatus(next);
  }

  private async pollWorkflow(into: DashboardStatus): Promise<void> {
    try {
      this.client ??= await connectClient(this.config.temporal);
      into.workflow = await this.client.workflow.getHandle(this.config.workflowId).query(statusQuery);
    } catch (error) {
      into.workflowError = errorMessage(error);
    }
  }

  private async pollKafka(into: DashboardStatus): Promise<void> {
    const { tweets, deadLetters } = this.config.productTopics;
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      const [ends, committed, dlq] = await Promise.all([
        this.admin.fetchTopicOffsets(tweets),
        this.admin.fetchOffsets({ groupId: this.config.bridgeGroupId, topics: [tweets] }),
        this.admin.fetchTopicOffsets(deadLetters),
      ]);
      const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      // A partition with no commit (-1) has everything since the oldest retained record still to do.
      into.bridgeLag = ends.reduce(
        (sum, p) => sum + Number(p.high) - Math.max(done.get(p.partition) ?? -1, Number(p.low)),
        0,
      );
      into.deadLetters = dlq.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } catch (error) {
      into.kafkaError = errorMessage(error);
      // Once per distinct problem, not every few seconds.
      if (into.kafkaError !== this.latest.kafkaError) this.log.warn(`dashboard status: Kafka: ${into.kafkaError}`);
    }
  }
}
