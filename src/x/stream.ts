import type { Readable } from 'node:stream';
import {
  ETwitterStreamEvent,
  type TweetStream,
  type Tweetv2FieldsParams,
  type TweetV2SingleStreamResult,
} from 'twitter-api-v2';
import type { ObservedTweet } from '../domain/observed-tweet';
import { xReconnectDelayMs } from './backoff';
import type { XClient } from './client';
import { toXError, type XApiError } from './errors';
import { syncStreamRules } from './rules';
import { type StreamFrame, StreamFramer } from './stream-frames';

/** A post from the filtered stream: the author's own tweet, or another account's retweet of it. */
export interface StreamedTweet {
  id: string;
  text: string;
  authorId: string;
  authorUsername?: string;
  createdAt?: string;
  retweetedOf?: { id: string; authorId: string; authorUsername?: string };
  /** Tags of the rules that matched. */
  matchingRuleTags: string[];
}

/**
 * What happened to the connection, for logs; messages never contain the token (nor post text). `stream-error`
 * means a frame was lost or X sent an error message on the stream; `connection-lost` a drop or a stall.
 */
export type XStreamEvent =
  | { type: 'connected' | 'reconnected' | 'connection-lost' | 'keep-alive' }
  | { type: 'reconnect-error'; message: string }
  | { type: 'stream-error'; message: string };

export interface StreamTweetsOptions {
  /** When given, the stream rules are synchronised to these users before connecting. */
  userIds?: readonly string[];
  signal?: AbortSignal;
  /** Reconnect when nothing (not even a heartbeat) arrives for this long; X sends one every 20 s. */
  keepAliveTimeoutMs?: number;
  /** `backfill_minutes` to request (X Pro/Enterprise); defaults to the client's config. */
  backfillMinutes?: number;
  /** Delay before reconnect attempt n; X's rules by default (tests shorten it). */
  reconnectDelayMs?: (attempt: number, error: unknown) => number;
  onEvent?: (event: XStreamEvent) => void;
  /** How many recent ids to remember so backfilled or replayed posts are delivered once. */
  dedupeWindow?: number;
}

export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 30_000;

const STREAM_PARAMS: Partial<Tweetv2FieldsParams> = {
  'tweet.fields': ['created_at', 'author_id', 'public_metrics', 'referenced_tweets'],
  expansions: ['author_id', 'referenced_tweets.id', 'referenced_tweets.id.author_id'],
  'user.fields': ['username'],
};

/** Reads one stream payload into a `StreamedTweet` (undefined if it carries no tweet). */
export function parseStreamPayload(payload: TweetV2SingleStreamResult): StreamedTweet | undefined {
  const tweet = payload.data;
  if (!tweet?.id || !tweet.author_id) return undefined;
  const usernames = new Map((payload.includes?.users ?? []).map((user) => [user.id, user.username]));
  const streamed: StreamedTweet = {
    id: tweet.id,
    text: tweet.text,
    authorId: tweet.author_id,
    matchingRuleTags: (payload.matching_rules ?? []).map((rule) => rule.tag).filter(Boolean),
  };
  const authorUsername = usernames.get(tweet.author_id);
  if (authorUsername) streamed.authorUsername = authorUsername;
  if (tweet.created_at) streamed.createdAt = tweet.created_at;
  const retweeted = tweet.referenced_tweets?.find((ref) => ref.type === 'retweeted');
  if (retweeted) {
    const original = payload.includes?.tweets?.find((t) => t.id === retweeted.id);
    // Without the expansion X gives no original author; such a retweet cannot be attributed, so it stays plain.
    if (original?.author_id) {
      streamed.retweetedOf = { id: original.id, authorId: original.author_id };
      const originalUsername = usernames.get(original.author_id);
      if (originalUsername) streamed.retweetedOf.authorUsername = originalUsername;
    }
  }
  return streamed;
}

/** The record the producer publishes for a streamed post. */
export function toObservedTweet(tweet: StreamedTweet): ObservedTweet {
  const observed: ObservedTweet = { id: tweet.id, authorId: tweet.authorId };
  if (tweet.authorUsername) observed.authorUsername = tweet.authorUsername;
  if (tweet.createdAt) observed.createdAt = tweet.createdAt;
  if (tweet.retweetedOf) observed.retweetedOf = { ...tweet.retweetedOf };
  return observed;
}

/** Remembers the last `size` ids, so a replayed post is recognised. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly size: number) {}

  /** True the first time an id is seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

/**
 * The filtered stream as an async iterable. It reconnects by X's rules and never gives up on retryable errors;
 * it ends when `signal` aborts, and throws an `XApiError` on a non-retryable one (bad token, no access).
 */
