import { Context } from '@temporalio/activity';
import { decodeCounts, decodeIds, encodeCounts } from '../domain/compact-counts';
import { formatCountLine, rankByRetweets, type TweetCount } from '../domain/ranking';
import type { TweetLookup } from '../x/types';
import { formatBatchTime } from './files';
import type { RefreshInput } from './types';

/** Ids per lookup call: X's tweet lookup takes at most 100, so each slice is one request. */
export const LOOKUP_BATCH = 100;
/** Lookups in flight at once: fast for 20,000 tweets (200 requests) without bursting through X's rate limit. */
export const LOOKUP_CONCURRENCY = 4;

export interface LookedUpCounts {
  counts: Map<string, number>;
  gone: string[];
}

function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (a script or a unit test)
  }
}

/** Looks up retweet counts in batches of 100 with bounded concurrency, heartbeating after every batch. */
export async function lookupCounts(x: TweetLookup, ids: readonly string[]): Promise<LookedUpCounts> {
  const context = inActivity();
  const counts = new Map<string, number>();
  const gone: string[] = [];
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      // Stop early when Temporal cancelled the attempt (timeout or workflow gone): no point finishing it.
      context?.cancellationSignal.throwIfAborted();
      const slice = ids.slice(next, next + LOOKUP_BATCH);
      next += slice.length;
      const result = await x.lookupTweets(slice);
      for (const tweet of result.tweets) counts.set(tweet.id, tweet.retweetCount);
      gone.push(...result.goneIds);
      done += slice.length;
      context?.heartbeat({ done, total: ids.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, Math.ceil(ids.length / LOOKUP_BATCH)) }, lane));
  return { counts, gone };
}

/** Merges fresh counts into the last known ones: gone and unanswered tweets keep their last count. */
export function mergeCounts(input: RefreshInput, fresh: LookedUpCounts) {
  const ranked: TweetCount[] = [];
  const changed: Array<[string, number]> = [];
  for (const [tweetId, last] of decodeCounts(input.counts)) {
    const now = fresh.counts.get(tweetId);
    if (now !== undefined && now !== last) changed.push([tweetId, now]);
    ranked.push({ tweetId, retweets: now ?? last });
  }
  return { ranked: rankByRetweets(ranked), changed: encodeCounts(changed) };
}

/** The ids to look up: every tracked tweet not already known gone. */
export function liveIds(input: RefreshInput): string[] {
  const gone = new Set(decodeIds(input.gone));
  return decodeCounts(input.counts)
    .map(([id]) => id)
    .filter((id) => !gone.has(id));
}

/** The snapshot file body: one `(tweet_id, retweets)` line per tweet, as Spark's saveAsTextFiles wrote them. */
export function snapshotText(ranked: readonly TweetCount[]): string {
  return ranked.map((line) => `${formatCountLine(line)}\n`).join('');
}

/** What the original job printed each batch: Spark's pprint block with a `Time:` header and the top lines. */
export function pprintText(minuteMs: number, ranked: readonly TweetCount[], lines: number): string {
  const rule = '-------------------------------------------';
  const body = ranked.slice(0, lines).map(formatCountLine);
  if (ranked.length > lines) body.push('...');
  return [rule, `Time: ${formatBatchTime(minuteMs)}`, rule, ...body, ''].join('\n');
}
