/**
 * Runs `src/demo/main.ts` as a user's `npm run demo` would run it after scripts/demo.sh (the shared stack is already
 * up, so the script's `stack.sh up` is skipped), with its files in temp folders of the test, and reads what it wrote.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTsProcess, type ManagedProcess } from '../../src/demo/child-processes';
import { requireKafka, requireTemporal } from '../support/services';

export interface DemoProcess {
  process: ManagedProcess;
  lines: string[];
  snapshotBase: string;
  /** The workflow id the demo printed. */
  workflowId(): string | undefined;
  /** This run's snapshot files (`counts-<tick ms>.txt`, found under the base folder at any depth), oldest first. */
  snapshotFiles(): string[];
  /** SIGTERM (the demo's own clean stop), and the exit code. */
  stop(): Promise<number | string>;
}

const ROOT = resolve(__dirname, '../..');

/** Starts the demo with `args` against the running stack; everything it writes goes to fresh temp folders. */
export async function startDemo(args: string[], extraEnv: Record<string, string> = {}): Promise<DemoProcess> {
  await requireTemporal();
  await requireKafka();
  const snapshotBase = mkdtempSync(join(tmpdir(), 'rt-demo-snapshots-'));
  const lines: string[] = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SNAPSHOT_DIR: snapshotBase,
    REPORT_DIR: mkdtempSync(join(tmpdir(), 'rt-demo-reports-')),
    DASHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'rt-demo-dashboard-')),
    // Free ports of their own: a user's dashboard (8080) and other runs' metrics endpoints stay undisturbed.
    DASHBOARD_PORT: '0',
    WORKER_METRICS_PORT: '0',
    WORKER_TEMPORAL_METRICS_PORT: '0',
    BRIDGE_METRICS_PORT: '0',
    PRODUCER_METRICS_PORT: '0',
    ...extraEnv,
  };
  // The real X token of a developer's shell would point the demo at the real X API.
  delete env.X_BEARER_TOKEN;
  const managed = startTsProcess({
    name: 'demo',
    script: join(ROOT, 'src/demo/main.ts'),
    args,
    env,
    onLine: (line) => lines.push(line),
  });
  return {
    process: managed,
    lines,
    snapshotBase,
    workflowId: () => lines.map((line) => /^Tracking as workflow (\S+)/.exec(line)?.[1]).find(Boolean),
    snapshotFiles: () => snapshotFilesUnder(snapshotBase),
    stop: () => managed.stop(30_000),
  };
}

/** `counts-<ms>.txt` files under `dir` at any depth, by tick. */
export function snapshotFilesUnder(dir: string): string[] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) =>
    /(^|\/)counts-\d+\.txt$/.test(path),
  );
  const tick = (path: string): number => Number(/counts-(\d+)\.txt$/.exec(path)![1]);
  return files.sort((a, b) => tick(a) - tick(b)).map((path) => join(dir, path));
}

/** A snapshot file as tweet id -> count. */
export function readCounts(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const match = /^\((\d+), (\d+)\)$/.exec(line);
    if (!match) throw new Error(`${file}: malformed line "${line}"`);
    counts.set(match[1], Number(match[2]));
  }
  return counts;
}

/** Resolves once `check` holds, polling every 200 ms; fails with `what` and the demo's last lines after `timeoutMs`. */
export async function waitUntil(
  demo: DemoProcess,
  what: string,
  check: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (demo.process.child.exitCode !== null)
      throw new Error(
        `the demo exited (${demo.process.child.exitCode}) before ${what}:\n${demo.lines.slice(-40).join('\n')}`,
      );
    if (Date.now() > deadline)
      throw new Error(`no ${what} within ${timeoutMs} ms; the demo's last lines:\n${demo.lines.slice(-40).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Terminates a demo run the test is done with (the next start of its scenario would); returns its status before. */
export async function closeRun(workflowId: string): Promise<string> {
  const connection = await Connection.connect({ address: await requireTemporal() });
  try {
    const handle = new Client({
      connection,
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    }).workflow.getHandle(workflowId);
    const status = (await handle.describe()).status.name;
    if (status === 'RUNNING') await handle.terminate('end of test');
    return status;
  } finally {
    await connection.close();
  }
}
