import { isSnowflakeId } from '../domain/tweet-id';
import { XApiError, XRateLimitError } from './errors';
import { LOOKUP_BATCH_SIZE } from './lookup';
import type { RateLimitState, TweetInfo, TweetLookup } from './types';

/** Requests in flight at once: 200 requests for 20,000 tweets finish in seconds without bursting. */
export const LOOKUP_CONCURRENCY = 4;
/** One more try for a batch that failed on the network or a 5xx, after this pause. */
const RETRY_PAUSE_MS = 500;

export interface LookupAllOptions {
  concurrency?: number;
  /** Cancels the lookups (the activity's cancellation): in-flight answers are dropped, the pool rejects at once. */
  signal?: AbortSignal;
  /** Epoch ms after which no new request starts: the file of the tick must still be written in time. */
  deadlineMs?: number;
  /** Requests this call may send at most (the tick's share of X's budget). */
  maxRequests?: number;
  now?: () => number;
  /** Called after every answered request: ids answered so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What a (possibly partial) lookup of many ids got: every answered batch is kept, whatever stopped the rest. */
export interface LookupReport {
  tweets: TweetInfo[];
  /** Not found, deleted or not authorized. */
  goneIds: string[];
  /** Ids X refuses as malformed (400), isolated by splitting the batch that contained them. */
  invalidIds: string[];
  /** Ids no answer came for (rate limit, deadline, budget, errors): they keep their last known count. */
  notLookedUp: string[];
  requests: number;
  /** Requests X answered with 429. */
  refused: number;
  /** The most recent rate-limit headers X sent (a 429 sets `remaining` to 0). */
  rateLimit?: RateLimitState;
  /** The reset time of a 429, epoch ms: no lookup should be sent before it. */
  refusedUntilMs?: number;
  /** Why lookups stopped before the end, if they did. */
  stoppedBy?: string;
  /** The last failure of a batch that was given up after its retry (the other batches went on). */
  lastError?: string;
}

/**
 * Looks up `ids` (highest priority first) in requests of 100 with bounded concurrency. Never throws for what X
 * answers: a 429 ends the lookups and keeps what was answered, a 400 is split until the refused ids are isolated,
 * a network or 5xx failure is tried once more; only cancellation rejects.
 */
export async function lookupAll(
  x: TweetLookup,
  ids: readonly string[],
  options: LookupAllOptions = {},
): Promise<LookupReport> {
  const now = options.now ?? Date.now;
  const unique = [...new Set(ids)];
  const report: LookupReport = {
    tweets: [],
    goneIds: [],
    invalidIds: unique.filter((id) => !isSnowflakeId(id)),
    notLookedUp: [],
    requests: 0,
    refused: 0,
  };
  // Halves of a batch X refused with 400 go first and do not count against the tick's budget: isolating a bad
  // id is a one-off (it is never looked up again), and without it every later tick would fail the same way.
  const queue: Array<{ ids: string[]; split: boolean }> = [];
  const valid = unique.filter(isSnowflakeId);
  for (let i = 0; i < valid.length; i += LOOKUP_BATCH_SIZE)
    queue.push({ ids: valid.slice(i, i + LOOKUP_BATCH_SIZE), split: false });
  let splitRequests = 0;
  let answered = 0;
  // At the deadline, answers still outstanding are given up (a half-open connection must not cost the file).
  const deadline = new AbortController();
  const timer =
    options.deadlineMs === undefined
      ? undefined
      : setTimeout(() => deadline.abort(new DeadlineReached()), Math.max(0, options.deadlineMs - now()));

  const stop = (reason: string): void => {
    report.stoppedBy ??= reason;
  };
  const mayStart = (split = false): boolean => {
    if (report.stoppedBy || options.signal?.aborted) return false;
    if (options.deadlineMs !== undefined && now() >= options.deadlineMs) stop('the tick deadline');
    else if (!split && options.maxRequests !== undefined && report.requests - splitRequests >= options.maxRequests) {
      stop('the request budget of the tick');
    }
    return !report.stoppedBy;
  };
  const noteRateLimit = (rate: RateLimitState | undefined): void => {
    if (!rate) return;
    const last = report.rateLimit;
    // Answers arrive out of order: the later window, then the fewer remaining, is the current state.
    if (!last || rate.resetMs > last.resetMs || (rate.resetMs === last.resetMs && rate.remaining < last.remaining))
      report.rateLimit = rate;
  };

  const request = async (batch: string[], split: boolean, retried = false): Promise<void> => {
    report.requests += 1;
    if (split) splitRequests += 1;
    try {
      const result = await abortable(abortable(x.lookupTweets(batch), options.signal), deadline.signal);
      noteRateLimit(result.rateLimit);
      report.tweets.push(...result.tweets);
      report.goneIds.push(...result.goneIds);
      answered += batch.length;
      options.onProgress?.(answered, valid.length);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof DeadlineReached) {
        stop('the tick deadline (answers still outstanding were given up)');
        report.notLookedUp.push(...batch);
        return;
      }
      if (
        error instanceof XApiError &&
        error.status === 400 &&
        (batch.length > 1 || error.message.includes(batch[0]))
      ) {
        // Flagged only when X names the id: a 400 about anything else must never drop tweets from tracking.
        if (batch.length === 1) report.invalidIds.push(batch[0]);
        else {
          // One refused id fails the whole request: halve until it stands alone (about 2·log2(100) extra requests).
          const half = Math.ceil(batch.length / 2);
          queue.unshift({ ids: batch.slice(0, half), split: true }, { ids: batch.slice(half), split: true });
        }
        return;
      }
      if (error instanceof XRateLimitError) {
        report.refused += 1;
        report.refusedUntilMs = Math.max(report.refusedUntilMs ?? 0, error.resetAtMs);
        const limit = error.limit ?? report.rateLimit?.limit;
        if (limit !== undefined) noteRateLimit({ limit, remaining: 0, resetMs: error.resetAtMs });
        stop(error.message);
      } else if (error instanceof XApiError && !error.retryable) {
        stop(error.message);
      } else if (!retried) {
        await pause(RETRY_PAUSE_MS, options.signal);
        if (mayStart(split)) return request(batch, split, true);
      } else {
        report.lastError = error instanceof Error ? error.message : String(error);
      }
      report.notLookedUp.push(...batch);
    }
  };

  const lane = async (): Promise<void> => {
    while (queue.length > 0 && mayStart(queue[0].split)) {
      const next = queue.shift() as { ids: string[]; split: boolean };
      await request(next.ids, next.split);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? LOOKUP_CONCURRENCY, queue.length));
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
    // A lane can end while another lane's split refills the queue; finish that work, still bounded by mayStart.
    while (queue.length > 0 && mayStart(queue[0].split)) await lane();
  } finally {
    clearTimeout(timer);
  }
  for (const batch of queue) report.notLookedUp.push(...batch.ids);
  return report;
}

class DeadlineReached extends Error {}

function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    // The reason is what the aborter passed: Temporal's cancellation failure, or DeadlineReached.
    const onAbort = (): void =>
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortable(new Promise((resolve) => setTimeout(resolve, ms)), signal);
}
