import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseDemoFlags } from '../../src/demo/flags';

/**
 * `npm run demo` checks its flags before anything slow: scripts/demo.sh must reject a bad flag, naming it, before it
 * brings the stack up or builds the workflow bundle, and within seconds.
 */
const ROOT = resolve(__dirname, '../..');

function runDemoScript(args: string[]): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn('bash', [join(ROOT, 'scripts/demo.sh'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // A script that got past the check would start the stack: stop it rather than let it run on.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output, ms: Date.now() - started });
    });
  });
}

describe('scripts/demo.sh rejects bad flags before the stack comes up', () => {
  const cases: [string, string[], RegExp][] = [
    ['a tick of 0', ['--tick-seconds', '0'], /--tick-seconds must be a whole number from 1 to 60, got 0/],
    [
      'a tick that is not a number',
      ['--tick-seconds', 'abc'],
      /--tick-seconds must be a whole number from 1 to 60, got "abc"/,
    ],
    ['an unknown flag', ['--tick-second', '2'], /unknown option '--tick-second'/],
    [
      'a scenario file that does not exist',
      ['--scenario', 'no/such/scenario.json'],
      /--scenario: cannot use "no\/such\/scenario.json": no such file/,
    ],
    [
      'a scenario file that is not a scenario',
      ['--scenario', 'package.json'],
      /--scenario: cannot use "package.json": Invalid scenario: "minutes" must be an array/,
    ],
    [
      'a bad deprecated flag',
      ['--minute-seconds', '61'],
      /--minute-seconds must be a whole number from 1 to 60, got 61/,
    ],
  ];

  test.each(cases)('%s', async (_name, args, message) => {
    const { code, output, ms } = await runDemoScript(args);
    expect(output).toMatch(message);
    expect(code).not.toBe(0);
    expect(ms).toBeLessThan(10_000);
    // Neither the stack script nor the bundle build ran.
    expect(output).not.toMatch(/\[stack\]|workflow bundle written/);
  });

  test('--help prints the flags and stops there, with success', async () => {
    const { code, output } = await runDemoScript(['--help']);
    expect(code).toBe(0);
    expect(output).toMatch(/--tick-seconds <n>/);
    expect(output).not.toMatch(/\[stack\]|workflow bundle written/);
  });
});

describe('the demo flags', () => {
  test('--tick-seconds is the tick; real time (60) by default', () => {
    expect(parseDemoFlags(['--tick-seconds', '2', '--seed', '7'])).toEqual({ tickSeconds: 2, seed: 7 });
    expect(parseDemoFlags(['--seed', '7'])).toEqual({ tickSeconds: 60, seed: 7 });
  });

  test('--minute-seconds still works, with a deprecation line, and may not contradict --tick-seconds', () => {
    const warnings: string[] = [];
    expect(parseDemoFlags(['--minute-seconds', '3', '--seed', '1'], (line) => warnings.push(line))).toEqual({
      tickSeconds: 3,
      seed: 1,
    });
    expect(warnings).toEqual([
      '--minute-seconds is deprecated and will be removed in the next release: use --tick-seconds 3',
    ]);
    expect(() => parseDemoFlags(['--minute-seconds', '3', '--tick-seconds', '2'], () => undefined)).toThrow(
      /--minute-seconds 3 contradicts --tick-seconds 2/,
    );
  });
});
