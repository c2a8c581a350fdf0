/**
 * The records of the counts changelog: `retweet-counts` carries one record per tweet whose count changed in a
 * minute (key: the tweet id), `retweet-reports` one record per top-5 report (key: its time). JSON with a version
 * field, like `tweets`, so a consumer can refuse a format it does not know.
 */
import type { Message } from 'kafkajs';
import type { ReportEntry } from '../activities/types';
import { isSnowflakeId } from '../domain/tweet-id';

/** A tweet whose count changed in a tick: `delta` is the change since the count published before it. */
export interface CountChange {
  tweetId: string;
  count: number;
  delta: number;
  authorId?: string;
}

/** One changelog point: the count of a tweet at the end of a minute (tick boundary, epoch ms). */
export interface CountRecord extends CountChange {
  minuteMs: number;
}

/** One top-N report as the workflow wrote it. */
export interface ReportRecord {
  atMs: number;
  entries: ReportEntry[];
}

const VERSION = 1;

/** The Kafka message of one count change; keyed by tweet id so a tweet's points stay in order on one partition. */
export function encodeCountRecord(minuteMs: number, change: CountChange): Message {
  const { tweetId, count, delta, authorId } = change;
  return { key: tweetId, value: JSON.stringify({ v: VERSION, tweetId, minuteMs, count, delta, authorId }) };
}

/** The Kafka message of one report; keyed by its time, so a republished report replaces the same key. */
export function encodeReportRecord(report: ReportRecord): Message {
  return {
    key: String(report.atMs),
    value: JSON.stringify({ v: VERSION, atMs: report.atMs, entries: report.entries }),
  };
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);

/** Parses a count record; undefined for anything malformed (the consumer skips and counts it). */
export function decodeCountRecord(value: Buffer | null): CountRecord | undefined {
  const r = parse(value);
  if (
    !r ||
    r.v !== VERSION ||
    !isSnowflakeId(r.tweetId) ||
    !isCount(r.minuteMs) ||
    !isCount(r.count) ||
    !isCount(r.delta)
  )
    return undefined;
  if (r.count < 0 || r.minuteMs < 0) return undefined;
  const authorId = isSnowflakeId(r.authorId) ? r.authorId : undefined;
  return { tweetId: r.tweetId, minuteMs: r.minuteMs, count: r.count, delta: r.delta, authorId };
}

/** Parses a report record; undefined for anything malformed. */
export function decodeReportRecord(value: Buffer | null): ReportRecord | undefined {
  const r = parse(value);
  if (!r || r.v !== VERSION || !isCount(r.atMs) || !Array.isArray(r.entries)) return undefined;
  const entries = (r.entries as unknown[]).filter(isReportEntry);
  return { atMs: r.atMs, entries };
}

function isReportEntry(e: unknown): e is ReportEntry {
  const o = e as Record<string, unknown> | null;
  return (
    !!o &&
    isSnowflakeId(o.tweetId) &&
    isCount(o.rank) &&
    isCount(o.retweets) &&
    typeof o.screenName === 'string' &&
    typeof o.text === 'string'
  );
}

function parse(value: Buffer | null): Record<string, unknown> | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
