import type { Tweetv2FieldsParams, TweetV2LookupResult } from 'twitter-api-v2';
import { isSnowflakeId } from '../domain/tweet-id';
import type { XClient } from './client';
import { toXError } from './errors';
import type { TweetInfo, TweetLookup, TweetLookupResult } from './types';

/** `GET /2/tweets` accepts at most 100 ids per request. */
export const LOOKUP_BATCH_SIZE = 100;

export interface TweetLookupOptions {
  /** Ids per request, 1..100. */
  batchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

const LOOKUP_PARAMS: Partial<Tweetv2FieldsParams> = {
  'tweet.fields': ['created_at', 'public_metrics', 'author_id'],
  expansions: ['author_id'],
  'user.fields': ['username'],
};

/** Splits `items` into consecutive chunks of `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure stops new work and is thrown. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

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

/** `TweetLookup` over X's `GET /2/tweets`, in batches of 100 with bounded concurrency. */
export class XTweetLookup implements TweetLookup {
  private readonly batchSize: number;
  private readonly concurrency: number;

  constructor(
    private readonly client: XClient,
    options: TweetLookupOptions = {},
  ) {
    this.batchSize = Math.min(LOOKUP_BATCH_SIZE, Math.max(1, options.batchSize ?? LOOKUP_BATCH_SIZE));
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Looks up `ids` (duplicates collapsed); throws `XApiError`/`XRateLimitError` when a batch fails. */
  async lookupTweets(ids: readonly string[]): Promise<TweetLookupResult> {
    const unique = [...new Set(ids)];
    // X rejects a whole batch with 400 for one malformed id; such an id can never exist, so it is simply gone.
    const valid = unique.filter((id) => isSnowflakeId(id));
    const invalid = unique.filter((id) => !isSnowflakeId(id));
    const parts = await mapBounded(chunk(valid, this.batchSize), this.concurrency, (batch) => this.lookupBatch(batch));
    return {
      tweets: parts.flatMap((part) => part.tweets),
      goneIds: [...invalid, ...parts.flatMap((part) => part.goneIds)],
    };
  }

  private async lookupBatch(batch: string[]): Promise<TweetLookupResult> {
    try {
      return parseLookupResponse(batch, await this.client.api.v2.tweets(batch, LOOKUP_PARAMS));
    } catch (error) {
      throw toXError(error, 'GET /2/tweets');
    }
  }
}

/** The production `TweetLookup`. */
export function createTweetLookup(client: XClient, options?: TweetLookupOptions): TweetLookup {
  return new XTweetLookup(client, options);
}
