/**
 * The Kafka-to-Temporal bridge: consumes `tweets` in a consumer group, sends bad records to the dead-letter
 * topic, and signals valid tweets in batches to the tracking workflow (signal-with-start, so the first tweet
 * starts it). Offsets are committed only after Temporal acknowledged the signal that carried them.
 */
import type { Client } from '@temporalio/client';
import { Partitioners, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { ObservedTweet } from '../domain/observed-tweet';
import { BatchingConsumerQueue, type SubBatchWork } from '../kafka/consumer-queue';
import { DeadLetterPublisher, type DeadLetter } from '../kafka/dead-letters';
import { consoleLog, errorMessage, type Log } from '../kafka/log';
import { decodeTweetRecord } from '../kafka/tweet-record';
import { BRIDGE_CONSUMER_GROUP, DEAD_LETTER_TOPIC, TASK_QUEUE, TWEETS_TOPIC, WORKFLOW_TYPE } from '../shared/names';
import { tweetsObserved } from '../workflows/definitions';
import { DEFAULT_BATCH_LIMITS, DEFAULT_RETRY, SignalBatcher, type BatchLimits, type RetryPolicy, type SendBatch } from './signal-batcher';

export interface BridgeOptions {
  kafka: Kafka;
  temporal: Client;
  workflowId: string;
  /** Default `RetweetTracking`; tests and the benchmark signal their own workflow types. */
  workflowType?: string;
  taskQueue?: string;
  /** The workflow's arguments when the signal starts it (default `[{}]`: the workflow's defaults). */
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
}

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
  const log = options.log ?? consoleLog;
  const topic = options.topic ?? TWEETS_TOPIC;
  const groupId = options.groupId ?? BRIDGE_CONSUMER_GROUP;
  const limits: BatchLimits = { ...DEFAULT_BATCH_LIMITS, ...options.batch };
  const { temporal, workflowId } = options;
  const signalTimeoutMs = options.signalTimeoutMs ?? 5_000;
  const counters = { received: 0, deadLettered: 0 };

  // The deadline bounds an attempt, the client's own gRPC retries included; the batcher then backs off and retries.
  const send: SendBatch = async (tweets) => {
    await temporal.withDeadline(Date.now() + signalTimeoutMs, () =>
      temporal.workflow.signalWithStart(options.workflowType ?? WORKFLOW_TYPE, {
        workflowId,
        taskQueue: options.taskQueue ?? TASK_QUEUE,
        signal: tweetsObserved,
        signalArgs: [tweets],
        args: options.workflowArgs ?? [{}],
      }),
    );
  };

  // The batcher's callbacks pause and resume the queue, which is created below (they only run once it exists).
  const batcher = new SignalBatcher({
    limits,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    send,
    onUnavailable: (error) => {
      log.warn(`Temporal did not acknowledge a signal (${errorMessage(error)}): pausing consumption, nothing is committed until it does`);
      queue.pause();
    },
    onAvailable: () => queue.resume(),
    log,
  });

  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const deadLetters = new DeadLetterPublisher(producer, options.deadLetterTopic ?? DEAD_LETTER_TOPIC);

  const process = (messages: KafkaMessage[], partition: number): SubBatchWork => {
    const valid: ObservedTweet[] = [];
    const letters: DeadLetter[] = [];
    for (const message of messages) {
      counters.received++;
      const decoded = decodeTweetRecord(message.key, message.value);
      if (decoded.ok) valid.push(decoded.tweet);
      else letters.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers, reason: decoded.reason });
    }
    const signalled = batcher.add(valid);
    if (letters.length === 0) return signalled;
    const deadLettered = deadLetters.publish(letters).then(() => {
      counters.deadLettered += letters.length;
      for (const letter of letters) {
        log.warn(`Dead-lettered ${topic}[${letter.partition}]@${letter.offset} to ${deadLetters.topic}: ${letter.reason} (${counters.deadLettered} so far)`);
      }
    });
    return { done: Promise.all([signalled.done, deadLettered]).then(() => undefined), cancel: () => signalled.cancel() };
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
  log.info(`Bridge consuming ${topic} in group ${groupId}, signalling workflow ${workflowId} (batches of at most ${limits.maxTweets} tweets / ${limits.maxBytes} bytes / ${limits.flushIntervalMs} ms)`);

  const stats = (): BridgeStats => {
    const sent = batcher.stats();
    return { ...counters, delivered: sent.tweets, signals: sent.signals, failedSignalAttempts: sent.failedAttempts };
  };
  const statsIntervalMs = options.statsIntervalMs ?? 60_000;
  const progress =
    statsIntervalMs > 0
      ? setInterval(() => {
          const s = stats();
          log.info(`Bridge: ${s.delivered} tweets delivered in ${s.signals} signals, ${s.deadLettered} dead-lettered, ${s.received} records read`);
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
      log.info(`Bridge stopped: ${s.delivered} tweets delivered in ${s.signals} signals, ${s.deadLettered} dead-lettered`);
    })());

  return { stop, stats, partitions: () => queue.partitions(), crashed: queue.crashed };
}
