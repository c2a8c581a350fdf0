/**
 * Benchmark (not a test): how well each refresh strategy keeps the minute files right within X's rate limits.
 * For every plan x tracked tweets x strategy it runs one simulated hour (60 ticks) against the project's X emulator
 * (in-process, manual clock, rate-limit windows in simulated time), looking tweets up over real HTTPS through the
 * project's X client, and compares each minute's counts with the emulator's ground truth for that minute.
 *
 * Usage: npm run bench:refresh [-- --quick] [--json FILE] [--seed N] [--minutes 60]
 *                              [--plans pro,basic] [--tracked 1000,20000] [--strategies planner,round-robin]
 *                              [--decay exponential|power-law] [--decay-minutes 60] [--cold-budget]
 *
 * - Start state (every strategy alike), as if the tracker had been running: the emulator's seeded tweets (ages
 *   spread over the 7-day horizon) with their exact counts, all looked up one tick before the hour, and X's limit
 *   known from earlier answers, its window ending as the hour starts. `--cold-budget` starts with X's limit unknown
 *   instead (a workflow's very first lookup). New tweets by the followed users join the tracked set as the stream
 *   delivers them (count 0).
 * - everything: looks every tracked tweet up each tick and stops at the first 429, as today's activity does; a
 *   tick counts as a file only if its full refresh succeeded (the answers it did get are kept).
 * - round-robin: within the planner's budget rule, the tweets refreshed longest ago first.
 * - planner / planner+stream: src/domain/refresh-planner.ts; planner+stream also raises an original's count at
 *   once for each retweet the filtered stream delivers (the emulator's exact released posts of the minute,
 *   matched as `from:` / `retweets_of:` rules would), and a lookup reconciles it to X's number.
 * - staleTweets: the most tweets whose last answer was older than the 15-minute bound, at any tick of the hour.
 * - billedReadsPerDay: the emulator's billed lookup reads of the hour (deduplicated per UTC day), extrapolated to
 *   a day as min(24 x hour, tracked + 24 x new tweets per hour) since re-reads later that day are free, plus
 *   24 x the hour's streamed posts for planner+stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tickBudget } from '../src/domain/refresh-budget';
import {
  DEFAULT_PLANNER_SETTINGS,
  NO_USAGE,
  planRefresh,
  type PlannerTweet,
  type XBudgetState,
} from '../src/domain/refresh-planner';
import { isBilledRead, recordUsage } from '../src/domain/refresh-usage';
import { compareIds } from '../src/domain/tweet-id';
import { startEmulator } from '../src/emulator';
import type { DecayModel } from '../src/emulator/decay';
import type { EmTweet } from '../src/emulator/model';
import type { XPlan } from '../src/emulator/plans';
import { createTweetLookup, createXClient, makeXConfig } from '../src/x';
import { lookupAll } from '../src/x/lookup-pool';
import { benchCommand, listOf, oneOf, parseBenchFlags, wholeNumber, writeJsonResults } from './bench-flags';

const MIN = 60_000;
const STRATEGIES = ['everything', 'round-robin', 'planner', 'planner+stream'] as const;
type Strategy = (typeof STRATEGIES)[number];
const PLANS: XPlan[] = ['pay-per-use', 'pro', 'basic'];
const DECAYS: DecayModel[] = ['exponential', 'power-law'];
/** Mid-day, so the simulated hour stays inside one UTC day of X's billing. */
const START_TIME = '2026-11-26T12:00:00.000Z';
const SETTINGS = DEFAULT_PLANNER_SETTINGS;

interface Row {
  plan: XPlan;
  tracked: number;
  strategy: Strategy;
  filesPerHour: number;
  requests: number;
  refused: number;
  requestsPerTweetHour: number;
  billedReadsPerDay: number;
  meanAbsError: number;
  maxAbsError: number;
  staleTweets: number;
}

interface Args {
  quick: boolean;
  json?: string;
  seed: number;
  minutes: number;
  plans: XPlan[];
  tracked: number[];
  strategies: Strategy[];
  /** The emulator's retweet decay (its defaults unless given). */
  decay?: DecayModel;
  decayMinutes?: number;
  coldBudget: boolean;
}

