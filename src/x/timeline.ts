/**
 * X's user timeline (`GET /2/users/:id/tweets`): the posts a followed user made (their own retweets included)
 * newer than a known id. The producer reads it to catch up what the filtered stream did not deliver (a gap: its
 * own restart, a stream disconnect, a Kafka outage).
 */
import { abortableSleep } from '../shared/abortable-sleep';
import type { TweetV2SingleStreamResult, TweetV2UserTimelineResult, Tweetv2FieldsParams } from 'twitter-api-v2';
import type { ObservedTweet } from '../domain/observed-tweet';
import type { XClient } from './client';
import { toXError, XRateLimitError } from './errors';
import { parseStreamPayload, toObservedTweet } from './stream';

/** X serves at most the 3,200 most recent posts of a timeline, at most 100 per page. */
export const TIMELINE_PAGE_SIZE = 100;
const MAX_PAGES = 32;

const TIMELINE_PARAMS: Partial<Tweetv2FieldsParams> = {
  'tweet.fields': ['created_at', 'author_id', 'referenced_tweets'],
  expansions: ['author_id', 'referenced_tweets.id', 'referenced_tweets.id.author_id'],
  'user.fields': ['username'],
};

export interface TimelineOptions {
  /** Only posts with a greater id (X's `since_id`); absent: the whole timeline X serves. */
  sinceId?: string;
  /** Posts per page, 5..100 (default 100). */
  pageSize?: number;
  /** Pages at most (default 32: X's 3,200-post depth). */
  maxPages?: number;
  signal?: AbortSignal;
  /** How to wait for a rate-limit reset (tests shorten it). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told before each wait for a rate-limit reset. */
  onRateLimited?: (waitMs: number) => void;
  now?: () => number;
}

/** One page: the user's posts on it as records, and where the next (older) page starts. */
export interface TimelinePage {
  tweets: ObservedTweet[];
  nextToken?: string;
  /** From X's headers: requests left in the window, and when it resets (epoch ms). */
  remaining?: number;
  resetAtMs?: number;
}

/** Reads one timeline answer into records, in X's order (newest first). */
export function parseTimelinePage(response: TweetV2UserTimelineResult): ObservedTweet[] {
  const includes = response.includes;
  return (response.data ?? []).flatMap((tweet) => {
    // The same shape as a stream payload with one post: reuse its parsing (authors, retweeted originals).
    const parsed = parseStreamPayload({ data: tweet, includes } as TweetV2SingleStreamResult);
    return parsed ? [toObservedTweet(parsed)] : [];
  });
}

/** One page of `userId`'s timeline; throws `XApiError` (an `XRateLimitError` for a 429). */
export async function fetchTimelinePage(
  client: XClient,
  userId: string,
  options: { sinceId?: string; pageSize?: number; paginationToken?: string } = {},
): Promise<TimelinePage> {
  const query: Record<string, string | number> = {
    ...Object.fromEntries(
      Object.entries(TIMELINE_PARAMS).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : String(value),
      ]),
    ),
    max_results: Math.min(TIMELINE_PAGE_SIZE, Math.max(5, options.pageSize ?? TIMELINE_PAGE_SIZE)),
  };
  if (options.sinceId) query.since_id = options.sinceId;
  if (options.paginationToken) query.pagination_token = options.paginationToken;
  try {
    const response = await client.api.v2.get<TweetV2UserTimelineResult>(
      `users/${encodeURIComponent(userId)}/tweets`,
      query,
      { fullResponse: true },
    );
    const page: TimelinePage = { tweets: parseTimelinePage(response.data) };
    if (response.data.meta?.next_token) page.nextToken = response.data.meta.next_token;
    if (response.rateLimit) {
      page.remaining = response.rateLimit.remaining;
      page.resetAtMs = response.rateLimit.reset * 1000;
    }
    return page;
  } catch (error) {
    throw toXError(error, 'GET /2/users/:id/tweets');
  }
}

/**
 * Every post of `userId` newer than `sinceId`, oldest first (the order to publish them in). Honours X's rate
 * limits: a 429 waits for its reset and retries; an exhausted window (`x-rate-limit-remaining: 0`) waits before
 * the next page. Other failures are thrown (`XApiError`); an abort ends it with what was read so far.
 */
export async function fetchTimelineSince(
  client: XClient,
  userId: string,
  options: TimelineOptions = {},
): Promise<ObservedTweet[]> {
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const tweets: ObservedTweet[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < (options.maxPages ?? MAX_PAGES) && !options.signal?.aborted;) {
    let page: TimelinePage;
    try {
      page = await fetchTimelinePage(client, userId, {
        sinceId: options.sinceId,
        pageSize: options.pageSize,
        paginationToken: token,
      });
    } catch (error) {
      if (!(error instanceof XRateLimitError)) throw error;
      const waitMs = Math.max(1000, error.resetAtMs - now());
      options.onRateLimited?.(waitMs);
      await sleep(waitMs, options.signal);
      continue;
    }
    pages++;
    tweets.push(...page.tweets);
    if (!page.nextToken) break;
    token = page.nextToken;
    if (page.remaining === 0 && page.resetAtMs !== undefined) {
      const waitMs = Math.max(0, page.resetAtMs - now());
      options.onRateLimited?.(waitMs);
      await sleep(waitMs, options.signal);
    }
  }
  return tweets.reverse();
}
