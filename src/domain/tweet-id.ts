/**
 * X ids are 64-bit snowflakes: they travel as decimal strings, since a JS number loses their low digits. X accepts
 * `^[0-9]{1,19}$` and answers a whole lookup with 400 for one id outside it; leading zeros are refused here too,
 * since no real id has them and they would make two strings name one id.
 */
const X_ID = /^[1-9][0-9]{0,18}$/;

/** True for a decimal id string X accepts (1 to 19 digits, no leading zero). */
export function isSnowflakeId(value: unknown): value is string {
  return typeof value === 'string' && X_ID.test(value);
}

/** Numeric order of two decimal id strings without BigInt (shorter is smaller, then lexical). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** X's snowflake epoch (2010-11-04T01:42:54.657Z): the top 42 bits of an id are milliseconds since it. */
const SNOWFLAKE_EPOCH_MS = 1_288_834_974_657;

/** When a snowflake id was minted, epoch ms; undefined for ids too small to be snowflakes (test ids, old tweets). */
export function snowflakeTimeMs(id: string): number | undefined {
  if (!isSnowflakeId(id) || id.length < 16) return undefined;
  return Number(BigInt(id) >> 22n) + SNOWFLAKE_EPOCH_MS;
}

/** The smallest id X mints at `epochMs`: `since_id` of it selects the posts made from then on. */
export function snowflakeIdAt(epochMs: number): string {
  return String(BigInt(Math.max(0, Math.floor(epochMs) - SNOWFLAKE_EPOCH_MS)) << 22n);
}
