/** X ids are 64-bit snowflakes: they travel as decimal strings, since a JS number loses their low digits. */
const SNOWFLAKE = /^[1-9][0-9]{0,19}$/;

/** True for a decimal id string that fits X's id space (1 .. 2^64-1). */
export function isSnowflakeId(value: unknown): value is string {
  return typeof value === 'string' && SNOWFLAKE.test(value) && (value.length < 20 || value <= '18446744073709551615');
}

/** Numeric order of two decimal id strings without BigInt (shorter is smaller, then lexical). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
