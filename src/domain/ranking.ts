import { compareIds } from './tweet-id';

/** One line of the leaderboard: a tweet and its cumulative retweet count. */
export interface TweetCount {
  tweetId: string;
  retweets: number;
}

/** Sort order of every snapshot and report: count descending, ties by tweet id ascending (stable, reproducible). */
export function compareByRetweetsDesc(a: TweetCount, b: TweetCount): number {
  return b.retweets - a.retweets || compareIds(a.tweetId, b.tweetId);
}

/** A sorted copy of the counts. */
export function rankByRetweets(counts: Iterable<TweetCount>): TweetCount[] {
  return [...counts].sort(compareByRetweetsDesc);
}

/** The original job's line format: `(tweet_id, retweets)`. */
export function formatCountLine({ tweetId, retweets }: TweetCount): string {
  return `(${tweetId}, ${retweets})`;
}
