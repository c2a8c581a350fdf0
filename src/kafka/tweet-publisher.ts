import type { Producer } from 'kafkajs';
import type { ObservedTweet } from '../domain/observed-tweet';
import { silentLog, errorMessage, type Log } from '../shared/log';
import { encodeTweetRecord, encodeWatermarkRecord, type StreamWatermark } from './tweet-record';

/** A tweet, or a watermark for every partition (which must follow the tweets queued before it). */
type Pending = { resolve(): void; reject(error: unknown): void } & (
  { tweet: ObservedTweet; mark?: undefined } | { mark: StreamWatermark; tweet?: undefined }
);

export interface TweetPublisherOptions {
  /** Records per produce request at most. */
  maxBatch?: number;
  /** Records waiting for a request before `waitForRoom` holds the caller back. */
  maxQueued?: number;
  /** Backoff between attempts while Kafka refuses (default 500 ms doubling to 30 s; never gives up). */
  retry?: { initialMs: number; maxMs: number };
  /** While Kafka refuses, a reminder this often at most (default 60 s): bounded log volume in a long outage. */
  outageLogIntervalMs?: number;
  /** Called with each batch the broker acknowledged, in publication order. */
  onAcked?: (tweets: readonly ObservedTweet[]) => void;
  log?: Log;
}

/** A publish the publisher gave up on because it was closed (never because Kafka refused: it retries). */
export class PublisherClosedError extends Error {
  constructor() {
    super('the publisher was closed before the broker acknowledged the record');
    this.name = 'PublisherClosedError';
  }
}

/**
 * Publishes tweet records through one (idempotent) producer: records that arrive while a request is in flight
 * go out together in the next one, so a stream of single tweets costs one request per round trip, not per tweet.
 * A request Kafka refuses (broker down, no leader) is retried with backoff forever: a broker outage holds the
 * records back (and, through `waitForRoom`, the caller), it never drops them or ends the process.
 */
export class TweetPublisher {
  private queue: Pending[] = [];
  private sending: Promise<void> | undefined;
  private roomWaiters: Array<() => void> = [];
  private acceptWaiters: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly log: Log;
  private acked = 0;
  private failingSinceMs: number | undefined;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly options: TweetPublisherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.retry = options.retry ?? { initialMs: 500, maxMs: 30_000 };
    this.log = options.log ?? silentLog;
  }

  /** Queues a tweet; resolves when the broker acknowledged it from all in-sync replicas (`acks: -1`). */
  publish(tweet: ObservedTweet): Promise<void> {
    if (this.closed) return Promise.reject(new PublisherClosedError());
    const done = new Promise<void>((resolve, reject) => this.queue.push({ tweet, resolve, reject }));
    this.sending ??= this.sendAll();
    return done;
  }

  /**
   * Queues the stream's watermark for every partition, behind every tweet queued so far (so it never overtakes the
   * tweets it covers). A mark still waiting at the end of the queue is moved forward instead of queued again.
   */
  publishWatermark(mark: StreamWatermark): void {
    if (this.closed) return;
    const last = this.queue.at(-1);
    if (last?.mark) {
      last.mark = mark;
      return;
    }
    this.queue.push({ mark, resolve: () => undefined, reject: () => undefined });
    this.sending ??= this.sendAll();
  }

  /** True when a record can be queued without exceeding `maxQueued`. */
  hasRoom(): boolean {
    return this.queue.length < this.maxQueued;
  }

  /** Resolves when there is room for more records (backpressure), or when closed. */
  async waitForRoom(): Promise<void> {
    while (!this.closed && !this.hasRoom()) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** True from a refused request until the next acknowledged one. */
  isFailing(): boolean {
    return this.failingSinceMs !== undefined;
  }

  /** Resolves once Kafka acknowledges requests again (at once if it does), or when closed. */
  async waitUntilAccepting(): Promise<void> {
    while (!this.closed && this.isFailing()) await new Promise<void>((resolve) => this.acceptWaiters.push(resolve));
  }

  /** Records queued or in flight, not yet acknowledged. */
  unacknowledged(): number {
    return this.queue.length + (this.inFlight ?? 0);
  }

  /** Resolves once every record published so far was acknowledged; false if `timeoutMs` passed first. */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.sending) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const expired = await Promise.race([
        this.sending.then(() => false),
        Number.isFinite(left)
          ? new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), left)))
          : new Promise<boolean>(() => undefined),
      ]);
      clearTimeout(timer);
      if (expired) return false;
    }
    return true;
  }

  /**
   * Stops retrying: every record not yet acknowledged is rejected with `PublisherClosedError`. Waits at most
   * `graceMs` for a request in flight (against a broker that is down it could take kafkajs's whole retry budget).
   */
  async close(graceMs = 2_000): Promise<void> {
    this.closed = true;
    this.abort.abort();
    for (const wake of [...this.roomWaiters.splice(0), ...this.acceptWaiters.splice(0)]) wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sending, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /** Records acknowledged so far. */
  acknowledged(): number {
    return this.acked;
  }

  private inFlight: number | undefined;

  private async sendAll(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.inFlight = batch.length;
        for (const wake of this.roomWaiters.splice(0)) wake();
        if (await this.sendUntilAcked(batch)) {
          const tweets = batch.flatMap((p) => (p.tweet ? [p.tweet] : []));
          this.acked += tweets.length;
          this.options.onAcked?.(tweets);
          for (const pending of batch) pending.resolve();
        } else {
          for (const pending of [...batch, ...this.queue.splice(0)]) pending.reject(new PublisherClosedError());
        }
        this.inFlight = undefined;
      }
    } finally {
      this.sending = undefined;
    }
  }

  /** One batch until the broker acknowledges it; false only when closed first. */
  private async sendUntilAcked(batch: Pending[]): Promise<boolean> {
    const messages = batch.flatMap((p) =>
      p.tweet
        ? [encodeTweetRecord(p.tweet)]
        : Array.from({ length: p.mark.partitions }, (_, partition) => encodeWatermarkRecord(p.mark, partition)),
    );
    let lastLogMs = 0;
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.producer.send({ topic: this.topic, acks: -1, messages });
        if (this.failingSinceMs !== undefined) {
          this.log.info(
            `Kafka accepts records again after ${Math.round((Date.now() - this.failingSinceMs) / 1000)} s; ${this.unacknowledged()} record(s) waiting`,
            { topic: this.topic },
          );
          this.failingSinceMs = undefined;
          for (const wake of this.acceptWaiters.splice(0)) wake();
        }
        return true;
      } catch (error) {
        if (this.closed) return false;
        const nowMs = Date.now();
        this.failingSinceMs ??= nowMs;
        if (nowMs - lastLogMs >= (this.options.outageLogIntervalMs ?? 60_000)) {
          lastLogMs = nowMs;
          this.log.warn(
            `Kafka refuses records for ${Math.round((nowMs - this.failingSinceMs) / 1000)} s (${errorMessage(error)}): ` +
              `${this.unacknowledged()} record(s) held in memory, retrying with backoff; reading pauses when ${this.maxQueued} are waiting`,
            { topic: this.topic },
          );
        }
        const delayMs =
          Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** Math.min(attempt, 30)) * (0.8 + 0.4 * Math.random());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
    return false;
  }
}
