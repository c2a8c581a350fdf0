import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { WORKFLOW_TYPE } from '../../src/shared/names';
import { TEST_NAMESPACE } from '../support/namespace';
import { requireTemporal } from '../support/services';

/**
 * Each bad configuration a user can make stops the real entry point (as `npm run <script>` starts it) with a message
 * that names the variable to fix, a non-zero exit code, within 10 s.
 */
const ROOT = join(__dirname, '..', '..');
const LIMIT_MS = 10_000;
/** Port 1 on loopback: nothing listens there, so a connection is refused at once. */
const NOBODY = '127.0.0.1:1';

interface Exit {
  code: number | null;
  output: string;
  stderr: string;
  ms: number;
}

/** Runs an entry point with node and tsx (no npm or tsx wrapper), collecting what it prints, until it exits. */
function run(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Exit> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  // Far past the limit: a process that hangs fails the assertion on `ms` instead of the whole file.
  const killer = setTimeout(() => child.kill('SIGKILL'), 3 * LIMIT_MS);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output, stderr, ms: Date.now() - started });
    }),
  );
}

const expectFailure = (exit: Exit, message: RegExp) => {
  expect(exit.output).toMatch(message);
  expect(exit.code).not.toBe(0);
  expect(exit.code).not.toBeNull();
  expect(exit.ms).toBeLessThan(LIMIT_MS);
};

/** What each long-running process needs besides Kafka to get as far as connecting to it. */
const PROCESSES: Array<[name: string, script: string, env: NodeJS.ProcessEnv, args: string[]]> = [
  ['bridge', 'src/bridge/main.ts', {}, []],
  ['producer', 'src/producer/main.ts', {}, ['--replay', '/dev/null']],
  [
    'dashboard',
    'src/dashboard/main.ts',
    { DASHBOARD_PORT: '0', DASHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'rt-startup-')) },
    [],
  ],
  ['worker', 'src/worker.ts', { X_BEARER_TOKEN: 'not-used', COUNTS_CHANGELOG: 'on' }, []],
];

describe('start-up errors that say what to fix', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: await requireTemporal() });
  });
  afterAll(async () => connection?.close());

  it('`npm run tracking -- status` with the Temporal server down names the address and TEMPORAL_ADDRESS', async () => {
    const exit = await run('src/cli/tracking.ts', { TEMPORAL_ADDRESS: NOBODY }, ['status']);
    expectFailure(exit, /cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\)/);
  });

  // Two ways of having no worker: none ever polled (answered at once), or one polled and is gone or hung (answered
  // when the query deadline passes: the server remembers pollers for minutes).
  it.each([
    ['none polled lately', false],
    ['one took a task and went silent', true],
  ])(
    '`npm run tracking -- status` with no worker (%s) names the task queue and says to start one',
    async (_case, polled) => {
      const client = new Client({ connection, namespace: TEST_NAMESPACE });
      const workflowId = `startup-errors-${randomUUID()}`;
      const taskQueue = `nobody-serves-${randomUUID()}`;
      const handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [{}] });
      try {
        // Takes the first workflow task and never completes it, as a worker killed mid-task would.
        if (polled) {
          const poll = () =>
            connection.workflowService.pollWorkflowTaskQueue({
              namespace: TEST_NAMESPACE,
              taskQueue: { name: taskQueue },
              identity: 'silent',
            });
          expect((await connection.withDeadline(Date.now() + 10_000, poll)).taskToken).toBeTruthy();
        }
        const exit = await run('src/cli/tracking.ts', { TRACKING_WORKFLOW_ID: workflowId }, ['status']);
        expectFailure(exit, new RegExp(`no worker is serving task queue ${taskQueue}: start \`npm run worker\``));
      } finally {
        await handle.terminate('test over').catch(() => undefined);
      }
    },
  );

  it('`npm run worker` with TEMPORAL_ADDRESS where nothing listens prints one line naming both, no stack trace', async () => {
    // Metrics off: their endpoints' lines would come before the error.
    const quiet = { WORKER_METRICS_PORT: 'off', WORKER_TEMPORAL_METRICS_PORT: 'off' };
    const exit = await run('src/worker.ts', {
      ...quiet,
      TEMPORAL_ADDRESS: NOBODY,
      COUNTS_CHANGELOG: 'off',
      X_BEARER_TOKEN: 'not-used',
    });
    expectFailure(exit, /cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\): Connection refused\b/);
    expect(exit.code).toBe(1);
    // One log line (JSON: stderr is a pipe here), its message the whole story, no stack trace.
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
    const line = JSON.parse(exit.stderr) as { level: string; msg: string; stack?: string };
    expect(line).toMatchObject({
      level: 'error',
      msg: expect.stringMatching(
        /^cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\): Connection refused\b/,
      ) as unknown,
    });
    expect(line.stack).toBeUndefined();
  });

  it.each([
    ['KAFKA_BROKERS', 'src/bridge/main.ts'],
    ['TEMPORAL_ADDRESS', 'src/cli/tracking.ts'],
  ])('an empty %s is an error naming it, not a silent default', async (variable, script) => {
    const exit = await run(
      script,
      { [variable]: '', X_BEARER_TOKEN: 'not-used' },
      script.includes('cli') ? ['status'] : [],
    );
    expectFailure(exit, new RegExp(`${variable} is set but empty`));
  });
});

// A block of its own: its tests run concurrently (each waits out its STARTUP_WAIT_SECONDS, they share nothing), and
// jest starts a block's concurrent tests at once, which would slow down the timed ones above.
describe('start-up errors: no Kafka broker', () => {
  it.concurrent.each(PROCESSES)(
    'the %s, with no broker at KAFKA_BROKERS, waits a bounded, logged while, then exits naming it',
    async (_name, script, env, args) => {
      const exit = await run(script, { ...env, KAFKA_BROKERS: NOBODY, STARTUP_WAIT_SECONDS: '1' }, args);
      expectFailure(exit, /cannot reach Kafka at 127\.0\.0\.1:1 \(KAFKA_BROKERS\) within 1 s/);
      expect(exit.output).toMatch(/Kafka not reachable at 127\.0\.0\.1:1 \(KAFKA_BROKERS\).*waiting \d+ s more/);
      // Not kafkajs's connection-refused JSON lines.
      expect(exit.output).not.toContain('"logger":"kafkajs"');
    },
  );
});
