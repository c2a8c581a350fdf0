/**
 * `npm run demo [-- --tick-seconds N] [--seed N] [--scenario file.json]`: the whole product on this machine.
 * Starts the X emulator (unless X_BEARER_TOKEN is set for the real X API), the RetweetTracking workflow, the worker,
 * the bridge and the producer, shows the tick snapshots and the 15-tick top-5 as they happen, and shuts
 * everything down on Ctrl-C. The stack (Temporal, Kafka) is brought up by scripts/demo.sh before this runs.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { ConfigError, processEnv } from '../config/env';
import { readLogLevel } from '../config/logging';
import { startEmulator, type RunningEmulator } from '../emulator';
import { createKafka } from '../kafka/client';
import { createLog } from '../shared/log';
import { WORKFLOW_TYPE } from '../shared/names';
import { connectClient } from '../temporal/connection';
import { readXConfig } from '../x/config';
import type { RetweetTracking } from '../workflows';
import type { RetweetTrackingInput } from '../workflows/definitions';
import { readDemoSettings, type DemoSettings } from './config';
import { closeEarlierRuns, createRunTopics, planDemoRun } from './demo-run';
import { parseDemoFlags, REAL_TIME_TICK_SECONDS, type DemoFlags } from './flags';
import { handleStopSignals } from './child-processes';
import { demoLine } from './child-lines';
import { Pipeline } from './pipeline';

/** Seconds the processes take to start here (about 5): a scenario's minute 0 begins after them, on a tick boundary. */
const SCENARIO_WARM_UP_SECONDS = 10;

/**
 * When the emulator's minute 0 begins: on a tick boundary, so X's minutes end where the workflow's ticks do. The
 * random world is already going (the last boundary); a scenario starts at the first boundary after the processes
 * are up, so a re-run sees every scripted minute as the first run did, from the stream.
 */
function emulatorStartMs(flags: DemoFlags, nowMs: number): number {
  const tickMs = flags.tickSeconds * 1000;
  if (!flags.scenario) return Math.floor(nowMs / tickMs) * tickMs;
  return Math.ceil((nowMs + SCENARIO_WARM_UP_SECONDS * 1000) / tickMs) * tickMs;
}

/** The X variables the processes get: the user's (real X) or the emulator's. */
async function xEnvironment(
  settings: DemoSettings,
  flags: DemoFlags,
): Promise<{ xEnv: NodeJS.ProcessEnv; emulator?: RunningEmulator }> {
  if (settings.realX) {
    console.log('X_BEARER_TOKEN is set: using the X API at', readXConfig(processEnv()).baseUrl.origin);
    return { xEnv: {} };
  }
  // The emulator's default world: the eight accounts of the original task posting at a news feed's pace, with the
  // last hours of their posts already out and still being retweeted (the producer catches up the last hour).
  const emulator = await startEmulator({
    port: 0,
    seed: flags.seed,
    minuteSeconds: flags.tickSeconds,
    // X's clock (created_at, ids) runs at the demo's pace, so event time and the workflow's ticks share one axis.
    minuteMs: flags.tickSeconds * 1000,
    startTime: new Date(emulatorStartMs(flags, Date.now())).toISOString(),
    scenarioFile: flags.scenario,
    // X's limits are per real 15 minutes; when simulated minutes run faster, so do the refreshes.
    rateLimits: { tweets: { limit: Math.ceil((450 * 60) / flags.tickSeconds), windowSeconds: 900 } },
  });
  console.log(`X API emulator: ${emulator.url} (seed ${flags.seed}; ground truth at ${emulator.url}/__admin/state)`);
  if (flags.scenario)
    console.log(`Scenario minute 0 starts at ${new Date(emulator.simulation.startTimeMs).toISOString()}`);
  const names = emulator.simulation.followedUserIds.map(
    (id) => `@${emulator.simulation.users.get(id)?.username ?? id}`,
  );
  console.log(`Following ${names.length} accounts: ${names.join(', ')}`);
  // The producer's first catch-up reads the last hour of posts: an hour of the emulator's clock.
  const backfill =
    flags.tickSeconds === REAL_TIME_TICK_SECONDS ? {} : { PRODUCER_BACKFILL_MINUTES: String(flags.tickSeconds) };
  // The emulator releases each minute's posts on its boundary: no delivery delay to allow for, and at a fast pace the
  // watermark and the bridge's flush must fit well inside the allowed lateness (half a tick).
  const fast = flags.tickSeconds < 10;
  const eventTime = {
    BRIDGE_WATERMARK_STEP_MS: String(flags.tickSeconds * 1000),
    ...(fast
      ? { PRODUCER_WATERMARK_DELAY_MS: '200', PRODUCER_WATERMARK_INTERVAL_MS: '200', BRIDGE_FLUSH_INTERVAL_MS: '200' }
      : {}),
  };
  return { xEnv: { ...emulator.env, ...backfill, ...eventTime }, emulator };
}

