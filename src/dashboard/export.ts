/**
 * Exports of the store as CSV or Parquet through DuckDB's COPY: one tweet's series, every change in a time range,
 * or the snapshot of every tweet's count at one minute (what the worker's counts-<minute>.txt holds).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isTweetId } from './queries';
import { sqlInt, sqlString } from './schema';

export type ExportSelection =
  | { kind: 'tweet'; tweetId: string }
  | { kind: 'range'; fromMs: number; toMs: number }
  | { kind: 'minute'; minuteMs: number };

export type ExportFormat = 'csv' | 'parquet';

/** Ids as text (a JS reader of the file keeps every digit); the minute both as a timestamp and as epoch ms. */
const POINT_COLUMNS = `tweet_id::VARCHAR AS tweet_id, epoch_ms(minute_ms) AS minute, minute_ms, count, delta`;

/** The query an export copies out. */
export function exportQuery(selection: ExportSelection): string {
  switch (selection.kind) {
    case 'tweet':
      if (!isTweetId(selection.tweetId)) throw new Error(`not a tweet id: "${selection.tweetId}"`);
      return `SELECT ${POINT_COLUMNS} FROM counts WHERE tweet_id = ${selection.tweetId}::UBIGINT ORDER BY minute_ms`;
    case 'range':
      return `SELECT ${POINT_COLUMNS} FROM counts WHERE minute_ms BETWEEN ${sqlInt(selection.fromMs)} AND ${sqlInt(selection.toMs)}
              ORDER BY minute_ms, tweet_id`;
    case 'minute':
      // Each tweet's last point at or before the minute: its count then. Sorted like a snapshot file.
      return `SELECT tweet_id::VARCHAR AS tweet_id, epoch_ms(${sqlInt(selection.minuteMs)}) AS minute, ${sqlInt(selection.minuteMs)}::BIGINT AS minute_ms,
                arg_max(count, minute_ms) AS count
              FROM counts WHERE minute_ms <= ${sqlInt(selection.minuteMs)} GROUP BY tweet_id
              ORDER BY count DESC, length(tweet_id::VARCHAR), tweet_id::VARCHAR`;
  }
}

/** Writes the selection to `path` in the format; resolves with the number of rows written. */
export async function exportToFile(
  db: DuckDBConnection,
  selection: ExportSelection,
  format: ExportFormat,
  path: string,
): Promise<number> {
  const options = format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet, COMPRESSION zstd)';
  const result = await db.run(`COPY (${exportQuery(selection)}) TO ${sqlString(path)} ${options}`);
  return Number(result.rowsChanged);
}

/** A default file name for an export, e.g. `tweet-123.csv`, `range-<from>-<to>.parquet`, `minute-<ms>.csv`. */
export function exportFileName(selection: ExportSelection, format: ExportFormat): string {
  const base =
    selection.kind === 'tweet'
      ? `tweet-${selection.tweetId}`
      : selection.kind === 'range'
        ? `range-${selection.fromMs}-${selection.toMs}`
        : `minute-${selection.minuteMs}`;
  return `${base}.${format}`;
}

/** Reads a selection from query parameters or CLI options: `tweet=ID`, `from=MS&to=MS`, or `minute=MS`. */
export function parseExportSelection(get: (name: string) => string | undefined): ExportSelection {
  const tweet = get('tweet');
  const minute = get('minute');
  const from = get('from');
  const to = get('to');
  const given = [tweet !== undefined, minute !== undefined, from !== undefined || to !== undefined].filter(
    Boolean,
  ).length;
  if (given !== 1) throw new Error('choose one of: tweet=<id>, minute=<epoch ms>, from=<epoch ms>&to=<epoch ms>');
  if (tweet !== undefined) {
    if (!isTweetId(tweet)) throw new Error(`tweet must be a tweet id, got "${tweet}"`);
    return { kind: 'tweet', tweetId: tweet };
  }
  if (minute !== undefined) return { kind: 'minute', minuteMs: epochMs('minute', minute) };
  const fromMs = epochMs('from', from);
  const toMs = epochMs('to', to);
  if (fromMs > toMs) throw new Error('from must not be after to');
  return { kind: 'range', fromMs, toMs };
}

/** Reads a format name: csv or parquet. */
export function parseExportFormat(raw: string | undefined): ExportFormat {
  const format = (raw ?? 'csv').toLowerCase();
  if (format !== 'csv' && format !== 'parquet') throw new Error(`format must be csv or parquet, got "${raw}"`);
  return format;
}

/** Epoch ms, or an ISO date-time (`2026-11-26T07:00:00Z`). */
function epochMs(name: string, raw: string | undefined): number {
  if (raw === undefined) throw new Error(`${name} is required`);
  const value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be epoch ms or an ISO date-time, got "${raw}"`);
  return value;
}
