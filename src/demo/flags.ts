/**
 * The demo's command line, checked before anything slow starts: scripts/demo.sh runs this file on its own
 * (`node --import tsx src/demo/flags.ts <flags>`) before it brings the stack up or builds the workflow bundle, and
 * src/demo/main.ts parses the same flags again. Invalid flags exit non-zero with a message naming the flag.
 */
import { basename, extname, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadScenario } from '../emulator/scenario';
import { createLog } from '../shared/log';

/** A tick of 60 s is real time: the product's own pace, and the demo's default. */
export const REAL_TIME_TICK_SECONDS = 60;

export interface DemoFlags {
  /** The workflow's tick and the emulator's simulated minute, in seconds (60: real time). */
  tickSeconds: number;
  /** The emulator's seed (random by default, printed so a run can be repeated). */
  seed: number;
  /** Absolute path of a scenario file, already validated. */
  scenario?: string;
}

function wholeNumber(flag: string, min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw.trim()))
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max)
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got ${value}`);
    return value;
  };
}

/** Reads and validates the scenario now, so a bad file stops the demo before the stack comes up. */
function scenarioFile(raw: string): string {
  const path = resolve(raw);
  try {
    loadScenario(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InvalidArgumentError(`--scenario: cannot use "${raw}": ${reason}`);
  }
  return path;
}

const TICK_HELP = `seconds per tick: the workflow's period and the emulator's simulated minute (1-${REAL_TIME_TICK_SECONDS}; ${REAL_TIME_TICK_SECONDS} = real time)`;

/** The `npm run demo` command; `parse` exits on an invalid flag (message naming it) or after `--help`. */
export function demoProgram(): Command {
  return new Command('npm run demo --')
    .description('The whole product on this machine: X emulator, workflow, worker, bridge, producer and dashboard.')
    .addOption(
      new Option('--tick-seconds <n>', TICK_HELP).argParser(wholeNumber('--tick-seconds', 1, REAL_TIME_TICK_SECONDS)),
    )
    .addOption(
      new Option('--minute-seconds <n>', 'deprecated: use --tick-seconds').argParser(
        wholeNumber('--minute-seconds', 1, REAL_TIME_TICK_SECONDS),
      ),
    )
    .addOption(
      new Option('--seed <n>', "the emulator's seed (default: random, printed)").argParser(
        wholeNumber('--seed', 0, 2 ** 32 - 1),
      ),
    )
    .addOption(
      new Option(
        '--scenario <file>',
        'a scenario JSON file: scripted tweets and retweets (docs/x-emulator.md)',
      ).argParser(scenarioFile),
    )
    .showHelpAfterError('(run with --help for the flags)')
    .exitOverride();
}

/** Parses the demo's flags (without the node and script arguments); throws a `CommanderError` when invalid. */
export function parseDemoFlags(
  argv: readonly string[],
  warn: (line: string) => void = (line) => createLog('demo').warn(line),
): DemoFlags {
  const program = demoProgram();
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<{ tickSeconds?: number; minuteSeconds?: number; seed?: number; scenario?: string }>();
  if (opts.minuteSeconds !== undefined) {
    if (opts.tickSeconds !== undefined && opts.tickSeconds !== opts.minuteSeconds) {
      program.error(
        `error: --minute-seconds ${opts.minuteSeconds} contradicts --tick-seconds ${opts.tickSeconds}: give --tick-seconds alone`,
      );
    }
    warn(
      `--minute-seconds is deprecated and will be removed in the next release: use --tick-seconds ${opts.minuteSeconds}`,
    );
  }
  return {
    tickSeconds: opts.tickSeconds ?? opts.minuteSeconds ?? REAL_TIME_TICK_SECONDS,
    seed: opts.seed ?? Date.now() % 100_000,
    ...(opts.scenario ? { scenario: opts.scenario } : {}),
  };
}

/** The scenario's name in workflow ids: its file name without extension, or "default" for the random simulation. */
export function scenarioName(flags: Pick<DemoFlags, 'scenario'>): string {
  if (!flags.scenario) return 'default';
  const name = basename(flags.scenario, extname(flags.scenario)).replace(/[^A-Za-z0-9_]+/g, '_');
  return name || 'scenario';
}

// scripts/demo.sh: validate only (main.ts prints the deprecation line). Help and errors are printed by commander.
if (require.main === module) {
  try {
    parseDemoFlags(process.argv.slice(2), () => undefined);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    process.exit(typeof code === 'number' ? code : 1);
  }
}
