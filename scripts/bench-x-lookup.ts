/**
 * Benchmark (not a test): requests per second the X emulator serves for 100-id `GET /2/tweets` lookups, made
 * through the project's X client over HTTPS. The emulator runs in its own process, as with `npm run emulator`.
 * Usage: npm run bench:x  [BENCH_SECONDS=10] [BENCH_CONCURRENCY=8]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTweetLookup, createXClient, makeXConfig } from '../src/x';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ids = Array.from({ length: 100 }, (_, i) => String(1_800_000_000_000_000_000n + BigInt(i)));

/** Starts the emulator CLI with 100 scripted tweets and no practical rate limit; resolves with its base URL. */
function startEmulatorProcess(dir: string): Promise<{ child: ChildProcess; url: string; caFile: string }> {
  const scenarioFile = join(dir, 'scenario.json');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(scenarioFile, JSON.stringify({ minutes: [{ minute: 0, tweets: ids.map((id, i) => ({ id, authorId: '285532415', text: `t${i}`, retweetCount: i })) }] }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
    env: {
      ...process.env,
      X_BEARER_TOKEN: '',
      X_EMULATOR_PORT: '0',
      X_EMULATOR_SCENARIO: scenarioFile,
      X_EMULATOR_MINUTE_SECONDS: '0.05',
      X_EMULATOR_LOOKUP_LIMIT: '1000000000',
      X_API_CA_FILE: caFile,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /X_API_BASE_URL=(\S+)/.exec(output);
      if (match) resolve({ child, url: match[1], caFile });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited early with code ${code}`)));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-x-'));
  const { child, url, caFile } = await startEmulatorProcess(dir);
  const client = createXClient(makeXConfig({ bearerToken: 'x-emulator-token', baseUrl: url, caFile }));
  const lookup = createTweetLookup(client);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // minute 0 must have elapsed for the tweets to exist
    const check = await lookup.lookupTweets(ids);
    if (check.tweets.length !== 100) throw new Error(`expected 100 tweets, got ${check.tweets.length}`);
    for (let i = 0; i < 200; i++) await lookup.lookupTweets(ids); // warm-up: JIT and TLS sessions

    const latencies: number[] = [];
    const endAt = Date.now() + seconds * 1000;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < endAt) {
          const t0 = process.hrtime.bigint();
          await lookup.lookupTweets(ids);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): string => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
    console.log(`100-id lookups: ${latencies.length} requests in ${elapsed.toFixed(1)} s, concurrency ${concurrency}`);
    console.log(`=> ${(latencies.length / elapsed).toFixed(0)} requests/s (${((latencies.length * 100) / elapsed).toFixed(0)} tweets/s); latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  } finally {
    client.close();
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench-x-lookup: ${(error as Error).message}`);
  process.exitCode = 1;
});
