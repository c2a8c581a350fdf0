/**
 * `npm run bench:dashboard [-- --tweets 20000 --hours 24 --kafka-rows 200000 --requests 300 --json FILE]`: the dashboard's store
 * on this machine. Ingest rate of changelog rows into DuckDB (decoded rows, and end to end from Kafka through the
 * dashboard's consumers), API latency of the leaderboard and of one tweet's series over HTTP with the full
 * history loaded, and the store's bytes per tracked tweet-day.
 *
 * The history is realistic: only changed counts are published; a tweet changes most minutes in its first hours,
 * then rarely; tweets are born throughout the day; gains are heavy-tailed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processEnv } from '../src/config/env';
import { ChangelogIngest } from '../src/dashboard/ingest';
import { EventHub } from '../src/dashboard/events';
import { createDashboardServer } from '../src/dashboard/server';
import type { DashboardStatus } from '../src/dashboard/status';
import { DashboardStore } from '../src/dashboard/store';
import { createCountsChangelog } from '../src/kafka/changelog';
import type { CountRecord } from '../src/kafka/changelog-record';
import { createKafka } from '../src/kafka/client';
import { readKafkaSettings } from '../src/kafka/config';
import { silentLog } from '../src/shared/log';
import type { AlertRule } from '../src/dashboard/alert-rules';
import { benchCommand, parseBenchFlags, wholeNumber, writeJsonResults } from './bench-flags';

const MINUTE = 60_000;
const RULES: AlertRule[] = [
  { name: 'fast', gain: 50, withinMinutes: 10 },
  { name: 'big', passes: 1000 },
];

interface Flags {
  tweets: number;
  hours: number;
  kafkaRows: number;
  requests: number;
  json?: string;
}

function parseFlags(): Flags {
  const command = benchCommand(
    'bench:dashboard',
    "The dashboard's store: ingest rate, API latency with the full history, bytes per tweet-day.",
  )
    .option('--tweets <n>', 'tracked tweets', wholeNumber('--tweets', 1, 1_000_000), 20_000)
    .option('--hours <n>', 'hours of changelog', wholeNumber('--hours', 1, 24 * 30), 24)
    .option(
      '--kafka-rows <n>',
      'rows sent through Kafka to the dashboard consumers (0: skip that run)',
      wholeNumber('--kafka-rows', 0),
      200_000,
    )
    .option('--requests <n>', 'HTTP requests per API latency measure', wholeNumber('--requests', 1, 1_000_000), 300);
  return parseBenchFlags<Flags>(command);
}

/** A seeded generator, so two runs measure the same data. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** The changelog of `tweets` tracked tweets over `hours`, in publication (minute) order. */
function history(tweets: number, hours: number): CountRecord[] {
  const rnd = random(7);
  const minutes = hours * 60;
  const start = Date.UTC(2026, 10, 1);
  const born = Array.from({ length: tweets }, () => Math.floor(rnd() * minutes));
  const counts = new Array<number>(tweets).fill(0);
  // A tweet's "heat": a few go viral, most get a handful of retweets (heavy tail).
  const heat = Array.from({ length: tweets }, () => 1 / Math.max(0.002, rnd()) ** 0.8);
  const rows: CountRecord[] = [];
  for (let m = 0; m < minutes; m++) {
    for (let t = 0; t < tweets; t++) {
      const age = m - born[t];
      if (age < 0) continue;
      // Changes most minutes at first, decaying over about two hours to one change an hour or so.
      const p = age < 180 ? 0.9 * Math.exp(-age / 45) + 0.02 : 0.015;
      if (rnd() > p) continue;
      const delta = 1 + Math.floor(rnd() * heat[t] * (age < 180 ? 3 : 0.5));
      counts[t] += delta;
      rows.push({
        tweetId: String(1_830_000_000_000_000_000n + BigInt(t)),
        minuteMs: start + m * MINUTE,
        count: counts[t],
        delta,
        authorId: String(1000 + (t % 8)),
      });
    }
  }
  return rows;
}

