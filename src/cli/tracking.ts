/**
 * `npm run tracking -- <command>`: starts, inspects, changes and stops the RetweetTracking workflow (id:
 * --workflow-id, else TRACKING_WORKFLOW_ID, else retweet-tracking). `--help` on every command.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  type Client,
  isGrpcCancelledError,
  isGrpcDeadlineError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { ConfigError, processEnv, readString } from '../config/env';
import { formatCountLine } from '../domain/ranking';
import { isSnowflakeId } from '../domain/tweet-id';
import { DEFAULT_WORKFLOW_ID, WORKFLOW_TYPE } from '../shared/names';
import { readTemporalConfig, type TemporalConfig } from '../temporal/config';
import { connectClient } from '../temporal/connection';
import type { RetweetTracking } from '../workflows';
import { checkpoint, follow, leaderboard, status, unfollow, type RetweetTrackingInput } from '../workflows/definitions';

/** Queries need a worker to answer; without one, say so within seconds instead of waiting out the RPC deadline. */
const QUERY_DEADLINE_MS = 5_000;

/** A whole number within [min, max] for `flag`; commander prints the message with the flag's name. */
function integer(flag: string, min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw.trim())) throw new InvalidArgumentError(`${flag} must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max)
      throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, got ${value}`);
    return value;
  };
}

function seconds(flag: string, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > max) {
      throw new InvalidArgumentError(`${flag} must be a number of seconds from 0 to ${max}, got "${raw}"`);
    }
    return value;
  };
}

function userIds(raw: string): string[] {
  const ids = raw.split(/[\s,]+/).filter(Boolean);
  const bad = ids.filter((id) => !isSnowflakeId(id));
  if (ids.length === 0 || bad.length) throw new InvalidArgumentError(`user ids must be 1 to 19 digits, got "${raw}"`);
  return ids;
}

interface StartFlags {
  followed?: string[];
  tickSeconds?: number;
  stalenessMinutes?: number;
  horizonDays?: number;
  maxRequestsPer15min?: number;
  maxPostReadsPerDay?: number;
  allowedLatenessSeconds?: number;
  fresh?: boolean;
}

function startInput(flags: StartFlags): RetweetTrackingInput {
  return {
    ...(flags.followed ? { followedUserIds: flags.followed } : {}),
    ...(flags.tickSeconds ? { tickSeconds: flags.tickSeconds } : {}),
    ...(flags.stalenessMinutes ? { stalenessMinutes: flags.stalenessMinutes } : {}),
    ...(flags.horizonDays ? { horizonDays: flags.horizonDays } : {}),
    ...(flags.maxRequestsPer15min ? { maxRequestsPer15Min: flags.maxRequestsPer15min } : {}),
    ...(flags.maxPostReadsPerDay ? { maxPostReadsPerDay: flags.maxPostReadsPerDay } : {}),
    ...(flags.allowedLatenessSeconds !== undefined ? { allowedLatenessSeconds: flags.allowedLatenessSeconds } : {}),
  };
}

/** What `start` does with a workflow id that already has a closed run: carry its state forward, or start empty. */
async function start(client: Client, temporal: TemporalConfig, workflowId: string, flags: StartFlags): Promise<void> {
  const input = startInput(flags);
  const handle = client.workflow.getHandle(workflowId);
  const described = await handle.describe().catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  });
  if (described?.status.name === 'RUNNING') {
    console.log(`${workflowId} is already running`);
    return;
  }
  if (described && !flags.fresh) {
    // A closed run still answers queries by replay: its state is where the new run starts.
    const carried = await client
      .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(checkpoint))
      .catch((error: unknown) => {
        throw new Error(
          `cannot read the state of the ${described.status.name.toLowerCase()} run of ${workflowId} (${(error as Error).message}): ` +
            `start \`npm run worker\` (task queue ${temporal.taskQueue}) and try again, or pass --fresh to start empty`,
        );
      });
    input.carried = carried;
    console.log(
      `carrying ${described.status.name.toLowerCase()} run's state forward: ${carried.followedUserIds.length} followed users`,
    );
  }
  try {
    // Typed by the workflow function (type-only import: no workflow code in the client).
    await client.workflow.start<typeof RetweetTracking>(WORKFLOW_TYPE, {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [input],
    });
    console.log(
      `started RetweetTracking as ${workflowId} on task queue ${temporal.taskQueue}${flags.fresh ? ' (empty)' : ''}`,
    );
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    console.log(`${workflowId} is already running`);
  }
}

const iso = (ms?: number): string => (ms === undefined ? '-' : new Date(ms).toISOString());

/** Runs `work` with a Temporal client; errors that need a worker say which task queue lacks one. */
async function withClient(
  work: (client: Client, temporal: TemporalConfig, workflowId: string) => Promise<void>,
  options: { workflowId?: string },
) {
  const env = processEnv();
  const temporal = readTemporalConfig(env);
  const workflowId = options.workflowId ?? readString(env, 'TRACKING_WORKFLOW_ID', DEFAULT_WORKFLOW_ID);
  // Fails within seconds with a message naming the address and TEMPORAL_ADDRESS when no server answers.
  const client = await connectClient(temporal);
  try {
    await work(client, temporal, workflowId);
  } finally {
    await client.connection.close();
  }
}

