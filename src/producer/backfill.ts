/**
 * The first mark of a user the producer has never seen. The stream only brings what is posted from now on, but a
 * user who starts tracking wants their accounts' recent posts too (the news of the last hour is still being
 * retweeted), so the first catch-up reads the timeline back over a bounded window: the mark is the older of the
 * newest post and the id X would mint at the window's start (ids are time-ordered snowflakes and `since_id`
 * selects by id order, so the mark needs no post of its own: the same window as X's `start_time`, in the ids every
 * other mark is kept in).
 */
import { snowflakeIdAt } from '../domain/tweet-id';

/** The mark to catch up from: `newestId` when the window is 0 or it is older than the window; undefined stays undefined. */
export function backfillMark(newestId: string | undefined, backfillMs: number, nowMs: number): string | undefined {
  if (newestId === undefined || backfillMs <= 0) return newestId;
  const windowStart = snowflakeIdAt(nowMs - backfillMs);
  return BigInt(windowStart) < BigInt(newestId) ? windowStart : newestId;
}
