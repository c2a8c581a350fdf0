/**
 * Records a replay history for the replay test: `npm run record:history -- <scenario> [--release <version>]`.
 * Runs RetweetTracking on the time-skipping test server with a fake X and writes one run's history to
 * test/fixtures/histories/<release>-<scenario>.json (release: package.json's version unless given).
 *
 * Record once per release, with that release's code, and commit the files: every later release must replay
 * them, because a running workflow moves to the new worker version at its next task (AUTO_UPGRADE). An existing
 * file is never overwritten: a history is a record of what a release did, not something to bring up to date.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../../src/domain/followed-users';
import { follow, RetweetTracking, tweetsObserved, unfollow } from '../../../src/workflows';
import { XRateLimitError } from '../../../src/x/errors';
import { FakeX, makeTweets, tweetId } from './fake-x';
import { bundleTracking, quietRuntime, testActivities, timeSkippingEnv, waitFor } from './env';
import { HISTORIES_DIR } from './histories';

interface Scenario {
  /** What the run's history holds, for the reader of the fixture list. */
  about: string;
  /** Drives the workflow; returns the run id of the run to keep, once that run has closed. */
  run(
    env: TestWorkflowEnvironment,
    x: FakeX,
    handle: WorkflowHandleWithFirstExecutionRunId<typeof RetweetTracking>,
  ): Promise<string>;
  input: Parameters<typeof RetweetTracking>[0];
}

const tweets = makeTweets(12, DEFAULT_FOLLOWED_USER_IDS);
const items = tweets.map((t) => ({ id: t.id, authorId: t.authorId }));
/** A user the carried run starts and stops following. */
const NEW_USER_ID = '1234567890';

async function nextRun(client: Client, handle: WorkflowHandle, afterRunId: string): Promise<string> {
  return waitFor('continue-as-new', async () => {
    const { runId } = await client.workflow.getHandle(handle.workflowId).describe();
    return runId !== afterRunId ? runId : undefined;
  });
}

const SCENARIOS: Record<string, Scenario> = {
  'first-run': {
    about: 'a first run: 15 ticks, a report, an invalid id, a retweet, a deleted tweet, a rate limit, Continue-As-New',
    input: { continueAsNewAfterEvents: 180 },
    async run(env, x, handle) {
      await handle.signal(tweetsObserved, [...items.slice(0, 6), { id: 'bad', authorId: '1' }]);
      await env.sleep('3 minutes');
      x.gone.add(tweets[0].id);
      x.failNext.push(new XRateLimitError('GET /2/tweets', Date.now() + 1_000));
      await handle.signal(tweetsObserved, [
        ...items.slice(6),
        { id: tweetId(700), authorId: '5', retweetedOf: { id: tweets[1].id, authorId: tweets[1].authorId } },
      ]);
      await env.sleep('14 minutes');
      await nextRun(env.client, handle, handle.firstExecutionRunId);
      return handle.firstExecutionRunId;
    },
  },
  'carried-run': {
    about:
      'a run started by Continue-As-New with carried state: follow and unfollow updates, tweets, a retweet, a report',
    input: { continueAsNewAfterEvents: 100 },
    async run(env, x, handle) {
      await handle.signal(tweetsObserved, items.slice(0, 8));
      await env.sleep('10 minutes'); // ~11 events a tick: past the 100 that end the first run
      const carriedRun = await nextRun(env.client, handle, handle.firstExecutionRunId);
      const current = env.client.workflow.getHandle(handle.workflowId);
      await current.executeUpdate(follow, { args: [[NEW_USER_ID]] });
      await current.signal(tweetsObserved, [
        { id: tweetId(800), authorId: NEW_USER_ID },
        ...items.slice(8),
        { id: tweetId(801), authorId: '5', retweetedOf: { id: tweets[2].id, authorId: tweets[2].authorId } },
      ]);
      x.failNext.push(new XRateLimitError('GET /2/tweets', Date.now() + 1_000));
      await env.sleep('3 minutes');
      await current.executeUpdate(unfollow, { args: [[NEW_USER_ID]] });
      await env.sleep('10 minutes');
      await nextRun(env.client, handle, carriedRun);
      return carriedRun;
    },
  },
};

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

function usage(problem: string): never {
  const list = Object.entries(SCENARIOS)
    .map(([name, s]) => `  ${name}: ${s.about}`)
    .join('\n');
  throw new Error(`${problem}\nusage: npm run record:history -- <scenario> [--release <version>]\nscenarios:\n${list}`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { release: { type: 'string' } } });
  if (positionals.length !== 1) usage('name one scenario');
  const name = positionals[0];
  const scenario = SCENARIOS[name] ?? usage(`unknown scenario "${name}"`);
  const release = values.release ?? packageVersion();
  if (!/^[0-9A-Za-z.+-]+$/.test(release)) usage(`--release must be a version such as 0.3.0, got "${release}"`);
  const file = join(HISTORIES_DIR, `${release}-${name}.json`);
  if (existsSync(file))
    throw new Error(`${file} exists: a recorded history is never replaced (pass --release for a new one)`);

  quietRuntime();
  const [env, workflowBundle] = await Promise.all([timeSkippingEnv(), bundleTracking()]);
  try {
    const x = new FakeX(tweets);
    const test = await testActivities(x);
    const taskQueue = 'record-history';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: test.activities,
      sinks: test.log.sinks,
    });
    const history = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId: `replay-${name}`,
        args: [scenario.input],
      });
      const runId = await scenario.run(env, x, handle);
      return env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    });
    // Plain protobuf JSON (enum names, base64 payloads): readable in a diff, read back with History.fromObject.
    const json = temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
      longs: String,
      enums: String,
      bytes: String,
    });
    await mkdir(HISTORIES_DIR, { recursive: true });
    await writeFile(file, `${JSON.stringify(json, null, 1)}\n`, { flag: 'wx' });
    console.log(`wrote ${history.events?.length} events to ${file}`);
  } finally {
    await env.teardown();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