/** Whether any worker polled the task queue lately (the server remembers pollers for a few minutes). */
async function hasPollers(client: Client, taskQueue: string): Promise<boolean> {
  // The task queue type defaults to the workflow one: the pollers that answer queries.
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
  });
  return (pollers?.length ?? 0) > 0;
}

/**
 * Runs a query of the workflow. When no worker serves its task queue (the workflow's, which may differ from ours),
 * says so at once if none polled lately, else when the deadline passes.
 */
async function query<T>(client: Client, workflowId: string, run: () => Promise<T>): Promise<T> {
  const { taskQueue } = await client.workflow.getHandle(workflowId).describe();
  const noWorker = new Error(`no worker is serving task queue ${taskQueue}: start \`npm run worker\``);
  if (!(await hasPollers(client, taskQueue))) throw noWorker;
  try {
    return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, run);
  } catch (error) {
    // At the deadline grpc-js ends the call as DEADLINE_EXCEEDED or, in a race, as CANCELLED: both mean no answer.
    throw isGrpcDeadlineError(error) || isGrpcCancelledError(error) ? noWorker : error;
  }
}

export function trackingProgram(): Command {
  const program = new Command('tracking').description('Start, inspect, change and stop the RetweetTracking workflow.');
  program
    .option('--workflow-id <id>', 'workflow id (default: TRACKING_WORKFLOW_ID, else retweet-tracking)')
    .showHelpAfterError();
  const ids = () => program.opts<{ workflowId?: string }>();

  program
    .command('start')
    .description("start tracking; after a stop, carries the last run's state forward unless --fresh")
    .option(
      '--followed <ids>',
      'followed user ids, comma-separated (first run only; then use follow/unfollow)',
      userIds,
    )
    .option('--tick-seconds <n>', 'tick length in seconds', integer('--tick-seconds', 1, 86_400))
    .option(
      '--staleness-minutes <n>',
      'look up every tweet at least this often, budget allowing',
      integer('--staleness-minutes', 1, 10_080),
    )
    .option('--horizon-days <n>', 'days after posting a tweet is tracked', integer('--horizon-days', 1, 365))
    .option(
      '--max-requests-per-15min <n>',
      'own cap on X lookup requests per 15 minutes',
      integer('--max-requests-per-15min', 1, 1_000_000),
    )
    .option(
      '--max-post-reads-per-day <n>',
      'cap on billed X post reads per UTC day',
      integer('--max-post-reads-per-day', 1, 100_000_000),
    )
    .option(
      '--allowed-lateness-seconds <s>',
      "how long a tick waits for the stream's watermark (default 5, at most half a tick)",
      seconds('--allowed-lateness-seconds', 3600),
    )
    .option('--fresh', 'start empty even if a stopped run exists')
    .action((flags: StartFlags) => withClient((client, temporal, id) => start(client, temporal, id, flags), ids()));

  program
    .command('status')
    .description('counters, budget and cost of today, last tick and report')
    .action(() =>
      withClient(async (client, _temporal, id) => {
        const s = await query(client, id, () => client.workflow.getHandle(id).query(status));
        const { lastReport, followedUserIds, lastTickMs, nextTickMs, nextReportMs, ...counters } = s;
        console.log(
          JSON.stringify(
            {
              ...counters,
              followedUserIds: followedUserIds.join(','),
              lastTick: iso(lastTickMs),
              nextTick: iso(nextTickMs),
              nextReport: iso(nextReportMs),
              lastReport: lastReport?.fileBase,
            },
            null,
            2,
          ),
        );
      }, ids()),
    );

  program
    .command('top')
    .description('the top tweets by current count, and the last report')
    .argument('[n]', 'how many (1-100)', integer('n', 1, 100))
    .action((n?: number) =>
      withClient(async (client, _temporal, id) => {
        const handle = client.workflow.getHandle(id);
        const lines = await query(client, id, () => handle.query(leaderboard, n));
        console.log(lines.length ? lines.map(formatCountLine).join('\n') : '(no tracked tweets yet)');
        const { lastReport } = await query(client, id, () => handle.query(status));
        for (const e of lastReport?.entries ?? [])
          console.log(`\n@${e.screenName} tweeted in #${e.tweetId}:\n${e.text}`);
      }, ids()),
    );

  for (const [name, update, verb] of [
    ['follow', follow, 'adds'],
    ['unfollow', unfollow, 'removes'],
  ] as const) {
    program
      .command(name)
      .description(`${verb} followed users while tracking runs (the producer's stream rules follow)`)
      .argument('<ids...>', 'X user ids')
      .action((raw: string[]) =>
        withClient(async (client, _temporal, id) => {
          const list = await client.workflow.getHandle(id).executeUpdate(update, { args: [userIds(raw.join(','))] });
          console.log(`followed users: ${list.join(',')}`);
        }, ids()),
      );
  }

  program
    .command('stop')
    .description('cancel the workflow (the history records who stopped it); `start` carries its state forward')
    .action(() =>
      withClient(async (client, _temporal, id) => {
        // Cancellation, not termination: the workflow ends through its own code and the history says who stopped it.
        await client.workflow.getHandle(id).cancel();
        console.log(`cancellation requested for ${id}`);
      }, ids()),
    );
  return program;
}

if (require.main === module) {
  trackingProgram()
    .parseAsync()
    .catch((error: unknown) => {
      console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
