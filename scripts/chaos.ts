/**
 * `npm run chaos [-- --kills N --seed S --json FILE --tick-seconds N --quick --verbose]`: a seeded chaos run of
 * the whole pipeline on a private Temporal dev server and Kafka broker (see scripts/chaos/run.ts), printed as a
 * table. Exits 1 when any check fails. Needs the tools `npm run stack -- install` puts in the cache.
 */
import { writeFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { parseChaosOptions } from './chaos/options';
import { runChaos } from './chaos/run';
import { formatDetails, formatReport } from './chaos/table';

async function main(): Promise<void> {
  const options = parseChaosOptions(process.argv.slice(2));
  // Ctrl-C: exit at once; every process this run started is SIGKILLed by its 'exit' hook (the product processes
  // run in their own process groups, so the terminal's signal never reaches them).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: stopping the chaos run, killing what it started`);
      process.exit(130);
    });
  }
  const t0 = Date.now();
  const say = (line: string): void =>
    console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  say(`seed ${options.seed}, ${options.kills} kill(s) of each process, ${options.tickSeconds} s ticks`);
  const report = await runChaos(options, say);
  console.log(`\n${formatReport(report)}`);
  const details = formatDetails(report);
  if (details) console.log(`\n${details}`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nverdict written to ${options.json}`);
  }
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  // commander has printed its own message for a bad flag.
  if (!(error instanceof CommanderError))
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = error instanceof CommanderError ? error.exitCode || 2 : 1;
});
