/**
 * The `tweets` topic's record format. Key: the tweet id (so a tweet's records share a partition). Value: UTF-8
 * JSON, versioned so the format can change without breaking consumers that still read the old one:
 *
 *   {"v":1,"id":"<tweet id>","authorId":"<user id>","authorUsername":"<screen name>","createdAt":"<ISO-8601>",
 *    "retweetedOf":{"id":"<tweet id>","authorId":"<user id>","authorUsername":"<screen name>"}}
 *
 * `authorUsername`, `createdAt` and `retweetedOf` are optional; unknown fields are ignored (forward compatible).
 *
 * The producer also writes a watermark record to every partition (see src/domain/watermark.ts):
 *
 *   key "watermark", value {"v":1,"watermarkMs":<epoch ms>,"partitions":<the topic's partition count>}
 */
import { validateObservedTweet, type ObservedTweet } from '../domain/observed-tweet';

export const TWEET_RECORD_VERSION = 1;

/** Far above any real record (~250 bytes): a bigger value is refused before it is parsed. */
export const MAX_TWEET_RECORD_BYTES = 16 * 1024;

/** The versioned JSON value of one tweet record. */
export interface TweetRecordValue extends ObservedTweet {
  v: typeof TWEET_RECORD_VERSION;
}

/** A record ready for `producer.send`. */
export interface EncodedTweetRecord {
  key: string;
  value: string;
}

/** Key of watermark records: never a tweet id, so no record can be both. */
export const WATERMARK_RECORD_KEY = 'watermark';

/** A partition's watermark as the producer wrote it. */
export interface StreamWatermark {
  watermarkMs: number;
  partitions: number;
}

export type DecodedTweetRecord =
  | { ok: true; tweet: ObservedTweet; watermark?: undefined }
  | { ok: true; watermark: StreamWatermark; tweet?: undefined }
  | { ok: false; reason: string };

/** The watermark record for one partition of a topic of `partitions` partitions. */
export function encodeWatermarkRecord(
  mark: StreamWatermark,
  partition: number,
): EncodedTweetRecord & { partition: number } {
  return { key: WATERMARK_RECORD_KEY, value: JSON.stringify({ v: TWEET_RECORD_VERSION, ...mark }), partition };
}

function decodeWatermark(parsed: Record<string, unknown>): DecodedTweetRecord {
  const { watermarkMs, partitions } = parsed;
  if (!Number.isSafeInteger(watermarkMs) || (watermarkMs as number) < 0)
    return { ok: false, reason: 'watermarkMs must be epoch milliseconds' };
  if (!Number.isInteger(partitions) || (partitions as number) < 1)
    return { ok: false, reason: 'partitions must be a positive integer' };
  return { ok: true, watermark: { watermarkMs: watermarkMs as number, partitions: partitions as number } };
}

/** The record for a tweet: key = tweet id, value = versioned JSON. */
export function encodeTweetRecord(tweet: ObservedTweet): EncodedTweetRecord {
  const value: TweetRecordValue = { v: TWEET_RECORD_VERSION, ...tweet };
  return { key: tweet.id, value: JSON.stringify(value) };
}

/** Decodes and validates a record of `tweets`; a bad record yields the reason, for the dead-letter header. */
export function decodeTweetRecord(key: Buffer | null, value: Buffer | null): DecodedTweetRecord {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty value' };
  if (value.length > MAX_TWEET_RECORD_BYTES) {
    return { ok: false, reason: `value too large: ${value.length} bytes (limit ${MAX_TWEET_RECORD_BYTES})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'value is not a JSON object' };
  const version = (parsed as { v?: unknown }).v;
  if (version !== TWEET_RECORD_VERSION) {
    return {
      ok: false,
      reason:
        version === undefined ? 'missing record version "v"' : `unsupported record version: ${JSON.stringify(version)}`,
    };
  }
  if (key !== null && key.toString('utf8') === WATERMARK_RECORD_KEY)
    return decodeWatermark(parsed as Record<string, unknown>);
  const checked = validateObservedTweet(parsed);
  if (!checked.ok) return checked;
  if (key !== null && key.toString('utf8') !== checked.value.id)
    return { ok: false, reason: 'key is not the tweet id' };
  return { ok: true, tweet: checked.value };
}
