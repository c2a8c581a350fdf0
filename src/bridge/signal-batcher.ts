/**
 * Groups tweets from all partition handlers into signal batches bounded by count, bytes and a flush interval,
 * and delivers them one signal at a time, retrying with backoff while Temporal is unreachable. A caller's
 * ticket settles only when every tweet it added was acknowledged, which is what lets it resolve the offsets.
 */
import { abortableSleep } from '../shared/abortable-sleep';
import type { ObservedTweet } from '../domain/observed-tweet';
import type { PartitionActivity, SubBatchWork } from '../kafka/consumer-queue';
import { errorMessage, type Log } from '../shared/log';

export interface BatchLimits {
  /** Tweets per signal at most. */
  maxTweets: number;
  /** Bytes of the JSON array per signal at most (Temporal warns at 256 KB per payload and fails at 2 MB). */
  maxBytes: number;
  /** A batch that is not full is sent at the latest this long after its first tweet. */
  flushIntervalMs: number;
}

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxTweets: 1000, maxBytes: 128 * 1024, flushIntervalMs: 500 };
// A refused delivery (Temporal down, the workflow closed) is retried every few seconds at most.
export const DEFAULT_RETRY: RetryPolicy = { initialMs: 200, maxMs: 5_000 };

/**
 * Delivers one batch; resolves when Temporal acknowledged it. It must settle on its own (a deadline): it is never
 * cancelled, because the Temporal client's gRPC retry timers outlive a cancelled call and would then hit a closed
 * connection ("Channel has been shut down") after shutdown.
 */
export type SendBatch = (tweets: ObservedTweet[]) => Promise<void>;

export interface SignalBatcherOptions {
  limits: BatchLimits;
  retry: RetryPolicy;
  send: SendBatch;
  /** The first failed attempt of a delivery: the caller pauses consumption. */
  onUnavailable(error: unknown): void;
  /** Every failed attempt (the first included), so the caller can tell why it is still paused. */
  onAttemptFailed?(error: unknown): void;
  /** A delivery succeeded after failures: the caller resumes consumption. */
  onAvailable(): void;
  log: Log;
}

export interface BatcherStats {
  signals: number;
  tweets: number;
  failedAttempts: number;
}

interface Ticket {
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(error: Error): void;
}

interface Entry {
  tweet: ObservedTweet;
  bytes: number;
  ticket: Ticket;
}

interface Batch {
  entries: Entry[];
  bytes: number;
}

/** Bytes of `[a,b,c]` for entries of the given sizes. */
const arrayBytes = (count: number, itemBytes: number): number => 2 + itemBytes + Math.max(0, count - 1);

export class ClosedError extends Error {
  constructor() {
    super('the bridge is stopping');
    this.name = 'ClosedError';
  }
}

/** The accumulator and the single sender; also the partition handlers' activity sink, to flush when all wait. */
export class SignalBatcher implements PartitionActivity {
  private open: Batch = { entries: [], bytes: 0 };
  private readonly queue: Batch[] = [];
  private sending: Batch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleCheck: NodeJS.Immediate | undefined;
  private activeHandlers = 0;
  private waitingHandlers = 0;
  private unavailable = false;
  private closed = false;
  private readonly abort = new AbortController();
  private idle: Promise<void> = Promise.resolve();
  private readonly counters: BatcherStats = { signals: 0, tweets: 0, failedAttempts: 0 };

  constructor(private readonly options: SignalBatcherOptions) {}

  stats(): BatcherStats {
    return { ...this.counters };
  }

  /** Adds tweets; the returned work settles when all of them were acknowledged in some signal. */
  add(tweets: readonly ObservedTweet[]): SubBatchWork {
    let ticket!: Ticket;
    const done = new Promise<void>((resolve, reject) => {
      ticket = { remaining: tweets.length, settled: false, resolve, reject };
    });
    if (this.closed) {
      ticket.settled = true;
      ticket.reject(new ClosedError());
      return { done, cancel: () => undefined };
    }
    if (tweets.length === 0) {
      ticket.settled = true;
      ticket.resolve();
    }
    const { maxTweets, maxBytes } = this.options.limits;
    for (const tweet of tweets) {
      const bytes = Buffer.byteLength(JSON.stringify(tweet));
      const { entries, bytes: openBytes } = this.open;
      if (
        entries.length > 0 &&
        (entries.length + 1 > maxTweets || arrayBytes(entries.length + 1, openBytes + bytes) > maxBytes)
      ) {
        this.closeOpen();
      }
      this.open.entries.push({ tweet, bytes, ticket });
      this.open.bytes += bytes;
      if (this.open.entries.length === 1)
        this.timer = setTimeout(() => this.closeOpen(), this.options.limits.flushIntervalMs);
      if (this.open.entries.length >= maxTweets) this.closeOpen();
    }
    return { done, cancel: () => this.withdraw(ticket) };
  }

