import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { FakeX, makeTweets } from './support/fake-x';
import { readSnapshots, testActivities, timeSkippingSuite, uniqueId, waitFor } from './support/env';
import { bigMessageClient, runHistories } from './support/history';

const TRACKED = 20_000;
const TICKS = 30;
const MB = 1024 * 1024;

describe('RetweetTracking at capacity (time-skipping)', () => {
  const suite = timeSkippingSuite();

  it(`tracks ${TRACKED} tweets for ${TICKS} ticks without reaching a payload or history limit`, async () => {
    const tweets = makeTweets(TRACKED, DEFAULT_FOLLOWED_USER_IDS);
    const test = await testActivities(new FakeX(tweets, false));
    const { worker, taskQueue } = await suite.createWorker(test);
    const workflowId = uniqueId('capacity');
    await worker.runUntil(async () => {
      await suite.env.client.workflow.start(RetweetTracking, { taskQueue, workflowId, args: [{}] });
      const handle = suite.env.client.workflow.getHandle(workflowId);
      for (let i = 0; i < TRACKED; i += 1000) {
        await handle.signal(
          tweetsObserved,
          tweets.slice(i, i + 1000).map((t) => ({ id: t.id, authorId: t.authorId })),
        );
      }
      await suite.env.sleep(TICKS * 60_000);
      const s = await waitFor(
        'the last tick',
        async () => {
          const now = await handle.query(status);
          return now.tickNumber >= TICKS && (await readSnapshots(test.snapshotDir)).length >= TICKS ? now : undefined;
        },
        240_000,
      );
      expect(s).toMatchObject({
        tickNumber: TICKS,
        trackedTweets: TRACKED,
        failedTicks: 0,
        missedTicks: 0,
        reportsWritten: 2,
        droppedItems: 0,
      });
      // The byte threshold (2 MiB by default) split the history into several runs.
      expect(s.runNumber).toBeGreaterThanOrEqual(3);
      await handle.terminate('test over');
    });

    const snapshots = await readSnapshots(test.snapshotDir);
    expect(snapshots).toHaveLength(TICKS);
    expect(new Set(snapshots[TICKS - 1].lines.map((l) => /^\((\d+),/.exec(l)![1])).size).toBe(TRACKED);

    const client = await bigMessageClient(suite.env.address);
    const runs = await runHistories(client, workflowId).finally(() => client.connection.close());
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) {
      // Temporal refuses payloads over 2 MB and warns on histories over 10 MB: stay well under both.
      expect(run.largestEventBytes).toBeLessThan(1 * MB);
      expect(run.bytes).toBeLessThan(4 * MB);
    }
  });
});
