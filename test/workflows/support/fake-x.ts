import type { TweetInfo, TweetLookup, TweetLookupResult } from '../../../src/x/types';

/** One tweet the fake X knows: its author, text, and how its retweet count grows per lookup call. */
export interface FakeTweet {
  id: string;
  authorId: string;
  authorUsername: string;
  text: string;
  base: number;
  growth: number;
}

export interface LookupCall {
  ids: string[];
  result: TweetLookupResult;
}

/**
 * A TweetLookup with known ground truth: the count of a tweet at the n-th call is `base + n * growth`, so counts
 * change between ticks and ranks shift. Every call and its answer are recorded, which is the truth a test checks
 * the snapshot files against.
 */
export class FakeX implements TweetLookup {
  readonly calls: LookupCall[] = [];
  callCount = 0;
  readonly tweets = new Map<string, FakeTweet>();
  /** Ids X reports as gone (deleted). */
  readonly gone = new Set<string>();
  /** Errors thrown by the next calls, one per call, before any answer. */
  readonly failNext: unknown[] = [];

  /** `record: false` keeps memory flat in the capacity test (no call log). */
  constructor(
    tweets: Iterable<FakeTweet> = [],
    private readonly record = true,
  ) {
    for (const tweet of tweets) this.tweets.set(tweet.id, tweet);
  }

  countAt(id: string, call: number): number {
    const t = this.tweets.get(id);
    return t ? t.base + call * t.growth : 0;
  }

  lookupTweets(ids: readonly string[]): Promise<TweetLookupResult> {
    const failure = this.failNext.shift();
    if (failure !== undefined)
      return Promise.reject(failure instanceof Error ? failure : new Error('injected failure'));
    const call = this.callCount++;
    const tweets: TweetInfo[] = [];
    const goneIds: string[] = [];
    for (const id of ids) {
      const t = this.tweets.get(id);
      if (!t || this.gone.has(id)) {
        goneIds.push(id);
        continue;
      }
      tweets.push({
        id,
        text: t.text,
        authorId: t.authorId,
        authorUsername: t.authorUsername,
        createdAt: '2018-03-01T12:00:00.000Z',
        retweetCount: this.countAt(id, call),
      });
    }
    const result = { tweets, goneIds };
    if (this.record) this.calls.push({ ids: [...ids], result });
    return Promise.resolve(result);
  }
}

/** Snowflake-like ids: 19 digits, increasing with n. */
export function tweetId(n: number): string {
  return (1_000_000_000_000_000_000n + BigInt(n)).toString();
}

/** `count` tweets by the given authors (round robin), with varied bases and growths so ranks change over time. */
export function makeTweets(count: number, authorIds: readonly string[], offset = 0): FakeTweet[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + offset;
    const authorId = authorIds[n % authorIds.length];
    return {
      id: tweetId(n),
      authorId,
      authorUsername: `user_${authorId}`,
      text: `Tweet number ${n} with some text ✓`,
      base: (n * 7919) % 1000,
      growth: n % 4,
    };
  });
}