  enter(): void {
    this.activeHandlers++;
  }

  exit(): void {
    this.activeHandlers--;
    this.flushIfAllWaiting();
  }

  waiting(delta: 1 | -1): void {
    this.waitingHandlers += delta;
    if (delta === 1) this.flushIfAllWaiting();
  }

  /** Sends the open batch now and waits (at most `graceMs`) until everything queued was delivered or fails. */
  async drain(graceMs: number): Promise<void> {
    this.closeOpen();
    // Temporal is down: waiting would only delay the shutdown; the records are redelivered on the next start.
    if (this.unavailable) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /** Refuses new tweets, fails every waiting ticket, and waits for the attempt in progress to settle (no retry). */
  async close(): Promise<void> {
    if (this.closed) return await this.idle;
    this.closed = true;
    clearTimeout(this.timer);
    if (this.idleCheck) clearImmediate(this.idleCheck);
    this.abort.abort(new ClosedError());
    for (const batch of [this.open, ...this.queue]) for (const entry of batch.entries) this.fail(entry.ticket);
    this.open = { entries: [], bytes: 0 };
    this.queue.length = 0;
    await this.idle;
  }

  private flushIfAllWaiting(): void {
    if (this.idleCheck || !this.allWaiting()) return;
    // kafkajs starts the handlers of one fetch one after another through promise callbacks: look again once those
    // have run, so the other partitions of the fetch can still join the batch.
    this.idleCheck = setImmediate(() => {
      this.idleCheck = undefined;
      // Every handler is blocked on acknowledgements: no tweet can join the open batch until it is sent.
      if (this.allWaiting()) this.closeOpen();
    });
  }

  private allWaiting(): boolean {
    return this.open.entries.length > 0 && this.waitingHandlers >= this.activeHandlers;
  }

  private closeOpen(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.entries.length === 0) return;
    this.queue.push(this.open);
    this.open = { entries: [], bytes: 0 };
    if (!this.sending) this.idle = this.sendAll();
  }

  private async sendAll(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const batch = this.queue[0];
      this.sending = batch;
      const delivered = await this.deliver(batch);
      this.sending = undefined;
      if (!delivered) return;
      this.queue.shift();
      this.counters.signals++;
      this.counters.tweets += batch.entries.length;
      for (const { ticket } of batch.entries) {
        if (!ticket.settled && --ticket.remaining === 0) {
          ticket.settled = true;
          ticket.resolve();
        }
      }
    }
  }

  /** One batch until acknowledged, with exponential backoff and jitter; false only when closed. */
  private async deliver(batch: Batch): Promise<boolean> {
    const { initialMs, maxMs } = this.options.retry;
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.options.send(batch.entries.map((e) => e.tweet));
        if (this.unavailable) {
          this.unavailable = false;
          this.options.log.info(`Temporal accepted signals again after ${attempt} failed attempt(s)`);
          this.options.onAvailable();
        }
        return true;
      } catch (error) {
        if (this.closed) return false;
        this.counters.failedAttempts++;
        const delayMs = Math.min(maxMs, initialMs * 2 ** attempt) * (0.8 + 0.4 * Math.random());
        if (!this.unavailable) {
          this.unavailable = true;
          this.options.onUnavailable(error);
        }
        this.options.onAttemptFailed?.(error);
        // A long outage retries for hours: log the first attempts, then one in ten, not a line every few seconds.
        if (attempt < 3 || attempt % 10 === 0)
          this.options.log.warn(
            `Signal of ${batch.entries.length} tweet(s) failed (attempt ${attempt + 1}), retrying in ${Math.round(delayMs)} ms: ${errorMessage(error)}`,
            {
              attempt: attempt + 1,
              tweets: batch.entries.length,
            },
          );
        await this.sleep(delayMs);
      }
    }
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.abort.signal);
  }

  /** Takes a ticket's tweets out of the batches not yet being sent; the ticket never settles. */
  private withdraw(ticket: Ticket): void {
    if (ticket.settled) return;
    ticket.settled = true;
    for (const batch of [this.open, ...this.queue.filter((b) => b !== this.sending)]) {
      const kept = batch.entries.filter((e) => e.ticket !== ticket);
      if (kept.length === batch.entries.length) continue;
      batch.entries = kept;
      batch.bytes = kept.reduce((sum, e) => sum + e.bytes, 0);
    }
    for (let i = this.queue.length - 1; i >= 0; i--)
      if (this.queue[i].entries.length === 0 && this.queue[i] !== this.sending) this.queue.splice(i, 1);
    if (this.open.entries.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private fail(ticket: Ticket): void {
    if (ticket.settled) return;
    ticket.settled = true;
    ticket.reject(new ClosedError());
  }
}