export async function* streamTweets(client: XClient, options: StreamTweetsOptions = {}): AsyncGenerator<StreamedTweet> {
  const { signal, onEvent } = options;
  if (options.userIds) await syncStreamRules(client, options.userIds);
  if (signal?.aborted) return;

  const queue: StreamedTweet[] = [];
  const seen = new RecentIds(options.dedupeWindow ?? 10_000);
  let failure: XApiError | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };

  const backfill = options.backfillMinutes ?? client.config.streamBackfillMinutes;
  const stream: TweetStream<TweetV2SingleStreamResult> = client.api.v2.searchStream({
    ...STREAM_PARAMS,
    ...(backfill > 0 ? { backfill_minutes: backfill } : {}),
    autoConnect: false,
  });
  const stop = (): void => {
    stopped = true;
    stream.close();
    // The library schedules its next retry right after emitting the error we react to: clear that one too.
    setImmediate(() => stream.close());
    notify();
  };
  const onAbort = (): void => stop();
  signal?.addEventListener('abort', onAbort, { once: true });

  // twitter-api-v2 keeps the connection (reconnects, backoff, stall timer); the framing is ours, read from the raw
  // response of each connection (see StreamFramer for why). The library's own parser is switched off. `res` and
  // `parser` are internals of twitter-api-v2 1.29.1, which package.json pins exactly; test/x/stream-framing.test.ts
  // fails if an upgrade moves them.
  const internals = stream as unknown as { res?: Readable; parser: { push(chunk: string): void } };
  internals.parser.push = () => undefined;
  const framer = new StreamFramer();
  const onFrame = (frame: StreamFrame, res: Readable): void => {
    if (frame.kind === 'heartbeat') return onEvent?.({ type: 'keep-alive' });
    if (frame.kind === 'invalid') {
      // Never silent: the post is lost unless X replays it, which a reconnect with backfill_minutes asks for.
      const action =
        backfill > 0
          ? `reconnecting with backfill_minutes=${backfill} to recover it`
          : 'it is lost (no backfill); reading on at the next frame';
      onEvent?.({ type: 'stream-error', message: `unparseable stream frame of ${frame.bytes} bytes: ${action}` });
      if (backfill > 0) res.destroy();
      return;
    }
    const payload = frame.value as TweetV2SingleStreamResult & { errors?: { title?: string; detail?: string }[] };
    if (!payload?.data && Array.isArray(payload?.errors)) {
      const first = payload.errors[0];
      onEvent?.({
        type: 'stream-error',
        message: `X sent an error on the stream: ${first?.title ?? 'error'}${first?.detail ? ` - ${first.detail}` : ''}`,
      });
      return;
    }
    const tweet = parseStreamPayload(payload);
    if (tweet && seen.add(tweet.id)) {
      queue.push(tweet);
      notify();
    }
  };
  /** Reads frames from the connection just made (the library emits Connected/Reconnected once `res` is set). */
  const attach = (): void => {
    const res = internals.res;
    if (!res) return;
    framer.reset();
    res.on('data', (chunk: Buffer | string) => {
      for (const frame of framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)) {
        onFrame(frame, res);
        if (res.destroyed) return;
      }
    });
  };

  stream.on(ETwitterStreamEvent.Connected, () => {
    if (stopped) return stream.close();
    attach();
    onEvent?.({ type: 'connected' });
  });
  stream.on(ETwitterStreamEvent.Reconnected, () => {
    if (stopped) return stream.close();
    attach();
    onEvent?.({ type: 'reconnected' });
  });
  stream.on(ETwitterStreamEvent.ConnectionLost, () => onEvent?.({ type: 'connection-lost' }));
  stream.on(ETwitterStreamEvent.Error, (event: { type: ETwitterStreamEvent; error: unknown; message: string }) => {
    if (stopped) return;
    if (event.type === ETwitterStreamEvent.ConnectError || event.type === ETwitterStreamEvent.ReconnectError) {
      const error = toXError(event.error, 'GET /2/tweets/search/stream');
      if (!error.retryable) {
        failure = error;
        stop();
        return;
      }
      onEvent?.({ type: 'reconnect-error', message: error.message });
      return;
    }
    // A dropped connection: the library reconnects on its own.
    if (event.type === ETwitterStreamEvent.ConnectionError) return onEvent?.({ type: 'connection-lost' });
    onEvent?.({ type: 'stream-error', message: event.message });
  });

  try {
    await stream.connect({
      autoReconnect: true,
      autoReconnectRetries: 'unlimited',
      keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      nextRetryTimeout: options.reconnectDelayMs ?? xReconnectDelayMs,
    });
    while (true) {
      while (queue.length > 0) yield queue.shift() as StreamedTweet;
      if (failure) throw failure;
      if (stopped) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!stopped) stop();
  }
}
