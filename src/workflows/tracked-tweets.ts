import { decodeCounts, decodeIds, encodeCounts, encodeIds } from '../domain/compact-counts';
import { rankByRetweets, type TweetCount } from '../domain/ranking';
import { compareIds } from '../domain/tweet-id';

/** The tracked tweets: last known counts, the ones X reports gone, a capacity with oldest-first eviction. */
export class TrackedTweets {
  /** Tweet id → last known cumulative retweet count. */
  private readonly counts = new Map<string, number>();
  private readonly gone = new Set<string>();

  constructor(
    private readonly capacity: number,
    carried?: { counts: string; gone: string },
  ) {
    if (!carried) return;
    for (const [id, count] of decodeCounts(carried.counts)) this.counts.set(id, count);
    for (const id of decodeIds(carried.gone)) if (this.counts.has(id)) this.gone.add(id);
  }

  get size(): number {
    return this.counts.size;
  }

  get goneCount(): number {
    return this.gone.size;
  }

  /** Starts tracking `id` (count 0 until the next refresh); returns whether the oldest tweet was evicted for it. */
  track(id: string): boolean {
    if (this.counts.has(id)) {
      // Seen again in the stream, so it exists: look it up again rather than trust an old "gone".
      this.gone.delete(id);
      return false;
    }
    const evict = this.counts.size >= this.capacity;
    if (evict) this.evictOldest();
    this.counts.set(id, 0);
    return evict;
  }

  /** Snowflake ids grow with time: the smallest id is the oldest tweet, the one least likely to gain retweets. */
  private evictOldest(): void {
    let oldest: string | undefined;
    for (const id of this.counts.keys()) if (oldest === undefined || compareIds(id, oldest) < 0) oldest = id;
    if (oldest === undefined) return;
    this.counts.delete(oldest);
    this.gone.delete(oldest);
  }

  /** Applies new counts (`id:count,...`); ids no longer tracked are ignored. */
  applyCounts(encoded: string): void {
    for (const [id, count] of decodeCounts(encoded)) if (this.counts.has(id)) this.counts.set(id, count);
  }

  /** Flags tweets X reported gone; they keep their last count. */
  markGone(ids: readonly string[]): void {
    for (const id of ids) if (this.counts.has(id)) this.gone.add(id);
  }

  /** Live tweets by count, gone ones skipped. */
  ranked(limit: number): TweetCount[] {
    const live: TweetCount[] = [];
    for (const [tweetId, retweets] of this.counts) if (!this.gone.has(tweetId)) live.push({ tweetId, retweets });
    return rankByRetweets(live).slice(0, limit);
  }

  /** The compact encoding used in activity inputs and Continue-As-New. */
  encode(): { counts: string; gone: string } {
    return { counts: encodeCounts(this.counts), gone: encodeIds(this.gone) };
  }
}
