/**
 * Benchmark (not a test): requests per second the X emulator serves for 100-id `GET /2/tweets` lookups, made
 * through the project's X client over HTTPS. The emulator runs in its own process, as with `npm run emulator`, so
 * it does not share this process's event loop with the client it serves.
 * Usage: npm run bench:x [-- --seconds 10] [--concurrency 8] [--json FILE]
 * (BENCH_SECONDS and BENCH_CONCURRENCY, the settings before these flags, still work for one release.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTweetLookup, createXClient, makeXConfig } from '../src/x';
import { startEmulatorProcess } from './bench-emulator';
import { benchCommand, parseBenchFlags, wholeNumber, writeJsonResults } from './bench-flags';

interface Flags {
  seconds: number;
  concurrency: number;
  json?: string;
}

const ids = Array.from({ length: 100 }, (_, i) => String(1_800_000_000_000_000_000n + BigInt(i)));

/** The flags; a deprecated variable still stands in for a flag not given, checked by the same rule. */
function parseFlags(): Flags {
  const seconds = wholeNumber('--seconds', 1, 3_600);
  const concurrency = wholeNumber('--concurrency', 1, 1_000);
  const command = benchCommand(
    'bench:x',
    "100-id lookups per second the X emulator serves through the project's X client.",
  )
    .option('--seconds <n>', 'how long to measure, after the warm-up', seconds, 10)
    .option('--concurrency <n>', 'requests in flight', concurrency, 8);
  const flags = parseBenchFlags<Flags>(command);
  const deprecated = [
    ['BENCH_SECONDS', 'seconds', seconds] as const,
    ['BENCH_CONCURRENCY', 'concurrency', concurrency] as const,
  ];
  for (const [variable, key, parse] of deprecated) {
    const raw = process.env[variable];
    if (!raw || command.getOptionValueSource(key) !== 'default') continue;
    console.error(`bench-x-lookup: ${variable} is deprecated and will be removed in the next release: use --${key}`);
    try {
      flags[key] = parse(raw);
    } catch (error) {
      command.error(`error: ${variable}: ${(error as Error).message}`);
    }
  }
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const dir = mkdtempSync(join(tmpdir(), 'bench-x-'));
  // 100 scripted tweets and no practical rate limit: the bench measures serving, not X's window.
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(
    scenarioFile,
    JSON.stringify({
      minutes: [
        { minute: 0, tweets: ids.map((id, i) => ({ id, authorId: '285532415', text: `t${i}`, retweetCount: i })) },
      ],
    }),
  );
  const emulator = await startEmulatorProcess(join(dir, 'ca.pem'), {
    X_EMULATOR_SCENARIO: scenarioFile,
    X_EMULATOR_MINUTE_SECONDS: '0.05',
    X_EMULATOR_LOOKUP_LIMIT: '1000000000',
  });
  const client = createXClient(
    makeXConfig({ bearerToken: emulator.bearerToken, baseUrl: emulator.url, caFile: emulator.caFile }),
  );
  const lookup = createTweetLookup(client);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // minute 0 must have elapsed for the tweets to exist
    const check = await lookup.lookupTweets(ids);
    if (check.tweets.length !== 100) throw new Error(`expected 100 tweets, got ${check.tweets.length}`);
    for (let i = 0; i < 200; i++) await lookup.lookupTweets(ids); // warm-up: JIT and TLS sessions

    const latencies: number[] = [];
    const endAt = Date.now() + flags.seconds * 1000;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: flags.concurrency }, async () => {
        while (Date.now() < endAt) {
          const t0 = process.hrtime.bigint();
          await lookup.lookupTweets(ids);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    const requestsPerSec = latencies.length / elapsed;
    console.log(
      `100-id lookups: ${latencies.length} requests in ${elapsed.toFixed(1)} s, concurrency ${flags.concurrency}`,
    );
    console.log(
      `=> ${requestsPerSec.toFixed(0)} requests/s (${(requestsPerSec * 100).toFixed(0)} tweets/s); latency p50 ${pct(0.5).toFixed(2)} ms, p99 ${pct(0.99).toFixed(2)} ms`,
    );
    writeJsonResults(flags.json, {
      seconds: Number(elapsed.toFixed(3)),
      concurrency: flags.concurrency,
      requests: latencies.length,
      requestsPerSec: Math.round(requestsPerSec),
      tweetsPerSec: Math.round(requestsPerSec * 100),
      p50Ms: Number(pct(0.5).toFixed(2)),
      p99Ms: Number(pct(0.99).toFixed(2)),
    });
  } finally {
    client.close();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench-x-lookup: ${(error as Error).message}`);
  process.exitCode = 1;
});
