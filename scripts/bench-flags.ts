/**
 * The flags of the `npm run bench:*` scripts, parsed with commander as the tracking CLI and the chaos run do: a bad
 * value exits 1 with a message naming the flag, before anything slow starts; `--help` lists every flag.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max`, for `flag`. */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

/** One of `allowed`, for `flag`. */
export function oneOf<T extends string>(flag: string, allowed: readonly T[]) {
  return (raw: string): T => {
    if (!allowed.includes(raw as T))
      throw new InvalidArgumentError(`${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return raw as T;
  };
}

/** A comma-separated list, each item read by `item` (whose error names the flag). */
export function listOf<T>(flag: string, item: (raw: string) => T) {
  return (raw: string): T[] => {
    const items = raw.split(',').map((s) => s.trim());
    if (items.some((s) => s === ''))
      throw new InvalidArgumentError(`${flag} takes a comma-separated list, got "${raw}"`);
    return items.map(item);
  };
}

/** A file to write; its directory must exist now, so a long run does not fail at its very end. */
function outputFile(raw: string): string {
  const dir = dirname(resolve(raw));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InvalidArgumentError(`--json: directory ${dir} does not exist`);
  return raw;
}

/** The command of `npm run <script>`, with `--json FILE` that every bench takes; add the bench's own flags to it. */
export function benchCommand(script: string, description: string): Command {
  return new Command(`npm run ${script} --`)
    .description(description)
    .option('--json <file>', 'also write the results as JSON to this file', outputFile)
    .showHelpAfterError('(run with --help for the flags)');
}

/** Parses this process's arguments; on a bad value or `--help`, commander prints and exits (1 and 0). */
export function parseBenchFlags<T extends object>(
  command: Command,
  argv: readonly string[] = process.argv.slice(2),
): T {
  command.parse([...argv], { from: 'user' });
  return command.opts<T>();
}

/** Writes the results to the `--json` file when one was given, and says where. */
export function writeJsonResults(file: string | undefined, results: unknown): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
