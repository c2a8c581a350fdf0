/**
 * A Temporal dev server of the chaos run alone: the `temporal` CLI that `scripts/stack.sh` installs, on free ports,
 * with its own SQLite file, so it can be SIGKILLed and restarted (same ports, same state) without touching the
 * shared server on 7233.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portAnswers, waitUntil } from './ports';

const CACHE_DIR = process.env.RT_CACHE_DIR ?? join(homedir(), '.cache', 'retweet-tracker');
export const TEMPORAL_BIN = join(CACHE_DIR, 'bin', 'temporal');

export interface PrivateTemporal {
  /** `127.0.0.1:<port>`, for TEMPORAL_ADDRESS. */
  readonly address: string;
  /** Every port it listens on (gRPC, HTTP API, metrics): checked for leftovers at the end. */
  readonly ports: number[];
  /** Process ids of every server process started, killed ones included. */
  readonly pids: number[];
  readonly logPath: string;
  /** Starts the server (again, same ports and database) and waits until it reports healthy. */
  start(): Promise<void>;
  /** SIGKILLs the server and waits until its port is closed. */
  kill(): Promise<void>;
  /** Kills it and removes its database. */
  close(): Promise<void>;
}

/** Asks the server's health service, as `scripts/stack.sh` does; asynchronous, so the emulator in this process keeps serving. */
function healthy(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(TEMPORAL_BIN, ['operator', 'cluster', 'health', '--address', address], { timeout: 5000 }, (error) =>
      resolve(!error),
    );
  });
}

/** Starts a private dev server on free ports; `close()` it when done. */
export async function startPrivateTemporal(): Promise<PrivateTemporal> {
  if (!existsSync(TEMPORAL_BIN))
    throw new Error(`temporal CLI not found at ${TEMPORAL_BIN}: install it with \`npm run stack -- install\``);
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'chaos-temporal-'));
  const logPath = join(dir, 'server.log');
  const address = `127.0.0.1:${port}`;
  const pids: number[] = [];
  let server: ChildProcess | undefined;
  const killOnExit = (): void => void server?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (server && server.exitCode === null && server.signalCode === null) return;
    const log = createWriteStream(logPath, { flags: 'a' });
    // Headless: the chaos run needs no Web UI, and one process less to compete for the 2 cores.
    server = spawn(
      TEMPORAL_BIN,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--http-port',
        String(httpPort),
        '--metrics-port',
        String(metricsPort),
        '--headless',
        '--db-filename',
        join(dir, 'temporal.db'),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.pipe(log);
    server.stderr?.pipe(log);
    if (server.pid) pids.push(server.pid);
    const started = server;
    await waitUntil(
      `the private Temporal server at ${address} (log: ${logPath})`,
      () => {
        if (started.exitCode !== null)
          throw new Error(`the private Temporal server exited while starting; see ${logPath}`);
        return healthy(address);
      },
      90_000,
    );
  };

  const kill = async (): Promise<void> => {
    const running = server;
    server = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
    await waitUntil('the private Temporal port to close', async () => !(await portAnswers(port)), 30_000);
  };

  await start();
  return {
    address,
    ports: [port, httpPort, metricsPort],
    pids,
    logPath,
    start,
    kill,
    close: async () => {
      await kill();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
