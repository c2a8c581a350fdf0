/**
 * The dashboard's store: the counts changelog materialised in DuckDB. Ingest is idempotent: a (tweet, minute)
 * already stored is skipped, so a redelivered Kafka batch (a restart before its offsets were committed) neither
 * loses nor doubles a point. One writer connection, serialised; reads go through their own connection.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ReportEntry } from '../activities/types';
import type { CountRecord, ReportRecord } from '../kafka/changelog-record';
import type { AlertRule } from './alert-rules';
import { fireAlertsSql } from './alert-sql';
import { SCHEMA, STAGING, sqlInt } from './schema';

/** An alert as stored (and shown, and posted). */
export interface FiredAlert {
  rule: string;
  tweetId: string;
  minuteMs: number;
  count: number;
  firedAtMs: number;
}

export interface IngestResult {
  /** Points new to the store (the rest were already there). */
  inserted: number;
  fired: FiredAlert[];
}

export interface StoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  readOnly?: boolean;
  alertRules?: AlertRule[];
  clock?: () => number;
}

export class DashboardStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    /** For queries: DuckDB runs them beside an ingest (MVCC), so the page never waits for a batch. */
    readonly reader: DuckDBConnection,
    private readonly options: StoreOptions,
  ) {}

  /** Opens (creating if needed) the store's file and schema. */
  static async open(options: StoreOptions): Promise<DashboardStore> {
    if (options.path !== ':memory:' && !options.readOnly) mkdirSync(dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(options.path, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
    const writer = await instance.connect();
    if (!options.readOnly) {
      await writer.run(SCHEMA);
      await writer.run(STAGING);
    }
    return new DashboardStore(instance, writer, await instance.connect(), options);
  }

  /** Stores count points; resolves once they are committed (then, and only then, may their offsets be). */
  ingestCounts(records: CountRecord[]): Promise<IngestResult> {
    return this.serialised(() => this.ingest(records));
  }

  /** Stores a report and the screen names and texts it carries; a report seen before is replaced by itself. */
  ingestReport(report: ReportRecord): Promise<void> {
    return this.serialised(async () => {
      await this.writer.run('BEGIN');
      try {
        await this.writer.run('INSERT OR REPLACE INTO reports VALUES ($1, $2)', [
          BigInt(report.atMs),
          JSON.stringify(report.entries),
        ]);
        for (const e of report.entries) await this.upsertInfo(e);
        await this.writer.run('COMMIT');
      } catch (error) {
        await this.writer.run('ROLLBACK');
        throw error;
      }
    });
  }

  /** Records a webhook attempt of an alert: delivered, or the error that will be retried. */
  markAlert(rule: string, tweetId: string, outcome: { deliveredAtMs?: number; error?: string }): Promise<void> {
    return this.serialised(async () => {
      await this.writer.run(
        'UPDATE alerts SET attempts = attempts + 1, delivered_at_ms = $1, last_error = $2 WHERE rule = $3 AND tweet_id = $4',
        [
          outcome.deliveredAtMs === undefined ? null : BigInt(outcome.deliveredAtMs),
          outcome.error ?? null,
          rule,
          BigInt(tweetId),
        ],
      );
    });
  }

  /** Writes the WAL into the file (so its size is the store's) and frees the connections. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (!this.options.readOnly) await this.writer.run('CHECKPOINT');
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  /** Forces a checkpoint: the file then holds every row (for size measurements). */
  async checkpoint(): Promise<void> {
    await this.serialised(() => this.writer.run('CHECKPOINT'));
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async ingest(records: CountRecord[]): Promise<IngestResult> {
    if (records.length === 0) return { inserted: 0, fired: [] };
    const appender = await this.writer.createAppender('staged', 'main', 'temp');
    let lo = Number.MAX_SAFE_INTEGER;
    let hi = 0;
    for (const r of records) {
      appender.appendUBigInt(BigInt(r.tweetId));
      appender.appendBigInt(BigInt(r.minuteMs));
      appender.appendInteger(r.count);
      appender.appendInteger(r.delta);
      if (r.authorId) appender.appendUBigInt(BigInt(r.authorId));
      else appender.appendNull();
      appender.endRow();
      if (r.minuteMs < lo) lo = r.minuteMs;
      if (r.minuteMs > hi) hi = r.minuteMs;
    }
    appender.closeSync();
    await this.writer.run('BEGIN');
    try {
      const result = await this.applyStaged(lo, hi);
      await this.writer.run('COMMIT');
      return result;
    } catch (error) {
      await this.writer.run('ROLLBACK');
      throw error;
    } finally {
      await this.writer.run('DELETE FROM staged');
    }
  }

  private async applyStaged(lo: number, hi: number): Promise<IngestResult> {
    // New points only: duplicates inside the batch collapse, points already stored are skipped. The minute range
    // is spliced as constants so DuckDB prunes row groups by their min/max instead of scanning the history.
    await this.writer.run(`
      CREATE OR REPLACE TEMP TABLE fresh AS
      SELECT s.tweet_id, s.minute_ms, s.count, s.delta, s.author_id FROM staged AS s
      ANTI JOIN (SELECT tweet_id, minute_ms FROM counts WHERE minute_ms BETWEEN ${sqlInt(lo)} AND ${sqlInt(hi)}) AS c
        ON c.tweet_id = s.tweet_id AND c.minute_ms = s.minute_ms
      QUALIFY row_number() OVER (PARTITION BY s.tweet_id, s.minute_ms) = 1`);
    const inserted = await this.writer.run(
      'INSERT INTO counts SELECT tweet_id, minute_ms, count, delta FROM fresh ORDER BY minute_ms',
    );
    await this.writer.run(`
      INSERT INTO latest
      SELECT tweet_id, max(minute_ms), arg_max(count, minute_ms), max(author_id), min(minute_ms) FROM fresh GROUP BY tweet_id
      ON CONFLICT (tweet_id) DO UPDATE SET
        count = CASE WHEN excluded.minute_ms >= latest.minute_ms THEN excluded.count ELSE latest.count END,
        minute_ms = greatest(excluded.minute_ms, latest.minute_ms),
        author_id = coalesce(excluded.author_id, latest.author_id),
        first_minute_ms = least(excluded.first_minute_ms, latest.first_minute_ms)`);
    const fired: FiredAlert[] = [];
    for (const rule of this.options.alertRules ?? []) {
      const reader = await this.writer.runAndReadAll(fireAlertsSql(rule, (this.options.clock ?? Date.now)()));
      fired.push(...(reader.getRowObjectsJS() as unknown as FiredAlert[]));
    }
    return { inserted: Number(inserted.rowsChanged), fired };
  }

  private async upsertInfo(e: ReportEntry): Promise<void> {
    await this.writer.run(
      `INSERT INTO tweet_info VALUES ($1, $2, $3, $4)
       ON CONFLICT (tweet_id) DO UPDATE SET author_id = excluded.author_id, screen_name = excluded.screen_name, text = excluded.text`,
      [BigInt(e.tweetId), /^\d+$/.test(e.authorId) ? BigInt(e.authorId) : null, e.screenName, e.text],
    );
  }
}