/** The flags; `--quick` leaves out the 100,000-tweet rows unless `--tracked` is given. */
function parseArgs(argv: readonly string[]): Args {
  const command = benchCommand(
    'bench:refresh',
    "How well each refresh strategy keeps the minute files right within X's rate limits.",
  )
    .option('--quick', 'tracked sizes 1,000 and 20,000 only (default also 100,000)')
    .option('--seed <n>', "the emulator's seed: the same world for every row", wholeNumber('--seed', 0, 2 ** 32 - 1), 1)
    .option('--minutes <n>', 'simulated minutes (ticks) per row', wholeNumber('--minutes', 1, 7 * 24 * 60), 60)
    .option(
      '--plans <list>',
      `X plans, comma-separated (default: ${PLANS.join(',')})`,
      listOf('--plans', oneOf('--plans', PLANS)),
    )
    .option(
      '--tracked <list>',
      'tracked tweets per row, comma-separated (default: 1000,20000,100000)',
      listOf('--tracked', wholeNumber('--tracked', 1, 1_000_000)),
    )
    .option(
      '--strategies <list>',
      `strategies, comma-separated (default: ${STRATEGIES.join(',')})`,
      listOf('--strategies', oneOf('--strategies', STRATEGIES)),
    )
    .option(
      '--decay <model>',
      `the emulator's retweet decay, one of ${DECAYS.join(', ')} (default: the emulator's)`,
      oneOf('--decay', DECAYS),
    )
    .option(
      '--decay-minutes <n>',
      "the emulator's retweet decay time (default: the emulator's)",
      wholeNumber('--decay-minutes', 1, 100_000),
    )
    .option('--cold-budget', "start with X's limit unknown (a workflow's very first lookup)");
  const o = parseBenchFlags<{
    quick?: boolean;
    json?: string;
    seed: number;
    minutes: number;
    plans?: XPlan[];
    tracked?: number[];
    strategies?: Strategy[];
    decay?: DecayModel;
    decayMinutes?: number;
    coldBudget?: boolean;
  }>(command, argv);
  const quick = o.quick ?? false;
  return {
    quick,
    json: o.json,
    seed: o.seed,
    minutes: o.minutes,
    plans: o.plans ?? [...PLANS],
    tracked: o.tracked ?? (quick ? [1_000, 20_000] : [1_000, 20_000, 100_000]),
    strategies: o.strategies ?? [...STRATEGIES],
    decay: o.decay,
    decayMinutes: o.decayMinutes,
    coldBudget: o.coldBudget ?? false,
  };
}

