/**
 * Ctrl-C on `npm run demo`, as a terminal sends it: SIGINT to the demo's whole process group. The case that matters
 * is a demo whose own `stack.sh up` started Temporal and Kafka (they used to sit in its process group, and the
 * Temporal dev server died with it): so this file runs scripts/demo.sh against a PRIVATE stack (its own ports and
 * state directory), never the shared one, and stops that stack at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, pidAlive, sleep } from '../../scripts/chaos/ports';
import { waitForKafka } from '../../src/kafka/client';
import { readKafkaSettings } from '../../src/kafka/config';
import { silentLog } from '../../src/shared/log';
import { readTemporalConfig } from '../../src/temporal/config';
import { connectClient } from '../../src/temporal/connection';

const ROOT = resolve(__dirname, '../..');

/** A process of the test in its own process group, as a shell runs a job in a terminal, with its output collected. */
interface Job {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

function startJob(command: string, args: string[], env: NodeJS.ProcessEnv): Job {
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => output, exited };
}

/** Ctrl-C in a terminal: SIGINT to every process of the foreground job's group. */
const ctrlC = (job: Job): boolean => process.kill(-(job.child.pid as number), 'SIGINT');

/** The product's processes the demo runs (its node children): pid and command line. */
function productChildren(demoPid: number): Array<{ pid: number; command: string }> {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        return parent === demoPid && command.includes('src/') ? [{ pid: Number(entry), command }] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

async function until(what: string, check: () => boolean, job: Job, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${job.output().slice(-4000)}`);
    await sleep(200);
  }
}

describe('Ctrl-C on the demo', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'rt-ctrl-c-'));
  let env: NodeJS.ProcessEnv;
  const jobs: Job[] = [];
  /** The demos' children: killed at the end should a test fail before the demo stopped them. */
  const children: number[] = [];

  beforeAll(async () => {
    const [temporalPort, uiPort, kafkaPort, controllerPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    env = {
      ...process.env,
      // The private stack: stack.sh starts it here, in its own state directory.
      RT_STATE_DIR: stateDir,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_UI_URL: `http://127.0.0.1:${uiPort}`,
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      // The namespace `npm run demo` uses: the private server has no other.
      TEMPORAL_NAMESPACE: 'default',
      WORKFLOW_BUNDLE: join(stateDir, 'workflow-bundle.js'),
      SNAPSHOT_DIR: join(stateDir, 'snapshots'),
      REPORT_DIR: join(stateDir, 'reports'),
      DASHBOARD_DATA_DIR: join(stateDir, 'dashboard'),
      DASHBOARD_PORT: '0',
    };
    // The real X token of a developer's shell would point the demo at the real X API.
    delete env.X_BEARER_TOKEN;
  });

  afterAll(async () => {
    for (const job of jobs)
      if (job.child.exitCode === null && job.child.signalCode === null)
        process.kill(-(job.child.pid as number), 'SIGKILL');
    for (const pid of children.filter(pidAlive)) process.kill(pid, 'SIGKILL');
    // Stops exactly what the demo's stack.sh started (the private servers).
    await new Promise((done) =>
      spawn('bash', ['scripts/stack.sh', 'down'], { cwd: ROOT, env, stdio: 'ignore' }).once('exit', done),
    );
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('stops the product processes and leaves the Temporal and Kafka the demo started answering', async () => {
    const demo = startJob('bash', ['scripts/demo.sh', '--tick-seconds', '2'], env);
    jobs.push(demo);
    await until(
      'the worker polling and the bridge consuming',
      () => /polling task queue/.test(demo.output()) && /Bridge consuming/.test(demo.output()),
      demo,
    );
    // The servers this run started (stack.sh's pid files), and the demo's own processes.
    const servers = ['temporal', 'kafka'].map((name) =>
      Number(readFileSync(join(stateDir, 'run', `${name}.pid`), 'utf8')),
    );
    const started = productChildren(demo.child.pid as number).map((c) => c.pid);
    children.push(...started);
    expect(started).toHaveLength(4);

    ctrlC(demo);
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toMatch(/stopped; the workflow/);
    expect(started.filter(pidAlive)).toEqual([]);
    // What a Ctrl-C used to take with it: the servers, which the README says stay up.
    await sleep(1000);
    expect(servers.filter(pidAlive)).toEqual(servers);
    const client = await connectClient(readTemporalConfig(env));
    await client.connection.close();
    await expect(
      waitForKafka(readKafkaSettings(env, 'ctrl-c-test'), { waitMs: 0, log: silentLog }),
    ).resolves.toBeUndefined();
  });

  it('a second Ctrl-C while it stops kills what is still running at once, leaving no orphan', async () => {
    // The private stack is up from the test before; node directly, as scripts/demo.sh ends by exec'ing it.
    const demo = startJob(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', '--tick-seconds', '2'], env);
    jobs.push(demo);
    await until(
      'the worker polling and the bridge consuming',
      () => /polling task queue/.test(demo.output()) && /Bridge consuming/.test(demo.output()),
      demo,
    );
    const started = productChildren(demo.child.pid as number);
    children.push(...started.map((c) => c.pid));
    expect(started).toHaveLength(4);
    // A hung producer (frozen: SIGTERM waits until it runs again), the case for a second Ctrl-C: the clean stop,
    // which stops it first, would wait out its 10 s grace before even asking the others.
    const producer = started.find((c) => c.command.includes('src/producer/main.ts'))!.pid;
    process.kill(producer, 'SIGSTOP');

    ctrlC(demo);
    await until(
      'the clean stop to begin',
      () => demo.output().includes('stopping producer, bridge and worker'),
      demo,
      10_000,
    );
    // Past the window in which a signal counts as the same Ctrl-C (npm forwards the terminal's to the demo).
    await sleep(350);
    expect(started.map((c) => c.pid).filter(pidAlive)).toHaveLength(4);
    const sentAt = Date.now();
    ctrlC(demo);
    expect(await demo.exited).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(demo.output()).toContain('SIGINT again: killing the remaining processes now');
    expect(started.map((c) => c.pid).filter(pidAlive)).toEqual([]);
  });
});
