import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { createTrackingWorker } from '../../src/temporal/tracking-worker';
import { status, tweetsObserved } from '../../src/workflows';
import { requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { FakeX, makeTweets, tweetId } from '../workflows/support/fake-x';
import { bundleTracking, quietRuntime, testActivities, uniqueId, waitFor } from '../workflows/support/env';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run tracking -- <args>` as a user runs it, against the dev server. */
function tracking(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['src/cli/tracking.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm run tracking (the CLI) on the dev server', () => {
  let client: Client;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueId('cli-tq');
  const env = { TEMPORAL_TASK_QUEUE: taskQueue, TRACKING_WORKFLOW_ID: uniqueId('cli') };
  const followed = DEFAULT_FOLLOWED_USER_IDS;
  const newcomer = '1234567';
  const tweets = makeTweets(6, followed);

  beforeAll(async () => {
    quietRuntime();
    const address = await requireTemporal();
    client = new Client({ connection: await Connection.connect({ address }), namespace: TEST_NAMESPACE });
    connection = await NativeConnection.connect({ address });
    const test = await testActivities(new FakeX(tweets));
    worker = await createTrackingWorker({
      connection,
      namespace: TEST_NAMESPACE,
      taskQueue,
      activities: test.activities,
      workflowCode: { workflowBundle: await bundleTracking() },
      print: () => undefined,
    });
    running = worker.run();
  });
  afterAll(async () => {
    await client.workflow
      .getHandle(env.TRACKING_WORKFLOW_ID)
      .terminate('test over')
      .catch(() => undefined);
    worker?.shutdown();
    await running;
    await connection?.close();
    await client?.connection.close();
  });

  it('rejects a number that is not one, naming the flag, before connecting', async () => {
    const run = await tracking({ ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'start', '--tick-seconds', 'abc');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--tick-seconds');
    expect((await tracking(env, 'top', 'ten')).stderr).toMatch(/\bn must be a whole number/);
  });

  it('follows and unfollows while running, and carries the state over a stop unless --fresh', async () => {
    const handle = client.workflow.getHandle(env.TRACKING_WORKFLOW_ID);
    expect((await tracking(env, 'start', '--tick-seconds', '2')).stdout).toContain('started RetweetTracking');
    await handle.signal(
      tweetsObserved,
      tweets.map((t) => ({ id: t.id, authorId: t.authorId })),
    );

    const follow = await tracking(env, 'follow', newcomer);
    expect(follow.stdout).toContain(`followed users: ${[...followed, newcomer].join(',')}`);
    expect((await tracking(env, 'follow', '12345678901234567890')).code).not.toBe(0);
    await handle.signal(tweetsObserved, [{ id: tweetId(900), authorId: newcomer }]);
    expect((await handle.query(status)).trackedTweets).toBe(7);

    expect((await tracking(env, 'unfollow', newcomer)).stdout).toContain(`followed users: ${followed.join(',')}`);
    await handle.signal(tweetsObserved, [{ id: tweetId(901), authorId: newcomer }]);
    const before = await waitFor('the unfollowed user ignored', async () => {
      const s = await handle.query(status);
      return s.ignoredItems === 1 ? s : undefined;
    });
    expect(before.trackedTweets).toBe(7);

    // Stop, then start: the new run carries the tracked tweets and the followed list forward.
    expect((await tracking(env, 'stop')).stdout).toContain('cancellation requested');
    await waitFor('the run closed', async () => (await handle.describe()).status.name === 'CANCELLED');
    const restarted = await tracking(env, 'start');
    expect(restarted.stdout).toContain('carrying cancelled run');
    const carried = await waitFor('the carried run', async () => {
      const s = await handle.query(status).catch(() => undefined);
      return s && s.runNumber === before.runNumber + 1 ? s : undefined;
    });
    expect(carried).toMatchObject({ trackedTweets: 7, followedUserIds: [...followed] });
    expect((await tracking(env, 'start')).stdout).toContain('already running');

    // --fresh starts empty.
    await tracking(env, 'stop');
    await waitFor('the run closed again', async () => (await handle.describe()).status.name === 'CANCELLED');
    expect((await tracking(env, 'start', '--fresh')).stdout).toContain('(empty)');
    expect(
      await waitFor('the fresh run', async () => (await handle.query(status).catch(() => undefined))?.runNumber === 1),
    ).toBe(true);
    expect((await handle.query(status)).trackedTweets).toBe(0);
  });
});
