/**
 * The dashboard's DuckDB schema. `counts` is the changelog materialised: one row per (tweet, minute) in which the
 * count changed; no index on it (an index would cost more bytes than the data), the ingest deduplicates by an
 * anti-join over the minutes of the batch instead, which zone maps make cheap since rows arrive in minute order.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS counts (
  tweet_id UBIGINT NOT NULL,
  minute_ms BIGINT NOT NULL,
  count INTEGER NOT NULL,
  delta INTEGER NOT NULL
);
-- The current count of every tweet: what the leaderboard ranks (20,000 rows, not the whole history).
CREATE TABLE IF NOT EXISTS latest (
  tweet_id UBIGINT PRIMARY KEY,
  minute_ms BIGINT NOT NULL,
  count INTEGER NOT NULL,
  author_id UBIGINT,
  -- The tweet's first point: its delta is the count it was found with, not a gain (alerts skip it).
  first_minute_ms BIGINT NOT NULL
);
-- Screen names and texts, known for the tweets that made a report.
CREATE TABLE IF NOT EXISTS tweet_info (
  tweet_id UBIGINT PRIMARY KEY,
  author_id UBIGINT,
  screen_name VARCHAR,
  text VARCHAR
);
CREATE TABLE IF NOT EXISTS reports (
  at_ms BIGINT PRIMARY KEY,
  entries VARCHAR NOT NULL
);
-- One row per rule and tweet that ever fired: the key is what makes an alert fire once, across restarts.
CREATE TABLE IF NOT EXISTS alerts (
  rule VARCHAR NOT NULL,
  tweet_id UBIGINT NOT NULL,
  minute_ms BIGINT NOT NULL,
  count INTEGER NOT NULL,
  fired_at_ms BIGINT NOT NULL,
  delivered_at_ms BIGINT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error VARCHAR,
  PRIMARY KEY (rule, tweet_id)
);
`;

/** Per connection: the batch being ingested, filled by the appender (temporary: no WAL, no file bytes). */
export const STAGING = `
CREATE TEMP TABLE IF NOT EXISTS staged (
  tweet_id UBIGINT NOT NULL,
  minute_ms BIGINT NOT NULL,
  count INTEGER NOT NULL,
  delta INTEGER NOT NULL,
  author_id UBIGINT
);
`;

/** A number spliced into SQL: only safe integers, so no value can change the statement. */
export function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${value}`);
  return String(value);
}

/** A string literal spliced into SQL, quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
