import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { demoLine } from '../../src/demo/child-lines';
import { requireTemporal } from '../support/services';

/**
 * The processes' logs (README, "Logs"): on stderr, one JSON object per line when stderr is not a terminal, with level,
 * time, message and context fields; LOG_LEVEL sets the least severe level written; an invalid one stops the process,
 * naming it. The bridge with no broker is the subject: it logs an info, a warning and an error within a second.
 */
const ROOT = join(__dirname, '..', '..');

interface LogLine {
  level: string;
  time: string;
  msg: string;
  process: string;
  [field: string]: unknown;
}

interface Exit {
  code: number | null;
  stdout: string;
  lines: LogLine[];
}

async function runBridge(env: NodeJS.ProcessEnv): Promise<Exit> {
  // The real server, so the bridge gets as far as waiting for Kafka (a hook would not run before concurrent tests).
  const temporal = await requireTemporal();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bridge/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal,
      KAFKA_BROKERS: '127.0.0.1:1',
      STARTUP_WAIT_SECONDS: '1',
      BRIDGE_METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      // Every line must parse: JSON.parse throws on a plain-text one.
      resolve({
        code,
        stdout,
        lines: stderr
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as LogLine),
      });
    }),
  );
}

describe('structured logs', () => {
  it.concurrent(
    'a process writes JSON lines on stderr (not a terminal) with level, time, message and context fields',
    async () => {
      const exit = await runBridge({});
      expect(exit.code).toBe(1);
      expect(exit.stdout).toBe('');
      for (const line of exit.lines) {
        expect(line).toMatchObject({ process: 'bridge', pid: expect.any(Number) as unknown });
        expect(new Date(line.time).toISOString()).toBe(line.time);
      }
      const metrics = exit.lines.find((line) => line.msg.startsWith('Metrics: '));
      expect(metrics).toMatchObject({
        level: 'info',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/) as unknown,
      });
      const waiting = exit.lines.find((line) =>
        line.msg.startsWith('Kafka not reachable at 127.0.0.1:1 (KAFKA_BROKERS)'),
      );
      expect(waiting).toMatchObject({ level: 'warn', brokers: '127.0.0.1:1' });
      expect(exit.lines.at(-1)).toMatchObject({
        level: 'error',
        msg: expect.stringContaining('cannot reach Kafka at 127.0.0.1:1 (KAFKA_BROKERS)') as unknown,
      });
    },
  );

  it.concurrent('LOG_LEVEL=warn leaves out the info lines', async () => {
    const exit = await runBridge({ LOG_LEVEL: 'warn' });
    expect(exit.code).toBe(1);
    expect(exit.lines.map((line) => line.level)).toEqual(expect.arrayContaining(['warn', 'error']));
    expect(exit.lines.filter((line) => line.level === 'info')).toEqual([]);
  });

  it.concurrent('an invalid LOG_LEVEL stops the process before anything starts, naming it', async () => {
    const exit = await runBridge({ LOG_LEVEL: 'verbose' });
    expect(exit.code).toBe(1);
    // Only the error: no metrics endpoint, no connection attempt came first.
    expect(exit.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: expect.stringContaining(
          'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, got "verbose"',
        ) as unknown,
      }),
    ]);
  });
});

describe("the demo's view of its children's logs", () => {
  const line = (fields: object) =>
    JSON.stringify({ time: '2026-11-26T10:00:00.000Z', pid: 1, hostname: 'h', ...fields });

  it('shows a log line as its message, tagged with the process, its level when not info', () => {
    const received = line({
      level: 'info',
      process: 'producer',
      msg: 'Received tweet #1 from @a[2]',
      source: 'stream',
    });
    expect(demoLine('producer', received)).toBe('[producer] Received tweet #1 from @a[2]');
    expect(demoLine('bridge', line({ level: 'warn', process: 'bridge', msg: 'Kafka not reachable' }))).toBe(
      '[bridge] WARN Kafka not reachable',
    );
  });

  it('shows any other line as it came', () => {
    expect(demoLine('worker', 'plain text')).toBe('[worker] plain text');
    expect(demoLine('worker', '{"not":"a log line"}')).toBe('[worker] {"not":"a log line"}');
  });
});
