/** What the product needs to know about one tweet, from X's tweet lookup (`GET /2/tweets`). */
export interface TweetInfo {
  id: string;
  text: string;
  authorId: string;
  /** The author's screen name (X v2 `username`), from the `author_id` expansion. */
  authorUsername: string;
  createdAt: string;
  retweetCount: number;
}

/** X's rate-limit headers of one answer: `x-rate-limit-limit`, `-remaining` and `-reset` (as epoch ms). */
export interface RateLimitState {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** The answer to one lookup request: found tweets, and ids X reports as not found, deleted or not authorized. */
export interface TweetLookupResult {
  tweets: TweetInfo[];
  goneIds: string[];
  /** The rate-limit headers of the answer, when X sent them. */
  rateLimit?: RateLimitState;
}

/** One `GET /2/tweets` request (1 to 100 ids); implemented over twitter-api-v2, replaceable in tests. */
export interface TweetLookup {
  /** Throws `XApiError` (`XRateLimitError` for a 429) when X refuses or cannot be reached. */
  lookupTweets(ids: readonly string[]): Promise<TweetLookupResult>;
}
