/** The dashboard's read side: the queries behind the page's API, each one statement on the reader connection. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ReportEntry } from '../activities/types';
import type { FiredAlert } from './store';
import { sqlInt } from './schema';

export interface LeaderboardRow {
  tweetId: string;
  count: number;
  /** Change in the last tick (the latest minute of the store). */
  lastMinute: number;
  /** Change over the last 15 ticks. */
  last15Minutes: number;
  minuteMs: number;
  authorId: string | null;
  screenName: string | null;
  text: string | null;
}

export interface Leaderboard {
  /** The latest minute the store has; null before the first point. */
  minuteMs: number | null;
  rows: LeaderboardRow[];
}

/** [minute ms, count] points of a tweet, in minute order: only the minutes in which its count changed. */
export type Series = Array<[number, number]>;

export interface StoredReport {
  atMs: number;
  entries: ReportEntry[];
}

export interface AlertRow extends FiredAlert {
  deliveredAtMs: number | null;
  attempts: number;
  lastError: string | null;
  screenName: string | null;
}

const TWEET_ID = /^[1-9][0-9]{0,19}$/;

/** True for a tweet id the queries accept (a decimal snowflake). */
export function isTweetId(id: string): boolean {
  return TWEET_ID.test(id) && (id.length < 20 || id <= '18446744073709551615');
}

async function rows<T>(
  db: DuckDBConnection,
  sql: string,
  values?: Record<string, string | number | bigint>,
): Promise<T[]> {
  return (await db.runAndReadAll(sql, values)).getRowObjectsJS() as unknown as T[];
}

/** The store's latest minute, or null when it is empty. */
export async function latestMinute(db: DuckDBConnection): Promise<number | null> {
  const [row] = await rows<{ m: number | null }>(db, 'SELECT max(minute_ms)::DOUBLE AS m FROM latest');
  return row?.m ?? null;
}

/**
 * The top `limit` tweets by current count with their recent changes and whatever is known of them. A change is
 * retweets gained while tracked, as the alerts count them: a tweet's first point (the count it was found with,
 * 630 for a tweet tracked late) is no change.
 */
export async function leaderboard(db: DuckDBConnection, limit: number, tickMs: number): Promise<Leaderboard> {
  const now = await latestMinute(db);
  if (now === null) return { minuteMs: null, rows: [] };
  // Constants, not a subquery: DuckDB then skips every row group older than the 15-tick window by its min/max.
  const since = sqlInt(now - 15 * tickMs);
  const result = await rows<LeaderboardRow>(
    db,
    `WITH top AS (
       SELECT tweet_id, count, minute_ms, author_id, first_minute_ms FROM latest
       ORDER BY count DESC, tweet_id LIMIT ${sqlInt(limit)}),
     recent AS (
       SELECT c.tweet_id, sum(c.delta) FILTER (WHERE c.minute_ms > ${sqlInt(now - tickMs)}) AS d1, sum(c.delta) AS d15
       FROM counts AS c JOIN top USING (tweet_id)
       WHERE c.minute_ms > ${since} AND c.minute_ms <> top.first_minute_ms GROUP BY c.tweet_id)
     SELECT top.tweet_id::VARCHAR AS "tweetId", top.count, coalesce(d1, 0)::INTEGER AS "lastMinute",
       coalesce(d15, 0)::INTEGER AS "last15Minutes", top.minute_ms::DOUBLE AS "minuteMs",
       coalesce(top.author_id, i.author_id)::VARCHAR AS "authorId", i.screen_name AS "screenName", i.text
     FROM top LEFT JOIN recent USING (tweet_id) LEFT JOIN tweet_info AS i USING (tweet_id)
     ORDER BY top.count DESC, top.tweet_id`,
  );
  return { minuteMs: now, rows: result };
}

/** The points of the given tweets, keyed by tweet id. */
export async function seriesOf(db: DuckDBConnection, tweetIds: string[]): Promise<Record<string, Series>> {
  const ids = tweetIds.filter(isTweetId);
  const out: Record<string, Series> = Object.fromEntries(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const points = await rows<{ id: string; m: number; c: number }>(
    db,
    `SELECT tweet_id::VARCHAR AS id, minute_ms::DOUBLE AS m, count AS c FROM counts
     WHERE tweet_id IN (${ids.map((id) => `${id}::UBIGINT`).join(',')}) ORDER BY tweet_id, minute_ms`,
  );
  for (const p of points) out[p.id].push([p.m, p.c]);
  return out;
}

/** Reports, newest first. */
export async function reports(db: DuckDBConnection, limit: number): Promise<StoredReport[]> {
  const list = await rows<{ atMs: number; entries: string }>(
    db,
    `SELECT at_ms::DOUBLE AS "atMs", entries FROM reports ORDER BY at_ms DESC LIMIT ${sqlInt(limit)}`,
  );
  return list.map((r) => ({ atMs: r.atMs, entries: JSON.parse(r.entries) as ReportEntry[] }));
}

/** Alerts fired, newest first. */
export async function alerts(db: DuckDBConnection, limit: number): Promise<AlertRow[]> {
  return rows<AlertRow>(
    db,
    `SELECT a.rule, a.tweet_id::VARCHAR AS "tweetId", a.minute_ms::DOUBLE AS "minuteMs", a.count, a.fired_at_ms::DOUBLE AS "firedAtMs",
       a.delivered_at_ms::DOUBLE AS "deliveredAtMs", a.attempts, a.last_error AS "lastError", i.screen_name AS "screenName"
     FROM alerts AS a LEFT JOIN tweet_info AS i USING (tweet_id) ORDER BY a.fired_at_ms DESC, a.rule, a.tweet_id LIMIT ${sqlInt(limit)}`,
  );
}

/** Alerts whose webhook has not acknowledged them yet, oldest first. */
export async function undeliveredAlerts(db: DuckDBConnection): Promise<AlertRow[]> {
  return rows<AlertRow>(
    db,
    `SELECT a.rule, a.tweet_id::VARCHAR AS "tweetId", a.minute_ms::DOUBLE AS "minuteMs", a.count, a.fired_at_ms::DOUBLE AS "firedAtMs",
       NULL AS "deliveredAtMs", a.attempts, a.last_error AS "lastError", i.screen_name AS "screenName"
     FROM alerts AS a LEFT JOIN tweet_info AS i USING (tweet_id) WHERE a.delivered_at_ms IS NULL ORDER BY a.fired_at_ms, a.rule, a.tweet_id`,
  );
}

/** Sizes of the store: points, tweets, reports, and the minute range. */
export async function storeStats(db: DuckDBConnection): Promise<{
  points: number;
  tweets: number;
  reports: number;
  firstMinuteMs: number | null;
  lastMinuteMs: number | null;
}> {
  const [row] = await rows<{
    points: number;
    tweets: number;
    reports: number;
    firstMinuteMs: number | null;
    lastMinuteMs: number | null;
  }>(
    db,
    `SELECT (SELECT count(*) FROM counts)::DOUBLE AS points, (SELECT count(*) FROM latest)::DOUBLE AS tweets,
       (SELECT count(*) FROM reports)::DOUBLE AS reports, (SELECT min(minute_ms) FROM counts)::DOUBLE AS "firstMinuteMs",
       (SELECT max(minute_ms) FROM latest)::DOUBLE AS "lastMinuteMs"`,
  );
  return row;
}
