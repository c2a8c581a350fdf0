import type { TweetV2LookupResult } from 'twitter-api-v2';
import type { XClient } from './client';
import { toXError } from './errors';
import type { RateLimitState, TweetInfo, TweetLookup, TweetLookupResult } from './types';

/** `GET /2/tweets` accepts at most 100 ids per request. */
export const LOOKUP_BATCH_SIZE = 100;

/**
 * How long one lookup may go without a byte from X. A half-open connection otherwise hangs a tick until its
 * activity times out; X answers a 100-id lookup in well under a second.
 */
export const LOOKUP_TIMEOUT_MS = 10_000;

const LOOKUP_QUERY = {
  'tweet.fields': 'created_at,public_metrics,author_id',
  expansions: 'author_id',
  'user.fields': 'username',
};

/** Reads one lookup answer: found tweets with their authors, and every other requested id as gone. */
export function parseLookupResponse(requested: readonly string[], response: TweetV2LookupResult): TweetLookupResult {
  const usernames = new Map((response.includes?.users ?? []).map((user) => [user.id, user.username]));
  const tweets: TweetInfo[] = (response.data ?? []).map((tweet) => ({
    id: tweet.id,
    text: tweet.text,
    authorId: tweet.author_id ?? '',
    authorUsername: (tweet.author_id && usernames.get(tweet.author_id)) || '',
    createdAt: tweet.created_at ?? '',
    retweetCount: tweet.public_metrics?.retweet_count ?? 0,
  }));
  const found = new Set(tweets.map((tweet) => tweet.id));
  // X lists not-found, deleted and not-authorized ids in `errors`; an id absent from both lists is gone too.
  return { tweets, goneIds: requested.filter((id) => !found.has(id)) };
}

/** One `GET /2/tweets` request over twitter-api-v2, with a timeout and X's rate-limit headers kept. */
export class XTweetLookup implements TweetLookup {
  constructor(
    private readonly client: XClient,
    private readonly timeoutMs = LOOKUP_TIMEOUT_MS,
  ) {}

  async lookupTweets(ids: readonly string[]): Promise<TweetLookupResult> {
    const batch = [...new Set(ids)];
    if (batch.length === 0 || batch.length > LOOKUP_BATCH_SIZE) {
      throw new RangeError(`a lookup takes 1 to ${LOOKUP_BATCH_SIZE} ids, got ${batch.length}`);
    }
    try {
      const response = await this.client.api.v2.get<TweetV2LookupResult>(
        'tweets',
        { ids: batch.join(','), ...LOOKUP_QUERY },
        { fullResponse: true, timeout: this.timeoutMs },
      );
      const result = parseLookupResponse(batch, response.data);
      const rate = response.rateLimit;
      if (rate)
        result.rateLimit = {
          limit: rate.limit,
          remaining: rate.remaining,
          resetMs: rate.reset * 1000,
        } satisfies RateLimitState;
      return result;
    } catch (error) {
      throw toXError(error, 'GET /2/tweets');
    }
  }
}

/** The production `TweetLookup`. */
export function createTweetLookup(client: XClient, timeoutMs?: number): TweetLookup {
  return new XTweetLookup(client, timeoutMs);
}
