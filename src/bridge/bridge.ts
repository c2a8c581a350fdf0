/**
 * The Kafka-to-Temporal bridge: consumes `tweets` in a consumer group, sends bad records to the dead-letter
 * topic, and signals valid tweets in batches to the tracking workflow (signal-with-start, so the first tweet
 * starts it, but never over a closed run). Offsets are committed only after Temporal acknowledged the signal that
 * carried them, and after the dead letters among them were written.
 */
import type { Client } from '@temporalio/client';
import { Partitioners, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { ObservedTweet } from '../domain/observed-tweet';
import { BatchingConsumerQueue, type SubBatchWork } from '../kafka/consumer-queue';
import { DeadLetterPublisher, type DeadLetter } from '../kafka/dead-letters';
import { createLog, errorMessage, type Log } from '../shared/log';
import { decodeTweetRecord } from '../kafka/tweet-record';
import { BRIDGE_CONSUMER_GROUP, DEAD_LETTER_TOPIC, TASK_QUEUE, TWEETS_TOPIC, WORKFLOW_TYPE } from '../shared/names';
import { watermarksAdvanced } from '../workflows/definitions';
import { abortableSleep, backoffMs } from './backoff';
import {
  ClosedError,
  DEFAULT_BATCH_LIMITS,
  DEFAULT_RETRY,
  SignalBatcher,
  type BatchLimits,
  type RetryPolicy,
} from './signal-batcher';
import { WatermarkForwarder } from './watermark-forwarder';
import { RESUME_COMMAND, WorkflowClosedError, workflowDelivery } from './workflow-delivery';

export interface BridgeOptions {
  kafka: Kafka;
  temporal: Client;
  workflowId: string;
  /** Default `RetweetTracking`; tests and the benchmark signal their own workflow types. */
  workflowType?: string;
  taskQueue?: string;
  /** The workflow's arguments when the signal starts the very first run (default `[{}]`: the workflow's defaults). */
  workflowArgs?: unknown[];
  topic?: string;
  deadLetterTopic?: string;
  groupId?: string;
  /** Where a new group starts; default true, so tweets published before the first bridge ran are not missed. */
  fromBeginning?: boolean;
  batch?: Partial<BatchLimits>;
  retry?: Partial<RetryPolicy>;
  /** Deadline of one signal attempt (default 5 s); a failed attempt is retried with backoff. A stop waits for it. */
  signalTimeoutMs?: number;
  /** On stop, how long deliveries in progress may still finish and be committed (default 5 s). */
  shutdownGraceMs?: number;
  /** Backoff while the dead-letter topic refuses letters (default 500 ms doubling to 30 s). */
  deadLetterRetry?: Partial<RetryPolicy>;
  /** Watermarks are forwarded when the lowest crosses a multiple of this (default 1,000 ms). */
  watermarkStepMs?: number;
  /** A progress line this often (default 60 s; 0 = never). */
  statsIntervalMs?: number;
  log?: Log;
}

export interface BridgeStats {
  /** Records read from Kafka (redeliveries included). */
  received: number;
  /** Tweets in signals Temporal acknowledged. */
  delivered: number;
  signals: number;
  deadLettered: number;
  failedSignalAttempts: number;
  /** Why consumption is paused, or null while it flows. */
  paused: PauseReason | null;
  /** Partitions held because their dead letters cannot be written (missing or forbidden dead-letter topic). */
  deadLetterBlockedPartitions: number[];
  /** Failed attempts to write dead letters. */
  deadLetterFailures: number;
}

/** `temporal-unavailable`: signals fail; `workflow-closed`: the workflow was stopped and no new run is open. */
export type PauseReason = 'temporal-unavailable' | 'workflow-closed';

export interface BridgeHandle {
  /** Finishes what is in flight (briefly), stops the consumer, disconnects. Idempotent. */
  stop(): Promise<void>;
  stats(): BridgeStats;
  /** The partitions of the topic this instance owns now. */
  partitions(): number[];
  /** Resolves if the Kafka consumer crashed for good: the process should exit non-zero and be restarted. */
  crashed: Promise<Error>;
}

/** Starts a bridge instance in this process; several instances (processes) share the partitions of one group. */
export async function startBridge(options: BridgeOptions): Promise<BridgeHandle> {
  const log = options.log ?? createLog('bridge');
  const topic = options.topic ?? TWEETS_TOPIC;
  const groupId = options.groupId ?? BRIDGE_CONSUMER_GROUP;
  const limits: BatchLimits = { ...DEFAULT_BATCH_LIMITS, ...options.batch };
  const { temporal, workflowId } = options;
  const signalTimeoutMs = options.signalTimeoutMs ?? 5_000;
  const counters = { received: 0, deadLettered: 0 };

  const send = workflowDelivery({
    temporal,
    workflowId,
    workflowType: options.workflowType ?? WORKFLOW_TYPE,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowArgs: options.workflowArgs ?? [{}],
    timeoutMs: signalTimeoutMs,
  });

  let paused: PauseReason | null = null;
  /** Records why deliveries fail; a change of reason is logged once, with what to do about it. */
  const notePause = (error: unknown): void => {
    const reason: PauseReason = error instanceof WorkflowClosedError ? 'workflow-closed' : 'temporal-unavailable';
    if (reason === paused) return;
    paused = reason;
    if (reason === 'workflow-closed') {
      log.error(
        `Workflow ${workflowId} is closed (stopped, terminated or failed): the bridge will not start a new, empty run over it. ` +
          `Consumption paused, nothing committed; retrying every few seconds. Resume with: ${RESUME_COMMAND}`,
        { workflowId },
      );
    } else {
      log.warn(
        `Temporal did not acknowledge a signal (${errorMessage(error)}): pausing consumption, nothing is committed until it does`,
        { workflowId },
      );
    }
  };

  // The batcher's callbacks pause and resume the queue, which is created below (they only run once it exists).
  const batcher = new SignalBatcher({
    limits,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    send,
    onUnavailable: () => queue.pause(),
    onAttemptFailed: notePause,
    onAvailable: () => {
      if (paused === 'workflow-closed')
        log.info(`Workflow ${workflowId} has an open run again: consumption resumed`, { workflowId });
      paused = null;
      queue.resume();
    },
    log,
  });

  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Few retries per attempt: a missing or forbidden dead-letter topic then fails fast into our own backoff,
    // which holds only the partition concerned and never gives up.
    retry: { initialRetryTime: 300, retries: 3 },
  });
  await producer.connect();
  const deadLetters = new DeadLetterPublisher(producer, options.deadLetterTopic ?? DEAD_LETTER_TOPIC);

  const watermarks = new WatermarkForwarder({
    stepMs: options.watermarkStepMs ?? 1_000,
    // Plain signal, never a start: a watermark alone must not open a run.
    send: (report) =>
      temporal.withDeadline(Date.now() + signalTimeoutMs, () =>
        temporal.workflow.getHandle(workflowId).signal(watermarksAdvanced, report),
      ),
    owned: () => queue.partitions(),
    log,
  });

  const process = (messages: KafkaMessage[], partition: number): SubBatchWork => {
    const valid: ObservedTweet[] = [];
    const letters: DeadLetter[] = [];
    let mark: { watermarkMs: number; partitions: number } | undefined;
    for (const message of messages) {
      counters.received++;
      const decoded = decodeTweetRecord(message.key, message.value);
      if (decoded.ok && decoded.watermark) mark = decoded.watermark;
      else if (decoded.ok) valid.push(decoded.tweet);
      else
        letters.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers,
          reason: decoded.reason,
        });
    }
    const signalled = batcher.add(valid);
    // The sub-batch's last mark covers every tweet before it in the partition: forwarded once they are delivered.
    if (mark) watermarks.after(signalled.done, partition, mark.partitions, mark.watermarkMs);
    if (letters.length === 0) return signalled;
    const abort = new AbortController();
    const deadLettered = writeDeadLetters(letters, partition, abort.signal);
    return {
      done: Promise.all([signalled.done, deadLettered]).then(() => undefined),
      cancel: () => {
        abort.abort();
        signalled.cancel();
      },
    };
  };

  const dlqRetry: RetryPolicy = { initialMs: 500, maxMs: 30_000, ...options.deadLetterRetry };
  const blocked = new Set<number>();
  const dlqCounters = { failures: 0 };
  /**
   * Writes a sub-batch's dead letters, retrying with backoff until the topic takes them: while it refuses, the
   * partition is held (its offsets wait, so nothing is skipped) and the others flow. Rejects only when cancelled.
   */
  const writeDeadLetters = async (letters: DeadLetter[], partition: number, signal: AbortSignal): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await deadLetters.publish(letters);
        break;
      } catch (error) {
        if (signal.aborted) {
          blocked.delete(partition);
          throw new ClosedError();
        }
        dlqCounters.failures++;
        if (!blocked.has(partition)) {
          blocked.add(partition);
          log.error(
            `Cannot write dead letters of ${topic}[${partition}] to ${deadLetters.topic} (${errorMessage(error)}): ` +
              `holding partition ${partition} from offset ${letters[0].offset} (nothing after it is committed), retrying with backoff`,
            { topic, partition, offset: letters[0].offset },
          );
        }
        await abortableSleep(backoffMs(dlqRetry, attempt), signal);
        if (signal.aborted) {
          // Abandoned (stop or rebalance): the records are redelivered to whoever owns the partition next.
          blocked.delete(partition);
          throw new ClosedError();
        }
      }
    }
    if (blocked.delete(partition))
      log.info(`${deadLetters.topic} accepts dead letters again: ${topic}[${partition}] resumes`, { topic, partition });
    counters.deadLettered += letters.length;
    for (const letter of letters) {
      log.warn(
        `Dead-lettered ${topic}[${letter.partition}]@${letter.offset} to ${deadLetters.topic}: ${letter.reason} (${counters.deadLettered} so far)`,
        {
          topic,
          partition: letter.partition,
          offset: letter.offset,
        },
      );
    }
  };

  const queue = new BatchingConsumerQueue({
    kafka: options.kafka,
    groupId,
    topic,
    fromBeginning: options.fromBeginning ?? true,
    // A sub-batch is the unit of commit: one signal's worth, but never tiny (one-tweet signals still commit per 100).
    subBatchSize: Math.max(limits.maxTweets, 100),
    partitionsConsumedConcurrently: 6,
    consumerConfig: {
      // The broker holds a fetch until a batch's worth of bytes or the flush interval: at a trickle this is what
      // keeps signals to a few per second instead of one per record.
      minBytes: limits.maxBytes,
      maxWaitTimeInMs: limits.flushIntervalMs,
      maxBytesPerPartition: 4 * 1024 * 1024,
      // A crashed bridge's partitions go to the survivors (or its restart) only once its session expires: 10 s
      // keeps that delay short while riding out GC pauses; heartbeats every 3 s leave two to miss.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
    },
    process,
    activity: batcher,
    log,
  });
  try {
    await queue.start();
  } catch (error) {
    await batcher.close();
    await queue.stop().catch(() => undefined);
    await producer.disconnect();
    throw error;
  }
  log.info(
    `Bridge consuming ${topic} in group ${groupId}, signalling workflow ${workflowId} (batches of at most ${limits.maxTweets} tweets / ${limits.maxBytes} bytes / ${limits.flushIntervalMs} ms)`,
    {
      topic,
      groupId,
      workflowId,
    },
  );

  const stats = (): BridgeStats => {
    const sent = batcher.stats();
    return {
      ...counters,
      delivered: sent.tweets,
      signals: sent.signals,
      failedSignalAttempts: sent.failedAttempts,
      paused,
      deadLetterBlockedPartitions: [...blocked].sort((a, b) => a - b),
      deadLetterFailures: dlqCounters.failures,
    };
  };
  const statsIntervalMs = options.statsIntervalMs ?? 60_000;
  const progress =
    statsIntervalMs > 0
      ? setInterval(() => {
          const s = stats();
          const held =
            s.deadLetterBlockedPartitions.length > 0
              ? `, partitions ${s.deadLetterBlockedPartitions.join(',')} held (dead-letter topic refusing)`
              : '';
          log.info(
            `Bridge: ${s.delivered} tweets delivered in ${s.signals} signals, ${s.deadLettered} dead-lettered, ${s.received} records read` +
              `${s.paused ? `, PAUSED (${s.paused})` : ''}${held}`,
            {
              workflowId,
              delivered: s.delivered,
              signals: s.signals,
              deadLettered: s.deadLettered,
              received: s.received,
              paused: s.paused,
            },
          );
        }, statsIntervalMs)
      : undefined;
  progress?.unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(progress);
      queue.drain();
      await batcher.drain(options.shutdownGraceMs ?? 5_000);
      await queue.stop();
      await batcher.close();
      await producer.disconnect();
      const s = stats();
      log.info(
        `Bridge stopped: ${s.delivered} tweets delivered in ${s.signals} signals, ${s.deadLettered} dead-lettered`,
        { workflowId },
      );
    })());

  return { stop, stats, partitions: () => queue.partitions(), crashed: queue.crashed };
}
