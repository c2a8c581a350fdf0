import { decodeIds, encodeIds } from '../domain/compact-counts';
import { rankByRetweets, type TweetCount } from '../domain/ranking';
import type { PlannerTweet } from '../domain/refresh-planner';
import { compareIds, snowflakeTimeMs } from '../domain/tweet-id';
import { IdHeap } from './id-heap';

/** What the workflow knows about one tracked tweet. Times are epoch ms of workflow time. */
export interface TrackedTweet {
  count: number;
  /**
   * Event time: when it was posted (X's created_at, else the snowflake's), never later than first seen; for a tweet
   * first seen past its horizon, first seen (see `track`). A file for boundary B holds the tweets posted before B.
   */
  postedMs: number;
  lastLookupMs?: number;
  lastChangeMs?: number;
  /** The count in the last file written, for the changelog's change; undefined: not in a file yet. */
  fileCount?: number;
  gone: boolean;
}

/** The carried encoding: `id:count:posted:lookup:change:file` with times as minutes before `asOfMs`. */
export interface EncodedTweets {
  tweets: string;
  asOfMs: number;
  invalid: string;
}

/**
 * Whether a tweet belongs in the file for boundary `beforeMs`: posted before it, or in a file already (the carried
 * posted time is rounded to minutes, and a tweet never leaves the files once in them, until it retires).
 */
function inFile(tweet: TrackedTweet, beforeMs: number): boolean {
  return tweet.postedMs < beforeMs || tweet.fileCount !== undefined;
}

/**
 * The tracked tweets: counts and refresh facts, the ones X reports gone or refuses, a capacity with oldest-first
 * eviction. Every operation is O(1) or O(log n): eviction takes the smallest id from a heap.
 */
export class TrackedTweets {
  private readonly tweets = new Map<string, TrackedTweet>();
  /** Ids X refused with 400: never tracked or looked up again. */
  private readonly invalid = new Set<string>();
  private readonly byAge = new IdHeap();
  private goneTotal = 0;

  constructor(
    private readonly capacity: number,
    private readonly horizonMs: number,
    carried?: EncodedTweets,
  ) {
    if (!carried) return;
    for (const id of decodeIds(carried.invalid)) this.invalid.add(id);
    for (const entry of carried.tweets ? carried.tweets.split(',') : []) {
      const [id, count, posted, lookup, change, file, gone] = entry.split(':');
      const at = (minutes: string): number | undefined =>
        minutes === '' ? undefined : carried.asOfMs - Number(minutes) * 60_000;
      this.insert(id, {
        count: Number(count),
        postedMs: at(posted) ?? carried.asOfMs,
        lastLookupMs: at(lookup),
        lastChangeMs: at(change),
        fileCount: file === '' ? undefined : Number(file),
        gone: gone === 'g',
      });
    }
  }

  get size(): number {
    return this.tweets.size;
  }

  get goneCount(): number {
    return this.goneTotal;
  }

  get invalidCount(): number {
    return this.invalid.size;
  }

  get(id: string): TrackedTweet | undefined {
    return this.tweets.get(id);
  }

  /**
   * Starts tracking `id` (count `initial` until X answers). At capacity the oldest tweet makes room, unless the
   * new one is older still: then it is the one not tracked. Returns whether a tweet was left out.
   */
  track(id: string, nowMs: number, initial = 0, createdAtMs?: number): { tracked: boolean; evicted: boolean } {
    const known = this.tweets.get(id);
    if (known) {
      // Seen again in the stream, so it exists: look it up again rather than trust an old "gone".
      this.setGone(known, false);
      return { tracked: false, evicted: false };
    }
    if (this.invalid.has(id)) return { tracked: false, evicted: false };
    const evicted = this.tweets.size >= this.capacity;
    if (evicted) {
      const oldest = this.oldest();
      if (oldest === undefined || compareIds(id, oldest) < 0) return { tracked: false, evicted: true };
      this.remove(oldest);
    }
    const posted = createdAtMs ?? snowflakeTimeMs(id);
    // A tweet first seen past its horizon (found late, or an old post retweeted again) gets a horizon from now.
    const postedMs = posted !== undefined && nowMs - posted < this.horizonMs ? Math.min(posted, nowMs) : nowMs;
    this.insert(id, { count: initial, postedMs, lastChangeMs: initial > 0 ? nowMs : undefined, gone: false });
    return { tracked: true, evicted };
  }

  /** Raises a tracked tweet's count by a retweet seen in the stream; false when it is not tracked. */
  addRetweet(id: string, nowMs: number): boolean {
    const tweet = this.tweets.get(id);
    if (!tweet) return false;
    tweet.count += 1;
    tweet.lastChangeMs = nowMs;
    return true;
  }

  /** Records X's answer for a looked-up tweet: its count (which may be lower) plus retweets streamed meanwhile. */
  answered(id: string, xCount: number | undefined, streamedMeanwhile: number, nowMs: number): void {
    const tweet = this.tweets.get(id);
    if (!tweet) return;
    tweet.lastLookupMs = nowMs;
    if (xCount === undefined) return;
    const count = xCount + streamedMeanwhile;
    if (count !== tweet.count) tweet.lastChangeMs = nowMs;
    tweet.count = count;
  }

  /** Flags tweets X reported gone; they keep their last count and are not looked up until seen again. */
  markGone(ids: readonly string[]): void {
    for (const id of ids) {
      const tweet = this.tweets.get(id);
      if (tweet) this.setGone(tweet, true);
    }
  }

