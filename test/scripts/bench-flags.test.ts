import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { benchCommand, listOf, oneOf, parseBenchFlags, wholeNumber } from '../../scripts/bench-flags';

/** The bench scripts' flags: a bad value is an error naming the flag, before any bench work starts. */
const ROOT = resolve(__dirname, '../..');

describe('bench flag parsers', () => {
  test('a whole number in range passes; anything else names the flag', () => {
    const tweets = wholeNumber('--tweets', 1, 100);
    expect(tweets('42')).toBe(42);
    for (const bad of ['abc', '', '1.5', '-3', '0', '101', '1e2']) {
      expect(() => tweets(bad)).toThrow(
        new InvalidArgumentError(`--tweets must be a whole number from 1 to 100, got "${bad}"`),
      );
    }
  });

  test('lists check every item and reject empty ones', () => {
    const plans = listOf('--plans', oneOf('--plans', ['pro', 'basic'] as const));
    expect(plans('pro,basic')).toEqual(['pro', 'basic']);
    expect(() => plans('pro,gold')).toThrow('--plans must be one of pro, basic, got "gold"');
    expect(() => plans('pro,')).toThrow('--plans takes a comma-separated list, got "pro,"');
  });

  test('defaults hold, given values are parsed, and --json needs a directory that exists', () => {
    const command = () =>
      benchCommand('bench:test', 'test')
        .option('--tweets <n>', 'tweets', wholeNumber('--tweets', 1), 20_000)
        .exitOverride();
    expect(parseBenchFlags(command(), [])).toEqual({ tweets: 20_000 });
    expect(parseBenchFlags(command(), ['--tweets', '7', '--json', 'out.json'])).toEqual({
      tweets: 7,
      json: 'out.json',
    });
    const quiet = command().configureOutput({ writeErr: () => undefined });
    expect(() => parseBenchFlags(quiet, ['--json', '/no/such/dir/out.json'])).toThrow(
      '--json: directory /no/such/dir does not exist',
    );
  });
});

test('a bench given a bad number exits 1 naming the flag, before it generates any data', async () => {
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/bench-dashboard.ts', '--kafka-rows', 'lots'],
      { cwd: ROOT, timeout: 20_000 },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
  expect(result.stderr).toMatch(/--kafka-rows must be a whole number from 0 to \d+, got "lots"/);
  expect(result.code).toBe(1);
  expect(result.stdout).not.toMatch(/generating/);
});
