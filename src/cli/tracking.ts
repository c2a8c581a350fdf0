/**
 * `npm run tracking -- start|status|top|stop [--workflow-id ID]`: starts, inspects and stops the RetweetTracking
 * workflow (id: --workflow-id, else TRACKING_WORKFLOW_ID, else retweet-tracking). `start` also takes
 * `--followed ID,ID` and `--tick-seconds N`.
 */
import { parseArgs } from 'node:util';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ConfigError, processEnv } from '../config/env';
import { formatCountLine } from '../domain/ranking';
import { DEFAULT_WORKFLOW_ID, WORKFLOW_TYPE } from '../shared/names';
import { readTemporalConfig } from '../temporal/config';
import { connectClient } from '../temporal/connection';
import { leaderboard, status, type RetweetTrackingInput } from '../workflows/definitions';

const USAGE = 'usage: npm run tracking -- start|status|top [N]|stop [--workflow-id ID] [--followed ID,ID] [--tick-seconds N]';

function startInput(values: { followed?: string; 'tick-seconds'?: string }): RetweetTrackingInput {
  const input: RetweetTrackingInput = {};
  if (values.followed) input.followedUserIds = values.followed.split(',').map((id) => id.trim()).filter(Boolean);
  if (values['tick-seconds']) input.tickSeconds = Number(values['tick-seconds']);
  return input;
}

const iso = (ms?: number): string => (ms === undefined ? '-' : new Date(ms).toISOString());

async function run(client: Client, taskQueue: string, command: string, workflowId: string, rest: string[], values: Record<string, string | undefined>) {
  const handle = client.workflow.getHandle(workflowId);
  switch (command) {
    case 'start': {
      try {
        await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [startInput(values)] });
        console.log(`started ${WORKFLOW_TYPE} as ${workflowId} on task queue ${taskQueue}`);
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        console.log(`${workflowId} is already running`);
      }
      return;
    }
    case 'status': {
      const s = await handle.query(status);
      const { lastReport, followedUserIds, lastTickMs, nextTickMs, nextReportMs, ...counters } = s;
      console.log(JSON.stringify({ ...counters, followedUserIds: followedUserIds.join(','), lastTick: iso(lastTickMs), nextTick: iso(nextTickMs), nextReport: iso(nextReportMs), lastReport: lastReport?.fileBase }, null, 2));
      return;
    }
    case 'top': {
      const lines = await handle.query(leaderboard, rest[0] ? Number(rest[0]) : undefined);
      console.log(lines.length ? lines.map(formatCountLine).join('\n') : '(no tracked tweets yet)');
      const { lastReport } = await handle.query(status);
      for (const e of lastReport?.entries ?? []) console.log(`\n@${e.screenName} tweeted in #${e.tweetId}:\n${e.text}`);
      return;
    }
    case 'stop':
      // Cancellation, not termination: the workflow ends through its own code and the history says who stopped it.
      await handle.cancel();
      console.log(`cancellation requested for ${workflowId}`);
      return;
    default:
      throw new Error(USAGE);
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'workflow-id': { type: 'string' }, followed: { type: 'string' }, 'tick-seconds': { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (!command) throw new Error(USAGE);
  const env = processEnv();
  const temporal = readTemporalConfig(env);
  const workflowId = values['workflow-id'] ?? env.TRACKING_WORKFLOW_ID ?? DEFAULT_WORKFLOW_ID;
  const client = await connectClient(temporal);
  try {
    await run(client, temporal.taskQueue, command, workflowId, rest, values);
  } finally {
    await client.connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