/** Runs one row: a fresh emulator (same seed, so the same world for every strategy) for `minutes` ticks. */
async function runRow(plan: XPlan, tracked: number, strategy: Strategy, args: Args, dir: string): Promise<Row> {
  const emulator = await startEmulator({
    // Our own CA file: the default one is shared with any other emulator running on this machine.
    caFile: join(dir, 'ca.pem'),
    seed: args.seed,
    plan,
    startTime: START_TIME,
    minuteSeconds: 0,
    initialTweets: tracked,
    initialMaxAgeMinutes: SETTINGS.horizonMs / MIN,
    simulatedRateLimitClock: true,
    ...(args.decay ? { retweetDecay: args.decay } : {}),
    ...(args.decayMinutes ? { retweetDecayMinutes: args.decayMinutes } : {}),
  });
  const client = createXClient(
    makeXConfig({ bearerToken: emulator.bearerToken, baseUrl: emulator.url, caFile: emulator.caFile }),
  );
  try {
    const x = createTweetLookup(client);
    const sim = emulator.simulation;
    const followed = new Set(sim.followedUserIds);
    // Basic has no filtered stream: there, planner+stream can only be the planner.
    const streamCounts = strategy === 'planner+stream' && plan !== 'basic';
    const t0 = sim.nowMs();
    const state = new Map<string, PlannerTweet>();
    for (const t of sim.seeded)
      state.set(t.id, {
        id: t.id,
        postedMs: Date.parse(t.createdAt),
        count: t.retweetCount,
        lastLookupMs: t0 - MIN,
        lastChangeMs: t0 - MIN,
      });
    const startTracked = state.size;
    let released: EmTweet[] = [];
    sim.onPost((post) => released.push(post));

    // The window of X's last answers ended at t0: the planner expects a full window, as X will give.
    const limit = emulator.admin.plan().limits.tweets.limit;
    let budget: XBudgetState | undefined = args.coldBudget
      ? undefined
      : { limit, remaining: 0, resetMs: t0, observedAtMs: t0 - MIN };
    let usage = NO_USAGE;
    const before = emulator.admin.usage();
    let files = 0;
    let requests = 0;
    let clientRefused = 0;
    let streamed = 0;
    let newTweets = 0;
    let errorSum = 0;
    let errorCount = 0;
    let maxError = 0;
    let stale = 0;
    for (let minute = 0; minute < args.minutes; minute++) {
      emulator.admin.advance(1);
      const now = sim.nowMs();
      // What the stream delivered during the minute: new tweets of the followed users and retweets of them.
      for (const post of released) {
        const original = post.retweetedId ? sim.tweets.get(post.retweetedId) : undefined;
        const matches = followed.has(post.authorId) || (original !== undefined && followed.has(original.authorId));
        if (matches && streamCounts) streamed++;
        if (!post.retweetedId && followed.has(post.authorId) && !state.has(post.id)) {
          state.set(post.id, { id: post.id, postedMs: Date.parse(post.createdAt), count: 0 });
          newTweets++;
        }
        const known = post.retweetedId ? state.get(post.retweetedId) : undefined;
        if (known && streamCounts) {
          known.count++;
          known.lastChangeMs = Date.parse(post.createdAt);
        }
      }
      released = [];

      const tweets = [...state.values()];
      let ids: string[];
      if (strategy === 'everything') ids = tweets.map((t) => t.id);
      else if (strategy === 'round-robin') {
        const capacity = tickBudget(budget, usage, now, SETTINGS).requests * SETTINGS.idsPerRequest;
        const oldestFirst = [...tweets].sort(
          (a, b) => (a.lastLookupMs ?? -Infinity) - (b.lastLookupMs ?? -Infinity) || compareIds(a.id, b.id),
        );
        ids = oldestFirst.slice(0, Math.min(oldestFirst.length, capacity)).map((t) => t.id);
      } else {
        const plan = planRefresh(tweets, now, budget, usage, SETTINGS);
        for (const id of plan.retire) state.delete(id);
        ids = plan.lookup;
      }
      const billed = ids.filter((id) => isBilledRead(state.get(id)?.lastLookupMs, now)).length;
      const report = ids.length ? await lookupAll(x, ids) : undefined;
      if (report) {
        for (const found of report.tweets) {
          const t = state.get(found.id);
          if (!t) continue;
          if (t.count !== found.retweetCount) t.lastChangeMs = now;
          t.count = found.retweetCount;
          t.lastLookupMs = now;
        }
        for (const id of report.goneIds) {
          const t = state.get(id);
          if (t) t.lastLookupMs = now;
        }
        if (report.rateLimit) budget = { ...report.rateLimit, observedAtMs: now };
        requests += report.requests;
        clientRefused += report.refused;
      }
      usage = recordUsage(usage, now, report?.requests ?? 0, billed);
      const complete = !report || (report.stoppedBy === undefined && report.notLookedUp.length === 0);
      if (strategy !== 'everything' || complete) files++;

      // Each minute's counts against the emulator's ground truth of that minute.
      const truth = sim.groundTruth(minute, [...state.keys()]);
      for (const t of truth.tweets) {
        const error = Math.abs((state.get(t.id)?.count ?? 0) - t.retweetCount);
        errorSum += error;
        maxError = Math.max(maxError, error);
      }
      errorCount += truth.tweets.length;
      let staleNow = 0;
      for (const t of state.values()) if (now - (t.lastLookupMs ?? t.postedMs) > SETTINGS.stalenessBoundMs) staleNow++;
      stale = Math.max(stale, staleNow);
    }
    const hours = args.minutes / 60;
    const after = emulator.admin.usage();
    // The emulator's own count of 429s is the measure; the client's must agree, or the bench is wrong.
    const refused = after.refused - before.refused;
    if (refused !== clientRefused)
      throw new Error(`the emulator answered ${refused} requests with 429, the client saw ${clientRefused}`);
    const billedHour = (after.billedPostReads - before.billedPostReads) / hours;
    const lookupBilledDay = Math.min(24 * billedHour, startTracked + (24 * newTweets) / hours);
    return {
      plan,
      tracked,
      strategy,
      filesPerHour: round(files / hours, 1),
      requests,
      refused,
      requestsPerTweetHour: round(requests / hours / tracked, 3),
      billedReadsPerDay: Math.round(lookupBilledDay + (24 * streamed) / hours),
      meanAbsError: round(errorSum / Math.max(1, errorCount), 6),
      maxAbsError: maxError,
      staleTweets: stale,
    };
  } finally {
    client.close();
    await emulator.close();
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function printTable(rows: Row[]): void {
  const columns: (keyof Row)[] = [
    'plan',
    'tracked',
    'strategy',
    'filesPerHour',
    'requests',
    'refused',
    'requestsPerTweetHour',
    'billedReadsPerDay',
    'meanAbsError',
    'maxAbsError',
    'staleTweets',
  ];
  const cells = rows.map((row) => columns.map((c) => String(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]): string =>
    values.map((v, i) => (i < 3 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(columns));
  for (const r of cells) console.log(line(r));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`$ npm run bench:refresh -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  const world = `retweet decay ${args.decay ?? "the emulator's default"}${args.decayMinutes ? ` (${args.decayMinutes} min)` : ''}`;
  const budget = args.coldBudget ? "X's limit unknown at the start" : "X's limit known at the start";
  console.log(
    `seed ${args.seed}, ${args.minutes} simulated minutes per row, start ${START_TIME}, ${world}, ${budget}, emulator in-process (manual clock)`,
  );
  const rows: Row[] = [];
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'bench-refresh-'));
  for (const plan of args.plans) {
    for (const tracked of args.tracked) {
      for (const strategy of args.strategies) {
        const rowStart = Date.now();
        rows.push(await runRow(plan, tracked, strategy, args, dir));
        console.error(`  ${plan} ${tracked} ${strategy}: ${((Date.now() - rowStart) / 1000).toFixed(1)} s`);
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  printTable(rows);
  console.log(`${rows.length} rows in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  writeJsonResults(args.json, { seed: args.seed, minutes: args.minutes, startTime: START_TIME, rows });
}

main().catch((error: unknown) => {
  console.error(`bench-refresh: ${(error as Error).message}`);
  process.exitCode = 1;
});