  /** Ids X refuses (400): dropped from tracking, remembered so they are never tracked again. */
  markInvalid(ids: readonly string[]): void {
    for (const id of ids) {
      this.remove(id);
      this.invalid.add(id);
    }
  }

  /** Tweets past their horizon: they leave the files; returns their final counts. */
  retire(ids: readonly string[]): TweetCount[] {
    const retired: TweetCount[] = [];
    for (const id of ids) {
      const tweet = this.tweets.get(id);
      if (!tweet) continue;
      retired.push({ tweetId: id, retweets: tweet.count });
      this.remove(id);
    }
    return retired;
  }

  /** The planner's view of every tweet of the file before `beforeMs` still worth a lookup (gone ones are not). */
  plannerTweets(beforeMs: number): PlannerTweet[] {
    const result: PlannerTweet[] = [];
    for (const [id, t] of this.tweets) {
      if (!t.gone && inFile(t, beforeMs))
        result.push({
          id,
          postedMs: t.postedMs,
          count: t.count,
          lastLookupMs: t.lastLookupMs,
          lastChangeMs: t.lastChangeMs,
        });
    }
    return result;
  }

  /**
   * Every tweet of the file for boundary `beforeMs` (posted before it), `lookup` ids first in their order: the
   * activity's `counts` and `lookupCount`.
   */
  fileEntries(lookup: readonly string[], beforeMs: number): Array<[string, number]> {
    const first = new Set(lookup);
    const entries: Array<[string, number]> = lookup
      .filter((id) => this.tweets.has(id))
      .map((id) => [id, this.tweets.get(id)!.count]);
    for (const [id, t] of this.tweets) if (!first.has(id) && inFile(t, beforeMs)) entries.push([id, t.count]);
    return entries;
  }

  /** `id:count` of the last file for the file's tweets that moved since (-1: not in a file yet), for the changelog. */
  previousFileCounts(beforeMs: number): Array<[string, number]> {
    const moved: Array<[string, number]> = [];
    for (const [id, t] of this.tweets) {
      if (inFile(t, beforeMs) && (t.fileCount === undefined || t.fileCount !== t.count))
        moved.push([id, t.fileCount ?? -1]);
    }
    return moved;
  }

  /** Remembers what the file just written holds (its ids: tweets tracked meanwhile were not in it). */
  fileWritten(ids: ReadonlySet<string>): void {
    for (const id of ids) {
      const tweet = this.tweets.get(id);
      if (tweet) tweet.fileCount = tweet.count;
    }
  }

  /** Live tweets by count, gone ones skipped. */
  ranked(limit: number): TweetCount[] {
    const live: TweetCount[] = [];
    for (const [tweetId, t] of this.tweets) if (!t.gone) live.push({ tweetId, retweets: t.count });
    return rankByRetweets(live).slice(0, limit);
  }

  /** Minutes since each live tweet's last answered lookup: p50, p90, max (-1 when one was never looked up). */
  staleness(nowMs: number): { p50: number; p90: number; max: number } {
    const ages: number[] = [];
    for (const t of this.tweets.values()) {
      if (!t.gone) ages.push(t.lastLookupMs === undefined ? Infinity : Math.floor((nowMs - t.lastLookupMs) / 60_000));
    }
    if (ages.length === 0) return { p50: 0, p90: 0, max: 0 };
    ages.sort((a, b) => a - b);
    const at = (q: number): number => {
      const v = ages[Math.min(ages.length - 1, Math.floor(q * ages.length))];
      return v === Infinity ? -1 : v;
    };
    return { p50: at(0.5), p90: at(0.9), max: at(1) };
  }

  /** The compact encoding carried through Continue-As-New (about 40 bytes a tweet). */
  encode(asOfMs: number): EncodedTweets {
    const minutes = (ms: number | undefined): string =>
      ms === undefined ? '' : String(Math.round((asOfMs - ms) / 60_000));
    const parts: string[] = [];
    for (const [id, t] of this.tweets) {
      const file = t.fileCount === undefined ? '' : String(t.fileCount);
      parts.push(
        `${id}:${t.count}:${minutes(t.postedMs)}:${minutes(t.lastLookupMs)}:${minutes(t.lastChangeMs)}:${file}:${t.gone ? 'g' : ''}`,
      );
    }
    return { tweets: parts.join(','), asOfMs, invalid: encodeIds(this.invalid) };
  }

  private insert(id: string, tweet: TrackedTweet): void {
    this.tweets.set(id, tweet);
    this.byAge.push(id);
    if (tweet.gone) this.goneTotal += 1;
  }

  private remove(id: string): void {
    const tweet = this.tweets.get(id);
    if (!tweet) return;
    if (tweet.gone) this.goneTotal -= 1;
    this.tweets.delete(id);
    // The heap drops stale ids lazily; rebuild it when they outnumber the live ones, so it stays O(n).
    if (this.byAge.size > 2 * this.tweets.size + 64) this.byAge.rebuild(this.tweets.keys());
  }

  private setGone(tweet: TrackedTweet, gone: boolean): void {
    if (tweet.gone === gone) return;
    tweet.gone = gone;
    this.goneTotal += gone ? 1 : -1;
  }

  private oldest(): string | undefined {
    for (;;) {
      const id = this.byAge.peek();
      if (id === undefined || this.tweets.has(id)) return id;
      this.byAge.pop();
    }
  }
}
