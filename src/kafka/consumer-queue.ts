/**
 * A kafkajs consumer-group queue in the shape of kafkajs's docs (`eachBatch`, manual resolution) and PostHog's
 * plugin-server `kafka-queue.ts`: an offset is resolved only once the side effect of its record is done, so a
 * crash or a rebalance redelivers exactly the records whose effect may be missing (at-least-once).
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { errorMessage, type Log } from '../shared/log';

/** The side effects started for one sub-batch of a partition's messages. */
export interface SubBatchWork {
  /** Resolves when every message's side effect is done; rejects when it never will be (the queue then gives up). */
  done: Promise<void>;
  /** Withdraws whatever has not started: the sub-batch is abandoned and Kafka will deliver it again. */
  cancel(): void;
}

/** Told when partition handlers start, finish, and block waiting on work they cannot drive themselves. */
export interface PartitionActivity {
  enter(): void;
  exit(): void;
  waiting(delta: 1 | -1): void;
}

export interface BatchingConsumerQueueOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** Where a group with no committed offset starts: true = the oldest record, so nothing before it is missed. */
  fromBeginning: boolean;
  /** Messages per sub-batch: the unit of resolution, commit and heartbeat. */
  subBatchSize: number;
  /** Sub-batches of one partition in progress at once (later ones are started while earlier ones finish). */
  pipelineDepth?: number;
  partitionsConsumedConcurrently?: number;
  consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
  process(messages: KafkaMessage[], partition: number): SubBatchWork;
  activity?: PartitionActivity;
  log: Log;
}

/** How often a handler that is waiting on its work heartbeats and checks for shutdown or a rebalance. */
const WAIT_POLL_MS = 1000;

type Outcome = 'done' | 'failed' | 'abandoned';

/** One consumer in a group, processing partitions in sub-batches and committing only finished work. */
export class BatchingConsumerQueue {
  private readonly consumer: Consumer;
  private draining = false;
  private stopped = false;
  private readonly stopRequested: Promise<void>;
  private requestStop!: () => void;
  private assignment: number[] = [];
  /** Resolves if the consumer crashed and kafkajs will not restart it: the process should exit and be restarted. */
  readonly crashed: Promise<Error>;

  constructor(private readonly options: BatchingConsumerQueueOptions) {
    this.consumer = options.kafka.consumer({
      ...options.consumerConfig,
      groupId: options.groupId,
      // kafkajs restarts a crashed consumer (broker down) after a delay; once stopped, it must not come back.
      retry: { ...options.consumerConfig?.retry, restartOnFailure: () => Promise.resolve(!this.stopped) },
    });
    this.stopRequested = new Promise((resolve) => (this.requestStop = resolve));
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assignment = [...(payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b);
    });
    this.crashed = new Promise((resolve) => {
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
        options.log.error(
          `Kafka consumer crashed${payload.restart ? ', restarting' : ''}: ${errorMessage(payload.error)}`,
          {
            topic: options.topic,
            groupId: options.groupId,
          },
        );
        if (!payload.restart) resolve(payload.error);
      });
    });
  }

  /** Joins the group and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { topic, fromBeginning, partitionsConsumedConcurrently } = this.options;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topic], fromBeginning });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      // Only resolved offsets are ever committed; a threshold of 1 commits after every finished sub-batch, so a
      // crash redelivers as little as possible (a commit costs one round trip per sub-batch of up to 1,000 records).
      autoCommit: true,
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stops fetching new records (the work in progress goes on). */
  pause(): void {
    this.consumer.pause([{ topic: this.options.topic }]);
  }

  resume(): void {
    this.consumer.resume([{ topic: this.options.topic }]);
  }

  /** The partitions this member was assigned at its last join. */
  partitions(): number[] {
    return [...this.assignment];
  }

  /** Starts no new sub-batch; the ones in progress still finish and are committed. */
  drain(): void {
    this.draining = true;
  }

  /** Abandons unfinished work (it will be redelivered), stops the consumer (leaving the group), then disconnects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.draining = true;
    this.requestStop();
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { subBatchSize, pipelineDepth = 4, activity } = this.options;
    const inFlight: Array<{ work: SubBatchWork; lastOffset: string }> = [];
    activity?.enter();
    try {
      for (let start = 0; start < batch.messages.length; start += subBatchSize) {
        if (this.draining || !payload.isRunning() || payload.isStale()) break;
        const messages = batch.messages.slice(start, start + subBatchSize);
        inFlight.push({
          work: this.options.process(messages, batch.partition),
          lastOffset: messages[messages.length - 1].offset,
        });
        while (inFlight.length >= pipelineDepth) if (!(await this.settleOldest(inFlight, payload))) return;
      }
      while (inFlight.length > 0) if (!(await this.settleOldest(inFlight, payload))) return;
    } finally {
      // Anything still here was abandoned: withdraw it; its offsets stay unresolved, so Kafka redelivers it.
      for (const { work } of inFlight) {
        work.cancel();
        work.done.catch(() => undefined);
      }
      activity?.exit();
    }
  }

  /** Waits for the oldest sub-batch, then resolves and commits its offset; false when it was abandoned. */
  private async settleOldest(
    inFlight: Array<{ work: SubBatchWork; lastOffset: string }>,
    payload: EachBatchPayload,
  ): Promise<boolean> {
    const oldest = inFlight[0];
    const outcome = await this.waitFor(oldest.work.done, payload);
    if (outcome !== 'done') return false;
    inFlight.shift();
    payload.resolveOffset(oldest.lastOffset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
    return true;
  }

  /** Waits for work, heartbeating so a long wait (Temporal down) keeps the partition instead of triggering a rebalance. */
  private async waitFor(done: Promise<void>, payload: EachBatchPayload): Promise<Outcome> {
    const settled = done.then(
      () => 'done' as const,
      () => 'failed' as const,
    );
    this.options.activity?.waiting(1);
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), WAIT_POLL_MS)));
        const outcome = await Promise.race([settled, tick, this.stopRequested.then(() => undefined)]);
        clearTimeout(timer);
        if (outcome) return outcome;
        if (this.stopped || !payload.isRunning() || payload.isStale()) return 'abandoned';
        await payload.heartbeat();
      }
    } finally {
      this.options.activity?.waiting(-1);
    }
  }
}
