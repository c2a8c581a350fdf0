import type { Message, Producer } from 'kafkajs';
import type { ObservedTweet } from '../domain/observed-tweet';
import { encodeTweetRecord } from './tweet-record';

interface Pending {
  message: Message;
  resolve(): void;
  reject(error: unknown): void;
}

export interface TweetPublisherOptions {
  /** Records per produce request at most. */
  maxBatch?: number;
  /** Records waiting for a request before `waitForRoom` holds the caller back. */
  maxQueued?: number;
}

/**
 * Publishes tweet records through one (idempotent) producer: records that arrive while a request is in flight
 * go out together in the next one, so a stream of single tweets costs one request per round trip, not per tweet.
 */
export class TweetPublisher {
  private queue: Pending[] = [];
  private sending: Promise<void> | undefined;
  private roomWaiters: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private acked = 0;

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    options: TweetPublisherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  /** Queues a tweet; resolves when the broker acknowledged it from all in-sync replicas (`acks: -1`). */
  publish(tweet: ObservedTweet): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.queue.push({ message: encodeTweetRecord(tweet), resolve, reject }));
    this.sending ??= this.sendAll();
    return done;
  }

  /** Resolves when there is room for more records (backpressure for fast sources such as a replay file). */
  async waitForRoom(): Promise<void> {
    while (this.queue.length >= this.maxQueued) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once every record published so far was sent (acknowledged or failed). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Records acknowledged so far. */
  acknowledged(): number {
    return this.acked;
  }

  private async sendAll(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        for (const wake of this.roomWaiters.splice(0)) wake();
        try {
          await this.producer.send({ topic: this.topic, acks: -1, messages: batch.map((p) => p.message) });
          this.acked += batch.length;
          for (const pending of batch) pending.resolve();
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.sending = undefined;
    }
  }
}
