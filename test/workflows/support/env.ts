import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, type ActivityLog, type TrackingActivities } from '../../../src/activities';
import { createTrackingWorker, outputSinks } from '../../../src/temporal/tracking-worker';
import type { TweetLookup } from '../../../src/x/types';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../src/emulator';
import { createXClient, type XClient } from '../../../src/x/client';
import { makeXConfig } from '../../../src/x/config';
import { requireTemporal, requireTestServer } from '../../support/services';
import { TEST_NAMESPACE } from '../../support/namespace';

/** Quiet logs: only warnings and errors from the SDK and core. */
export function quietRuntime(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** A time-skipping environment on the Java test server installed by the stack script (no download). */
export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireTestServer() } },
  });
}

/** The workflow code, bundled once per test file. */
export function bundleTracking(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../../src/workflows'),
    logger: new DefaultLogger('WARN'),
  });
}

/** What a time-skipping test file shares: one environment and one bundle, set up before its tests. */
export interface TimeSkippingSuite {
  readonly env: TestWorkflowEnvironment;
  readonly workflowBundle: WorkflowBundleWithSourceMap;
  /** A worker on a fresh task queue of the environment, running these activities and recording what is printed. */
  createWorker(test: Pick<TestActivities, 'activities' | 'log'>): Promise<{ worker: Worker; taskQueue: string }>;
}

/** Registers beforeAll/afterAll for a time-skipping test file; read the fields inside tests. */
export function timeSkippingSuite(): TimeSkippingSuite {
  let env: TestWorkflowEnvironment | undefined;
  let workflowBundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    quietRuntime();
    [env, workflowBundle] = await Promise.all([timeSkippingEnv(), bundleTracking()]);
  });
  afterAll(async () => {
    await env?.teardown();
  });
  const suite: TimeSkippingSuite = {
    get env() {
      if (!env) throw new Error('the time-skipping environment is not set up (use it inside a test)');
      return env;
    },
    get workflowBundle() {
      if (!workflowBundle) throw new Error('the workflow bundle is not built (use it inside a test)');
      return workflowBundle;
    },
    async createWorker({ activities, log }) {
      const taskQueue = uniqueId('tq');
      const worker = await Worker.create({
        connection: suite.env.nativeConnection,
        taskQueue,
        workflowBundle: suite.workflowBundle,
        activities,
        sinks: log.sinks,
      });
      return { worker, taskQueue };
    },
  };
  return suite;
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** Keeps what the workflow prints (through its output sink, see `sinks`), for assertions; diagnostics dropped. */
export class RecordingLog implements ActivityLog {
  readonly printed: string[] = [];
  print(text: string): void {
    this.printed.push(text);
  }
  info(): void {}
  /** The worker's `sinks` option that records the product's printed output here. */
  get sinks() {
    return outputSinks((text) => this.print(text));
  }
}

export interface TestActivities {
  activities: TrackingActivities;
  snapshotDir: string;
  reportDir: string;
  log: RecordingLog;
}

/** Real activities over fresh temp directories and the given X. */
export async function testActivities(x: TweetLookup): Promise<TestActivities> {
  const root = await mkdtemp(join(tmpdir(), 'rt-wf-'));
  const log = new RecordingLog();
  const snapshotDir = join(root, 'snapshots');
  const reportDir = join(root, 'reports');
  return { activities: createActivities({ x, snapshotDir, reportDir, clock: Date, log }), snapshotDir, reportDir, log };
}

export interface Snapshot {
  tickMs: number;
  lines: string[];
}

/**
 * Every `counts-<ms>.txt` of the directory's workflow folders (each test's base directory serves one workflow; the
 * worker writes under `<dir>/<workflow id>/`), and of the directory itself for activities called directly; oldest first.
 */
export async function readSnapshots(dir: string): Promise<Snapshot[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const dirs = [dir, ...entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name))];
  const files: string[] = [];
  for (const d of dirs) {
    for (const name of await readdir(d).catch(() => [] as string[]))
      if (/^counts-\d+\.txt$/.test(name)) files.push(join(d, name));
  }
  const snapshots = await Promise.all(
    files.map(async (file) => ({
      tickMs: Number(/counts-(\d+)\.txt$/.exec(file)![1]),
      lines: (await readFile(file, 'utf8')).split('\n').filter(Boolean),
    })),
  );
  return snapshots.sort((a, b) => a.tickMs - b.tickMs);
}

/** Names of files in a directory matching the pattern, sorted. */
export async function listFiles(dir: string, pattern: RegExp): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => pattern.test(n)).sort();
}

/** Polls (real time) until `check` returns a value, failing with the last value after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the workflow's status reports at least `ticks` ticks. */
export async function waitForTicks(handle: WorkflowHandle, ticks: number, timeoutMs = 60_000) {
  const { status } = await import('../../../src/workflows/definitions');
  return waitFor(
    `tick ${ticks}`,
    async () => {
      const s = await handle.query(status);
      return s.tickNumber >= ticks ? s : undefined;
    },
    timeoutMs,
  );
}

/** What a dev-server test file shares: the X emulator, an X client for it, and connections to the dev server. */
export interface DevServerSuite {
  readonly emulator: RunningEmulator;
  readonly xClient: XClient;
  readonly connection: NativeConnection;
  readonly client: Client;
  readonly workflowBundle: WorkflowBundleWithSourceMap;
  /** The product's worker on the dev server (tests' namespace), for these activities; what it prints is dropped. */
  createWorker(taskQueue: string, activities: TrackingActivities): Promise<Worker>;
}

/** Registers beforeAll/afterAll for a dev-server test file with its own emulator; read the fields inside tests. */
export function devServerSuite(
  emulatorOptions: EmulatorOptions,
  prepare?: (emulator: RunningEmulator) => void,
): DevServerSuite {
  let suite: Omit<DevServerSuite, 'createWorker'> | undefined;
  beforeAll(async () => {
    quietRuntime();
    const address = await requireTemporal();
    const emulator = await startEmulator(emulatorOptions);
    prepare?.(emulator);
    const xClient = createXClient(
      makeXConfig({ bearerToken: emulator.bearerToken, baseUrl: emulator.url, caFile: emulator.caFile }),
    );
    const [connection, workflowBundle] = await Promise.all([NativeConnection.connect({ address }), bundleTracking()]);
    suite = {
      emulator,
      xClient,
      connection,
      workflowBundle,
      client: new Client({ connection: await Connection.connect({ address }), namespace: TEST_NAMESPACE }),
    };
  });
  afterAll(async () => {
    await suite?.client.connection.close();
    await suite?.connection.close();
    suite?.xClient.close();
    await suite?.emulator.close();
  });
  const get = (): Omit<DevServerSuite, 'createWorker'> => {
    if (!suite) throw new Error('the dev-server suite is not set up (use it inside a test)');
    return suite;
  };
  return {
    get emulator() {
      return get().emulator;
    },
    get xClient() {
      return get().xClient;
    },
    get connection() {
      return get().connection;
    },
    get client() {
      return get().client;
    },
    get workflowBundle() {
      return get().workflowBundle;
    },
    createWorker: (taskQueue, activities) =>
      createTrackingWorker({
        connection: get().connection,
        namespace: TEST_NAMESPACE,
        taskQueue,
        activities,
        workflowCode: { workflowBundle: get().workflowBundle },
        print: () => undefined,
      }),
  };
}
