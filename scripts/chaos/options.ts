import { Command, InvalidArgumentError } from 'commander';

/** What one chaos run does; every field comes from a validated flag. */
export interface ChaosOptions {
  /** SIGKILLs per process (worker, bridge, producer, Kafka broker, Temporal server). */
  kills: number;
  /** Seeds the kill plan and the X emulator's simulation: the same seed, the same run. */
  seed: number;
  /** Real seconds per simulated minute, which is also the workflow's tick. */
  tickSeconds: number;
  /** Longest wait after the last restart for the last file to settle on the ground truth. */
  quietSeconds: number;
  /** Mean new tweets per followed user per simulated minute. */
  tweetsPerUserPerMinute: number;
  /** X_STREAM_RETWEETS for the product: on streams every retweet (live counts, the workflow's dedupe at work). */
  streamRetweets: boolean;
  /** The workflow's `continueAsNewAfterEvents`: low, so kills also land around Continue-As-New. */
  continueAsNewAfterEvents: number;
  /** Where to write the verdict as JSON (optional). */
  json?: string;
  /** Print every product process line (default: only the harness's own lines). */
  verbose: boolean;
}

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

function decimal(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

function onOff(name: string) {
  return (raw: string): boolean => {
    if (raw !== 'on' && raw !== 'off') throw new InvalidArgumentError(`${name} must be on or off, got "${raw}"`);
    return raw === 'on';
  };
}

/** Parses `npm run chaos -- [flags]`; a bad value stops with a message naming the flag. */
export function parseChaosOptions(argv: readonly string[]): ChaosOptions {
  const program = new Command('chaos')
    .description(
      'Seeded chaos run of the whole pipeline on a private Temporal dev server and Kafka broker: SIGKILLs the worker, ' +
        'bridge, producer, broker and server at random moments, restarts them, and checks the result against the ' +
        "X emulator's ground truth.",
    )
    .option('--kills <n>', 'SIGKILLs per process', integer('--kills', 1, 50), 5)
    .option(
      '--seed <s>',
      'seed of the kill plan and the simulation (default: random, printed)',
      integer('--seed', 0, 2 ** 31 - 1),
    )
    .option(
      '--tick-seconds <n>',
      'seconds per workflow tick (and per simulated X minute)',
      integer('--tick-seconds', 2, 60),
      3,
    )
    .option(
      '--quiet-seconds <n>',
      'longest settle wait after the last restart',
      integer('--quiet-seconds', 10, 600),
      90,
    )
    .option(
      '--tweets-per-minute <x>',
      'new tweets per followed user per simulated minute',
      decimal('--tweets-per-minute', 0.05, 10),
      0.5,
    )
    .option(
      '--stream-retweets <on|off>',
      "the product's X_STREAM_RETWEETS: on streams every retweet, so the dedupe is tested",
      onOff('--stream-retweets'),
      true,
    )
    .option(
      '--continue-as-new-after-events <n>',
      "the workflow's continueAsNewAfterEvents (low: several runs)",
      integer('--continue-as-new-after-events', 100, 50_000),
      150,
    )
    .option('--quick', 'the CI version: one kill of each process (same as --kills 1)')
    .option('--json <file>', 'write the verdict as JSON to this file')
    .option('--verbose', "print the product processes' output too")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{
    kills: number;
    seed?: number;
    tickSeconds: number;
    quietSeconds: number;
    tweetsPerMinute: number;
    streamRetweets: boolean;
    continueAsNewAfterEvents: number;
    quick?: boolean;
    json?: string;
    verbose?: boolean;
  }>();
  return {
    kills: o.quick ? 1 : o.kills,
    seed: o.seed ?? Math.floor(Math.random() * 1_000_000),
    tickSeconds: o.tickSeconds,
    quietSeconds: o.quietSeconds,
    tweetsPerUserPerMinute: o.tweetsPerMinute,
    streamRetweets: o.streamRetweets,
    continueAsNewAfterEvents: o.continueAsNewAfterEvents,
    json: o.json,
    verbose: o.verbose ?? false,
  };
}