/**
 * How long a new workflow of the random world waits for its first tweets: the bridge's first signal-with-start ends
 * the wait, so the first file already holds what the producer caught up; with nothing to deliver, it starts anyway.
 * A scenario's workflow starts at once: its files from minute 0 on are the scenario's, whatever the start-up took.
 */
const log = createLog('demo');

const firstTweetsWait = (flags: DemoFlags): { startDelay?: number } =>
  flags.scenario ? {} : { startDelay: Math.max(20, 2 * flags.tickSeconds) * 1000 };

async function main(): Promise<void> {
  const flags = parseDemoFlags(process.argv.slice(2), (line) => log.warn(line));
  const env = processEnv();
  readLogLevel(env); // an invalid LOG_LEVEL stops the demo here, naming it
  const settings = readDemoSettings(env);
  const run = planDemoRun(flags, settings, Date.now());

  const client = await connectClient(settings.temporal);
  if (run.fresh) {
    const kafka = createKafka(settings.kafka);
    const closed = await closeEarlierRuns(run, client, kafka, log);
    if (closed.length) console.log(`Closed the earlier demo run(s) of this scenario and tick: ${closed.join(', ')}`);
    await createRunTopics(run, kafka, settings.kafka.tweetsPartitions);
  }
  const { xEnv, emulator } = await xEnvironment(settings, flags);

  const input: RetweetTrackingInput = { tickSeconds: flags.tickSeconds };
  try {
    // Started here rather than by the bridge's first signal, so the tick length is the demo's. The long-running
    // run, when it runs, is kept (its history goes on); a stopped one is not replaced by an empty run.
    await client.workflow.start<typeof RetweetTracking>(WORKFLOW_TYPE, {
      taskQueue: run.taskQueue,
      workflowId: run.workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      ...firstTweetsWait(flags),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    throw new Error(
      `workflow ${run.workflowId} was stopped: \`npm run tracking -- start\` opens a new run with its state (or --fresh, empty); then run the demo again`,
    );
  }

  const pipeline = new Pipeline({
    env: { ...env, ...xEnv, ...run.env },
    // The worker prints the snapshots and reports on stdout: show them as they are; tag the rest (their logs).
    onLine: (name, line, stream) => console.log(name === 'worker' && stream === 'stdout' ? line : demoLine(name, line)),
  });
  let stopping = false;
  const { workflowId } = run;
  const pace =
    flags.tickSeconds === REAL_TIME_TICK_SECONDS
      ? 'one tick a minute (real time)'
      : `one tick every ${flags.tickSeconds} s`;
  console.log(
    [
      '',
      `Tracking as workflow ${workflowId} on task queue ${run.taskQueue}: ${pace}, a top-5 report every 15 ticks.`,
      run.fresh
        ? `  a fresh run${flags.scenario ? ` of ${flags.scenario}` : ''}: the next demo start with this scenario and tick closes it`
        : '  the long-running run: kept across demo starts',
      `  tick snapshots:   ${run.snapshotDir}/counts-<tick epoch ms>.txt`,
      `  top-5 reports:    ${run.reportDir}/top5-<epoch ms>.txt and .json`,
      `  dashboard:        ${settings.dashboardUrl}  (live leaderboard, growth curves, reports, status)`,
      `  history:          ${settings.temporalUiUrl}/namespaces/${settings.temporal.namespace}/workflows/${workflowId}`,
      `  at any time:      npm run tracking -- --workflow-id ${workflowId} status | top`,
      'Ctrl-C stops the processes; `npm run stack -- down` stops the servers.',
      '',
    ].join('\n'),
  );
  for (const name of ['dashboard', 'worker', 'bridge', 'producer'] as const) {
    // A process that dies on its own (bad configuration, say) ends the demo rather than leaving it half-working.
    void pipeline.start(name).exited.then((code) => {
      if (stopping) return;
      log.error(`${name} exited unexpectedly (${code}): stopping the demo`, { child: name, exitCode: code });
      process.exitCode = 1;
      void shutdown();
    });
  }

  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping producer, bridge and worker ...');
    await pipeline.stopAll();
    await emulator?.close();
    await client.connection.close();
    console.log(
      run.fresh
        ? `stopped; the workflow ${workflowId} keeps its state in Temporal until the next demo start of this scenario and tick closes it`
        : `stopped; the workflow ${workflowId} keeps its state in Temporal and resumes on the next run`,
    );
  };
  // A second Ctrl-C while stopping kills the children at once.
  handleStopSignals(shutdown, log);
}

main().catch((error: unknown) => {
  // Commander printed its own message (a bad flag, or --help) and says how to exit.
  if (error instanceof CommanderError) process.exit(error.exitCode);
  log.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
  process.exit(1);
});
