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

/** The answer to one lookup: found tweets, and ids X reports as not found, deleted or not authorized. */
export interface TweetLookupResult {
  tweets: TweetInfo[];
  goneIds: string[];
}

/** The X operations the activities use; implemented by the twitter-api-v2 client, replaceable in tests. */
export interface TweetLookup {
  lookupTweets(ids: readonly string[]): Promise<TweetLookupResult>;
}
