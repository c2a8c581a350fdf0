/**
 * `npm run demo [-- --minute-seconds N] [--seed N] [--scenario file.json]`: the whole product on this machine.
 * Starts the X emulator (unless X_BEARER_TOKEN is set for the real X API), the RetweetTracking workflow, the worker,
 * the bridge and the producer, shows the minute snapshots and the 15-minute top-5 as they happen, and shuts
 * everything down on Ctrl-C. The stack (Temporal, Kafka) is brought up by scripts/demo.sh before this runs.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, processEnv, readOptionalString } from '../config/env';
import { startEmulator, type RunningEmulator } from '../emulator';
import { DEFAULT_WORKFLOW_ID, WORKFLOW_TYPE } from '../shared/names';
import { readTemporalConfig } from '../temporal/config';
import { readXConfig } from '../x/config';
import { connectClient } from '../temporal/connection';
import type { RetweetTrackingInput } from '../workflows/definitions';
import { Pipeline } from './pipeline';

interface DemoArgs {
  minuteSeconds: number;
  seed: number;
  scenario?: string;
}

function parseDemoArgs(argv: string[]): DemoArgs {
  const { values } = parseArgs({
    args: argv,
    options: { 'minute-seconds': { type: 'string' }, seed: { type: 'string' }, scenario: { type: 'string' } },
  });
  const minuteSeconds = Number(values['minute-seconds'] ?? 60);
  if (!Number.isInteger(minuteSeconds) || minuteSeconds < 1 || minuteSeconds > 60) {
    throw new Error(`--minute-seconds must be a whole number from 1 to 60, got "${values['minute-seconds']}"`);
  }
  const seed = Number(values.seed ?? Date.now() % 100_000);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a whole number, got "${values.seed}"`);
  return { minuteSeconds, seed, scenario: values.scenario };
}

/** The X variables the processes get: the user's (real X) or the emulator's. */
async function xEnvironment(env: NodeJS.ProcessEnv, args: DemoArgs): Promise<{ xEnv: NodeJS.ProcessEnv; emulator?: RunningEmulator }> {
  if (readOptionalString(env, 'X_BEARER_TOKEN')) {
    console.log('X_BEARER_TOKEN is set: using the X API at', readXConfig(env).baseUrl.origin);
    return { xEnv: {} };
  }
  const emulator = await startEmulator({
    port: 0,
    seed: args.seed,
    minuteSeconds: args.minuteSeconds,
    startTime: new Date().toISOString(),
    // Enough tweets to make 15 minutes worth watching; retweets by other accounts come on top.
    tweetsPerUserPerMinute: 0.5,
    scenarioFile: args.scenario,
    // X's limits are per real 15 minutes; when simulated minutes run faster, so do the refreshes.
    rateLimits: { tweets: { limit: Math.ceil((450 * 60) / args.minuteSeconds), windowSeconds: 900 } },
  });
  console.log(`X API emulator: ${emulator.url} (seed ${args.seed}; ground truth at ${emulator.url}/__admin/state)`);
  return { xEnv: emulator.env, emulator };
}

async function main(): Promise<void> {
  const args = parseDemoArgs(process.argv.slice(2));
  const env = processEnv();
  const temporal = readTemporalConfig(env);
  // A fast-clock demo gets a workflow and a task queue of its own: a regular worker must never serve its ticks.
  const scaled = args.minuteSeconds === 60 ? '' : `-${args.minuteSeconds}s`;
  const workflowId = env.TRACKING_WORKFLOW_ID ?? `${DEFAULT_WORKFLOW_ID}${scaled}`;
  const taskQueue = env.TEMPORAL_TASK_QUEUE ?? `${temporal.taskQueue}${scaled}`;
  const snapshotDir = resolve(env.SNAPSHOT_DIR ?? 'data/snapshots');
  const reportDir = resolve(env.REPORT_DIR ?? 'data/reports');
  const { xEnv, emulator } = await xEnvironment(env, args);

  const client = await connectClient(temporal);
  const input: RetweetTrackingInput = { tickSeconds: args.minuteSeconds };
  // Started here rather than by the bridge's first signal, so the tick length is the demo's; a running
  // workflow with this id is reused (its history goes on).
  await client.workflow.start(WORKFLOW_TYPE, {
    taskQueue,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });

  const pipeline = new Pipeline({
    env: { ...env, ...xEnv, SNAPSHOT_DIR: snapshotDir, REPORT_DIR: reportDir, TRACKING_WORKFLOW_ID: workflowId, TEMPORAL_TASK_QUEUE: taskQueue },
    // The worker prints the snapshots and reports: show them as they are; tag the rest.
    onLine: (name, line) => console.log(name === 'worker' ? line : `[${name}] ${line}`),
  });
  let stopping = false;
  const dashboardUrl = `http://${env.DASHBOARD_HOST ?? '127.0.0.1'}:${env.DASHBOARD_PORT ?? '8080'}`;
  console.log(`Dashboard: ${dashboardUrl}  (live leaderboard, growth curves, reports, status)`);
  for (const name of ['dashboard', 'worker', 'bridge', 'producer'] as const) {
    // A process that dies on its own (bad configuration, say) ends the demo rather than leaving it half-working.
    void pipeline.start(name).exited.then((code) => {
      if (stopping) return;
      console.error(`${name} exited unexpectedly (${code}): stopping the demo`);
      process.exitCode = 1;
      void shutdown();
    });
  }

  const ui = env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
  console.log(
    [
      '',
      `Tracking as workflow ${workflowId}: one tick every ${args.minuteSeconds} s, a top-5 report every 15 ticks.`,
      `  dashboard:        ${dashboardUrl}`,
      `  minute snapshots: ${snapshotDir}/counts-<minute epoch ms>.txt`,
      `  top-5 reports:    ${reportDir}/top5-<epoch ms>.txt and .json`,
      `  history:          ${ui}/namespaces/${temporal.namespace}/workflows/${workflowId}`,
      `  at any time:      TRACKING_WORKFLOW_ID=${workflowId} npm run tracking -- status | top`,
      'Ctrl-C stops the processes; `npm run stack -- down` stops the servers.',
      '',
    ].join('\n'),
  );

  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping producer, bridge and worker ...');
    await pipeline.stopAll();
    await emulator?.close();
    await client.connection.close();
    console.log(`stopped; the workflow ${workflowId} keeps its state in Temporal and resumes on the next run`);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});
