import { snowflakeIdAt, snowflakeTimeMs } from '../../src/domain/tweet-id';
import { backfillMark } from '../../src/producer/backfill';

/** The first mark of a user never seen reaches back over the backfill window (pure). */
const NOW = Date.parse('2026-11-26T10:00:00.000Z');
const HOUR = 3_600_000;

test('an id minted at a time is the smallest of that millisecond', () => {
  const id = snowflakeIdAt(NOW);
  expect(snowflakeTimeMs(id)).toBe(NOW);
  expect(snowflakeTimeMs(String(BigInt(id) - 1n))).toBe(NOW - 1);
});

test('the mark is the window start when the newest post is newer, else the newest post', () => {
  const recent = String(BigInt(snowflakeIdAt(NOW - 60_000)) + 5n);
  const old = snowflakeIdAt(NOW - 2 * HOUR);
  expect(backfillMark(recent, HOUR, NOW)).toBe(snowflakeIdAt(NOW - HOUR));
  expect(backfillMark(old, HOUR, NOW)).toBe(old);
  // No backfill: the newest post, as before; an empty timeline stays "nothing seen".
  expect(backfillMark(recent, 0, NOW)).toBe(recent);
  expect(backfillMark(undefined, HOUR, NOW)).toBeUndefined();
});
