/**
 * A Kafka broker of one test file alone, on free ports with its own log dir, that the test may kill, restart or
 * keep down: outages and restarts without touching the shared broker other tests use. It runs the same jars and
 * configuration template as `scripts/stack.sh` (KRaft, broker and controller in one JVM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, portAnswers } from '../../scripts/chaos/ports';
import { STACK_CACHE_DIR } from './services';

const ROOT = resolve(__dirname, '..', '..');

export interface PrivateKafkaOptions {
  /** Broker-side topic auto-creation (default false, like the shared broker). */
  autoCreateTopics?: boolean;
  /** Extra `server.properties` lines. */
  properties?: Record<string, string>;
}

export interface PrivateKafka {
  /** `127.0.0.1:<port>`, for KAFKA_BROKERS. */
  readonly brokers: string[];
  readonly dataDir: string;
  /** Starts the broker (again, on the same ports and data) and waits until it answers. */
  start(): Promise<void>;
  /** Kills the JVM (SIGKILL by default: a crash) and waits until the port is closed. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** kill(signal), then start() after `downMs`. */
  restart(downMs?: number, signal?: NodeJS.Signals): Promise<void>;
  /** Kills the broker and removes its data. */
  close(): Promise<void>;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`private Kafka: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function runJava(args: string[], logPath: string): ChildProcess {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(
    'java',
    ['-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${join(ROOT, 'stack/kafka/log4j2.properties')}`, '-cp', `${join(STACK_CACHE_DIR, 'kafka', 'lib')}/*`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Formats a fresh data dir and starts a broker on free ports; `close()` it in afterAll. */
export async function startPrivateKafka(options: PrivateKafkaOptions = {}): Promise<PrivateKafka> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'private-kafka-'));
  const dataDir = join(dir, 'data');
  const config = join(dir, 'server.properties');
  const logPath = join(dir, 'broker.log');
  const template = readFileSync(join(ROOT, 'stack/kafka/server.properties.template'), 'utf8')
    .replaceAll('@DATA_DIR@', dataDir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@CONTROLLER_PORT@', String(controllerPort));
  const extra = { 'auto.create.topics.enable': String(options.autoCreateTopics ?? false), ...options.properties };
  const lines = template.split('\n').filter((line) => !Object.keys(extra).some((name) => line.startsWith(`${name}=`)));
  writeFileSync(config, [...lines, ...Object.entries(extra).map(([name, value]) => `${name}=${value}`)].join('\n') + '\n');

  // A Kafka cluster id is a base64url UUID: 16 random bytes.
  const format = runJava(['kafka.tools.StorageTool', 'format', '--ignore-formatted', '-c', config, '-t', randomBytes(16).toString('base64url')], logPath);
  const [code] = (await once(format, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`private Kafka: formatting storage failed (exit ${code}); see ${logPath}`);

  let broker: ChildProcess | undefined;
  const killOnExit = (): void => {
    broker?.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (broker && broker.exitCode === null && broker.signalCode === null) return;
    broker = runJava(['kafka.Kafka', config], logPath);
    const started = broker;
    let exited = false;
    void once(started, 'exit').then(() => (exited = true));
    await waitFor(`the broker on port ${port}`, async () => {
      if (exited) throw new Error(`private Kafka: the broker exited while starting; see ${logPath}`);
      return portAnswers(port);
    }, 90_000);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = broker;
    broker = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
    await waitFor('the port to close', async () => !(await portAnswers(port)), 30_000);
  };
  await start();
  return {
    brokers: [`127.0.0.1:${port}`],
    dataDir,
    start,
    kill,
    restart: async (downMs = 0, signal: NodeJS.Signals = 'SIGKILL') => {
      await kill(signal);
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    close: async () => {
      await kill();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
