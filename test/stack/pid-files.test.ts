import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, pidAlive } from '../../scripts/chaos/ports';

/**
 * scripts/stack.sh keeps a pid file per server it started. A pid is reused once its process is gone (a reboot, a
 * crash): the script must then neither report the new owner as its server nor kill it on `down`. No server is
 * started here: a private state directory, ports where nothing listens, and an unrelated process behind the pid.
 */
const ROOT = resolve(__dirname, '../..');

function stack(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) =>
    execFile('bash', ['scripts/stack.sh', ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

describe('stack.sh and a stale pid file', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'rt-pid-files-'));
  const pidFile = join(stateDir, 'run', 'temporal.pid');
  // Not a Temporal server: what a reused pid would name.
  const unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    mkdirSync(join(stateDir, 'run'), { recursive: true });
    env = {
      ...process.env,
      RT_STATE_DIR: stateDir,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
    };
  });
  afterAll(() => {
    unrelated.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('`status` does not take the process for its server: it removes the pid file, saying so', async () => {
    writeFileSync(pidFile, String(unrelated.pid));
    const { code, output } = await stack(env, 'status');
    expect(code).toBe(0);
    expect(output).toContain(
      `stale pid file ${pidFile} (pid ${unrelated.pid} is not the temporal this script started): removed`,
    );
    expect(output).toMatch(/^temporal: down$/m);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('`down` leaves the process alone', async () => {
    writeFileSync(pidFile, String(unrelated.pid));
    const { code, output } = await stack(env, 'down', 'temporal');
    expect(code).toBe(0);
    expect(output).not.toContain('stopping temporal');
    expect(pidAlive(unrelated.pid as number)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
  });
});
