import { isSnowflakeId } from './tweet-id';

/** The original of a retweet, as the stream reports it. */
export interface RetweetedOriginal {
  id: string;
  authorId: string;
  authorUsername?: string;
}

/**
 * A tweet seen in the filtered stream: the record the producer publishes to Kafka and the bridge signals to the
 * workflow. Text is deliberately absent: it is looked up when a report needs it, which keeps signals small.
 */
export interface ObservedTweet {
  id: string;
  authorId: string;
  authorUsername?: string;
  /** ISO-8601, as X sends it. */
  createdAt?: string;
  retweetedOf?: RetweetedOriginal;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

const USERNAME = /^[A-Za-z0-9_]{1,50}$/;

function checkUsername(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && USERNAME.test(value) ? undefined : `${field} must be an X username`;
}

/** Checks an untrusted value (a Kafka record, a signal argument) and returns a clean copy or the reason it is bad. */
export function validateObservedTweet(input: unknown): Validation<ObservedTweet> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, reason: 'not an object' };
  const raw = input as Record<string, unknown>;
  if (!isSnowflakeId(raw.id)) return { ok: false, reason: 'id must be a decimal tweet id string' };
  if (!isSnowflakeId(raw.authorId)) return { ok: false, reason: 'authorId must be a decimal user id string' };
  const usernameProblem = checkUsername(raw.authorUsername, 'authorUsername');
  if (usernameProblem) return { ok: false, reason: usernameProblem };
  if (raw.createdAt !== undefined && (typeof raw.createdAt !== 'string' || Number.isNaN(Date.parse(raw.createdAt)))) {
    return { ok: false, reason: 'createdAt must be an ISO-8601 date string' };
  }
  const tweet: ObservedTweet = { id: raw.id, authorId: raw.authorId };
  if (raw.authorUsername !== undefined) tweet.authorUsername = raw.authorUsername as string;
  if (raw.createdAt !== undefined) tweet.createdAt = raw.createdAt;
  if (raw.retweetedOf !== undefined) {
    const original = raw.retweetedOf as Record<string, unknown> | null;
    if (typeof original !== 'object' || original === null)
      return { ok: false, reason: 'retweetedOf must be an object' };
    if (!isSnowflakeId(original.id)) return { ok: false, reason: 'retweetedOf.id must be a decimal tweet id string' };
    if (!isSnowflakeId(original.authorId))
      return { ok: false, reason: 'retweetedOf.authorId must be a decimal user id string' };
    const originalUsernameProblem = checkUsername(original.authorUsername, 'retweetedOf.authorUsername');
    if (originalUsernameProblem) return { ok: false, reason: originalUsernameProblem };
    tweet.retweetedOf = { id: original.id, authorId: original.authorId };
    if (original.authorUsername !== undefined) tweet.retweetedOf.authorUsername = original.authorUsername as string;
  }
  return { ok: true, value: tweet };
}
