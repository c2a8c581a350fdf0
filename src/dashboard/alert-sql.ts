/**
 * Alert rules as SQL over the batch just ingested (`fresh`, rows new to the store): a rule is evaluated on new
 * points only, so a replayed record never fires again, and the alerts table's key stops a second firing.
 */
import type { AlertRule } from './alert-rules';
import { sqlInt, sqlString } from './schema';

/** The INSERT that records every alert `rule` fires on the fresh rows; RETURNING the new ones. */
export function fireAlertsSql(rule: AlertRule, nowMs: number): string {
  const candidates = 'passes' in rule ? passesSql(rule.passes) : gainSql(rule.gain, rule.withinMinutes);
  return `
    INSERT INTO alerts (rule, tweet_id, minute_ms, count, fired_at_ms)
    SELECT ${sqlString(rule.name)}, tweet_id, minute_ms, count, ${sqlInt(nowMs)}
    FROM (${candidates}) AS hits
    QUALIFY row_number() OVER (PARTITION BY tweet_id ORDER BY minute_ms) = 1
    ON CONFLICT DO NOTHING
    RETURNING rule, tweet_id::VARCHAR AS "tweetId", minute_ms::DOUBLE AS "minuteMs", count, fired_at_ms::DOUBLE AS "firedAtMs"`;
}

function passesSql(passes: number): string {
  return `SELECT tweet_id, minute_ms, count FROM fresh WHERE count >= ${sqlInt(passes)}`;
}

/**
 * Gain at a point: the deltas of the window (minute - W, minute], i.e. count(minute) - count(minute - W). A
 * tweet's first point does not count: its delta is the count it was found with, not retweets gained under watch.
 */
function gainSql(gain: number, withinMinutes: number): string {
  const windowMs = withinMinutes * 60_000;
  return `
    SELECT w.tweet_id, w.minute_ms, w.count FROM (
      SELECT c.tweet_id, c.minute_ms, c.count,
        sum(CASE WHEN c.minute_ms = l.first_minute_ms THEN 0 ELSE c.delta END)
          OVER (PARTITION BY c.tweet_id ORDER BY c.minute_ms RANGE BETWEEN ${sqlInt(windowMs - 1)} PRECEDING AND CURRENT ROW) AS gained
      FROM counts AS c JOIN latest AS l USING (tweet_id)
      WHERE c.minute_ms > (SELECT min(minute_ms) FROM fresh) - ${sqlInt(windowMs)}
        AND c.tweet_id IN (SELECT DISTINCT tweet_id FROM fresh)
    ) AS w
    SEMI JOIN fresh AS f ON f.tweet_id = w.tweet_id AND f.minute_ms = w.minute_ms
    WHERE w.gained >= ${sqlInt(gain)}`;
}
