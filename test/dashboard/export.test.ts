import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import type { CountsChangelog } from '../../src/kafka/changelog';
import type { CountRecord } from '../../src/kafka/changelog-record';
import { deleteTopics, testKafka } from '../kafka/helpers';
import { kafkaBrokers } from '../support/services';
import {
  publishPoints,
  startDashboardProcess,
  tempDbFile,
  testChangelog,
  testTopics,
  waitForPoints,
  type DashboardProcess,
} from './helpers';
import { scenarioChangelog } from './scenario-changelog';

/**
 * Exports equal what was fed: CSV and Parquet of one tweet's series, of a time range, and of a minute snapshot,
 * from the running dashboard's HTTP API and from `npm run export` (through the dashboard while it holds the
 * store, from the file itself once it stopped). Parquet is read back with DuckDB.
 */
const topics = testTopics();
const scenario = scenarioChangelog();
const dbFile = tempDbFile();
const outDir = dirname(dbFile);
let changelog: CountsChangelog;
let dashboard: DashboardProcess;

type Row = { tweetId: string; minuteMs: number; count: number; delta?: number };

const series = (id: string): Row[] =>
  scenario.points
    .filter((p) => p.tweetId === id)
    .map(({ tweetId, minuteMs, count, delta }) => ({ tweetId, minuteMs, count, delta }));
const range = (from: number, to: number): Row[] =>
  scenario.points
    .filter((p) => p.minuteMs >= from && p.minuteMs <= to)
    .map(({ tweetId, minuteMs, count, delta }) => ({ tweetId, minuteMs, count, delta }))
    .sort((a, b) => a.minuteMs - b.minuteMs || (BigInt(a.tweetId) < BigInt(b.tweetId) ? -1 : 1));
/** Every tweet's count at the minute: its last point at or before it, sorted like a snapshot file. */
function snapshot(minuteMs: number): Row[] {
  const last = new Map<string, CountRecord>();
  for (const p of scenario.points) if (p.minuteMs <= minuteMs) last.set(p.tweetId, p);
  return [...last.values()]
    .map((p) => ({ tweetId: p.tweetId, minuteMs, count: p.count }))
    .sort((a, b) => b.count - a.count || (BigInt(a.tweetId) < BigInt(b.tweetId) ? -1 : 1));
}

function parseCsv(text: string): Row[] {
  const [header, ...lines] = text.trim().split('\n');
  const cols = header.split(',');
  return lines.map((line) => {
    const cells = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]));
    const row: Row = { tweetId: cells.tweet_id, minuteMs: Number(cells.minute_ms), count: Number(cells.count) };
    if (cells.delta !== undefined) row.delta = Number(cells.delta);
    return row;
  });
}

async function readParquet(path: string): Promise<Row[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
    return (reader.getRowObjectsJS() as Array<Record<string, unknown>>).map((r) => {
      const row: Row = { tweetId: String(r.tweet_id), minuteMs: Number(r.minute_ms), count: Number(r.count) };
      if (r.delta !== undefined) row.delta = Number(r.delta);
      return row;
    });
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function httpExport(query: string, file: string): Promise<string> {
  const response = await fetch(`${dashboard.url}/api/export?${query}`);
  expect(response.status).toBe(200);
  const path = join(outDir, file);
  writeFileSync(path, Buffer.from(await response.arrayBuffer()));
  return path;
}

const runCli = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/dashboard/export-cli.ts', ...args], {
    env: { ...process.env, KAFKA_BROKERS: kafkaBrokers().join(','), DASHBOARD_DB_FILE: dbFile, ...env },
  });

beforeAll(async () => {
  changelog = await testChangelog(topics);
  await publishPoints(changelog, scenario.points);
  dashboard = await startDashboardProcess({ topics, dbFile, instanceId: 'export' });
  await waitForPoints(dashboard.url, scenario.points.length);
}, 120_000);

afterAll(async () => {
  await dashboard?.process.stop();
  await changelog?.close();
  await deleteTopics(await testKafka(), [topics.counts, topics.reports]);
});

const TWEET = '1790000000000000008';
const from = scenario.minuteMs(3);
const to = scenario.minuteMs(9);
const minute = scenario.minuteMs(10);

it.each(['csv', 'parquet'] as const)(
  'exports a tweet series, a time range and a minute snapshot as %s over HTTP',
  async (format) => {
    const read = (path: string) =>
      format === 'csv' ? Promise.resolve(parseCsv(readFileSync(path, 'utf8'))) : readParquet(path);
    expect(series(TWEET)).toHaveLength(14);
    expect(await read(await httpExport(`format=${format}&tweet=${TWEET}`, `tweet.${format}`))).toEqual(series(TWEET));
    expect(await read(await httpExport(`format=${format}&from=${from}&to=${to}`, `range.${format}`))).toEqual(
      range(from, to),
    );
    const snap = await read(await httpExport(`format=${format}&minute=${minute}`, `minute.${format}`));
    expect(snap).toEqual(snapshot(minute));
    // By hand from the scenario: at minute 10, #1 has 630+3+2+1+1+1 and #8 has 20+2*6.
    expect(snap.slice(0, 1)).toEqual([{ tweetId: '1790000000000000001', minuteMs: minute, count: 638 }]);
    expect(snap.find((r) => r.tweetId === TWEET)?.count).toBe(32);
  },
);

it('refuses an export that names no selection or two, saying what it expects', async () => {
  const response = await fetch(`${dashboard.url}/api/export?format=csv&tweet=${TWEET}&minute=${minute}`);
  expect(response.status).toBe(400);
  expect(await response.text()).toContain('choose one of');
});

it('exports from the CLI: through the running dashboard, then from the store file once it stopped', async () => {
  const viaHttp = join(outDir, 'cli-http.parquet');
  const first = await runCli(['--tweet', TWEET, '--format', 'parquet', '--out', viaHttp], {
    DASHBOARD_URL: dashboard.url,
  });
  expect(first.stdout).toContain('exported through');
  expect(await readParquet(viaHttp)).toEqual(series(TWEET));

  await dashboard.process.stop();
  const direct = join(outDir, 'cli-direct.csv');
  const second = await runCli(['--from', new Date(from).toISOString(), '--to', String(to), '--out', direct]);
  expect(second.stdout).toMatch(/wrote \d+ rows/);
  expect(parseCsv(readFileSync(direct, 'utf8'))).toEqual(range(from, to));
});