async function ingestAll(store: DashboardStore, rows: CountRecord[], batch: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += batch) await store.ingestCounts(rows.slice(i, i + batch));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Kafka → dashboard consumers → store, on a bench topic; seconds from consumer start to the last row stored. */
async function kafkaIngest(rows: CountRecord[], dir: string): Promise<number> {
  const settings = readKafkaSettings(processEnv(), 'bench-dashboard');
  const id = randomUUID();
  const topics = { counts: `bench.dashboard.counts.${id}`, reports: `bench.dashboard.reports.${id}` };
  const changelog = await createCountsChangelog(settings, topics);
  const byMinute = new Map<number, CountRecord[]>();
  for (const r of rows) byMinute.set(r.minuteMs, [...(byMinute.get(r.minuteMs) ?? []), r]);
  for (const [minuteMs, changes] of byMinute) await changelog.publishCounts(minuteMs, changes);
  await changelog.close();
  const kafka = createKafka(settings);
  const store = await DashboardStore.open({ path: join(dir, 'kafka.duckdb'), alertRules: RULES });
  let stored = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const ingest = new ChangelogIngest({
    kafka,
    groupId: `bench-dashboard-${id}`,
    topics,
    store,
    log: silentLog,
    onCounts: (result) => ((stored += result.inserted), stored >= rows.length && done()),
    onReport: () => undefined,
  });
  const started = process.hrtime.bigint();
  await ingest.start();
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await ingest.stop();
  await store.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topics.counts, topics.reports] }).catch(() => undefined);
  await admin.disconnect();
  return seconds;
}

async function latencies(base: string, paths: () => string, requests: number): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = process.hrtime.bigint();
    const response = await fetch(`${base}${paths()}`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)], p95: times[Math.floor(times.length * 0.95)] };
}

async function main(): Promise<void> {
  const { tweets, hours, kafkaRows, requests, json } = parseFlags();
  const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  try {
    console.log(`generating ${hours} h of changelog for ${tweets.toLocaleString('en-US')} tweets...`);
    const rows = history(tweets, hours);
    console.log(
      `${rows.length.toLocaleString('en-US')} rows (${(rows.length / tweets).toFixed(1)} changed minutes per tweet-day)`,
    );

    const dbFile = join(dir, 'store.duckdb');
    const store = await DashboardStore.open({ path: dbFile, alertRules: RULES });
    // Batches of the dashboard consumer's sub-batch size (src/dashboard/ingest.ts).
    const seconds = await ingestAll(store, rows, 10_000);
    const ingestRowsPerSec = rows.length / seconds;
    // A replay of the last hour (a restart before its offsets were committed): all skipped as duplicates.
    const replay = rows.slice(-Math.min(rows.length, 60_000));
    const replaySeconds = await ingestAll(store, replay, 10_000);
    await store.checkpoint();
    const bytesPerTweetDay = statSync(dbFile).size / (tweets * (hours / 24));

    const hub = new EventHub();
    const status: DashboardStatus = { polledAtMs: 0, workflowId: 'bench', workflowUrl: '' };
    const server = createDashboardServer({
      store,
      hub,
      tickMs: () => MINUTE,
      rules: RULES,
      instanceId: 'bench',
      status: () => status,
      ingestStats: () => ({ records: 0, inserted: 0, malformed: 0, reports: 0 }),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rnd = random(11);
    const board = await latencies(base, () => '/api/leaderboard?limit=20', requests);
    const series = await latencies(
      base,
      () => `/api/series?tweet=${1_830_000_000_000_000_000n + BigInt(Math.floor(rnd() * tweets))}`,
      requests,
    );
    server.closeAllConnections();
    server.close();
    hub.close();
    await store.close();

    let kafkaRowsPerSec: number | undefined;
    if (kafkaRows > 0) {
      const sample = rows.slice(0, kafkaRows);
      kafkaRowsPerSec = sample.length / (await kafkaIngest(sample, dir));
    }

    const fmt = (n: number, digits = 0) =>
      n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    const table = [
      ['measure', 'value', 'target'],
      ['rows in the store', fmt(rows.length), ''],
      ['ingest into the store (rows/s)', fmt(ingestRowsPerSec), '>= 50,000'],
      [
        `ingest Kafka -> store, ${fmt(Math.min(kafkaRows, rows.length))} rows (rows/s)`,
        kafkaRowsPerSec ? fmt(kafkaRowsPerSec) : 'skipped',
        '',
      ],
      [`replay of ${fmt(replay.length)} stored rows, all skipped (rows/s)`, fmt(replay.length / replaySeconds), ''],
      [`leaderboard top 20, p50 / p95 (ms)`, `${fmt(board.p50, 1)} / ${fmt(board.p95, 1)}`, 'p95 <= 50'],
      [`one tweet's series, p50 / p95 (ms)`, `${fmt(series.p50, 1)} / ${fmt(series.p95, 1)}`, 'p95 <= 50'],
      ['store bytes per tracked tweet-day', fmt(bytesPerTweetDay), '<= 2,048'],
    ];
    const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
    for (const [i, row] of table.entries()) {
      console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`);
      if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    }
    writeJsonResults(json, {
      ingestRowsPerSec: Math.round(ingestRowsPerSec),
      leaderboardP95Ms: board.p95,
      seriesP95Ms: series.p95,
      bytesPerTweetDay: Math.round(bytesPerTweetDay),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
