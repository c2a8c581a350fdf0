/** Shared by the dashboard tests: private changelog topics, the dashboard as a child process, a real browser. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTsProcess, type ManagedProcess } from '../../src/demo/child-processes';
import { createCountsChangelog, type ChangelogTopics, type CountsChangelog } from '../../src/kafka/changelog';
import type { CountRecord } from '../../src/kafka/changelog-record';
import { eventually } from '../kafka/helpers';
import { kafkaBrokers, requireKafka } from '../support/services';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags for a quiet, reproducible headless Chromium that calls nobody. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Topic names of this test alone. */
export function testTopics(): ChangelogTopics {
  const id = randomUUID();
  return { counts: `test.dashboard.counts.${id}`, reports: `test.dashboard.reports.${id}` };
}

/** The project's changelog publisher on the test's topics (it creates them). */
export async function testChangelog(topics: ChangelogTopics): Promise<CountsChangelog> {
  return createCountsChangelog(
    { brokers: await requireKafka(), clientId: 'dashboard-test', tweetsPartitions: 6 },
    topics,
  );
}

/** Publishes points minute by minute, as ticks would. */
export async function publishPoints(changelog: CountsChangelog, points: CountRecord[]): Promise<void> {
  const byMinute = new Map<number, CountRecord[]>();
  for (const p of points) byMinute.set(p.minuteMs, [...(byMinute.get(p.minuteMs) ?? []), p]);
  for (const [minuteMs, rows] of [...byMinute].sort((a, b) => a[0] - b[0]))
    await changelog.publishCounts(minuteMs, rows);
}

export interface DashboardProcess {
  url: string;
  process: ManagedProcess;
  lines: string[];
}

export interface DashboardEnv {
  topics: ChangelogTopics;
  dbFile: string;
  instanceId: string;
  extra?: Record<string, string>;
}

/** A fresh DuckDB file path in a temporary directory. */
export function tempDbFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'rt-dashboard-')), 'dashboard.duckdb');
}

/** Starts `src/dashboard/main.ts` as a child process on a free port; resolves once it serves. */
export async function startDashboardProcess(options: DashboardEnv): Promise<DashboardProcess> {
  const lines: string[] = [];
  const env = {
    ...process.env,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_COUNTS_TOPIC: options.topics.counts,
    KAFKA_REPORTS_TOPIC: options.topics.reports,
    DASHBOARD_PORT: '0',
    DASHBOARD_DB_FILE: options.dbFile,
    DASHBOARD_INSTANCE_ID: options.instanceId,
    // A workflow id no test runs: the status panel shows that it is not found, and nothing else depends on it.
    TRACKING_WORKFLOW_ID: `dashboard-test-${options.instanceId}`,
    DASHBOARD_STATUS_POLL_MS: '1000',
    ...options.extra,
  };
  const child = startTsProcess({
    name: `dashboard-${options.instanceId}`,
    script: 'src/dashboard/main.ts',
    env,
    onLine: (line) => lines.push(line),
  });
  const url = await eventually(
    `the dashboard to listen (output: ${lines.join(' | ')})`,
    () => {
      if (child.child.exitCode !== null) throw new Error(`dashboard exited: ${lines.join('\n')}`);
      return /listening on (http:\/\/\S+)/.exec(lines.join('\n'))?.[1];
    },
    60_000,
  );
  return { url, process: child, lines };
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface StatusBody {
  store: { points: number; tweets: number; reports: number };
  ingest: { records: number; inserted: number; malformed: number; reports: number };
}

/** Waits until the dashboard's store holds `points` points (and `reports` reports). */
export async function waitForPoints(url: string, points: number, reports = 0, timeoutMs = 60_000): Promise<StatusBody> {
  return eventually(
    `${points} points and ${reports} reports in the dashboard's store`,
    async () => {
      const body = await getJson<StatusBody>(`${url}/api/status`);
      return body.store.points >= points && body.store.reports >= reports ? body : undefined;
    },
    timeoutMs,
  );
}

/** Debian's Chromium under playwright-core, with a fresh profile; fails naming the missing browser. */
export async function launchBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (scripts/test.sh does)`,
    );
  const profile = mkdtempSync(join(tmpdir(), 'rt-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 1000 },
  });
}
