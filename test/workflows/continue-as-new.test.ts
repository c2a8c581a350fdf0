import { outputDirFor } from '../../src/shared/output-dirs';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { formatCountLine } from '../../src/domain/ranking';
import { leaderboard, RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { FakeX, makeTweets } from './support/fake-x';
import { listFiles, readSnapshots, testActivities, timeSkippingSuite, uniqueId, waitFor } from './support/env';

const followed = DEFAULT_FOLLOWED_USER_IDS;

describe('RetweetTracking Continue-As-New (time-skipping)', () => {
  const suite = timeSkippingSuite();

  it('carries counts, the tick counter and the 15-minute cadence across runs', async () => {
    const tweets = makeTweets(20, followed);
    const test = await testActivities(new FakeX(tweets));
    const { worker, taskQueue } = await suite.createWorker(test);
    await worker.runUntil(async () => {
      // About 11 events per tick: a new run every three or four ticks.
      const handle = await suite.env.client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId: uniqueId('can'),
        args: [{ continueAsNewAfterEvents: 40 }],
      });
      await handle.signal(
        tweetsObserved,
        tweets.map((t) => ({ id: t.id, authorId: t.authorId })),
      );
      await suite.env.sleep('16 minutes');
      const snaps = await waitFor('16 files', async () => {
        const all = await readSnapshots(test.snapshotDir);
        return all.length >= 16 ? all : undefined;
      });
      const s = await waitFor('tick 16 settled', async () => {
        const now = await suite.env.client.workflow.getHandle(handle.workflowId).query(status);
        return now.tickNumber === 16 && now.reportsWritten === 1 ? now : undefined;
      });

      expect(s.runNumber).toBeGreaterThanOrEqual(4);
      expect(s).toMatchObject({ trackedTweets: 20, missedTicks: 0, failedTicks: 0, signalsReceived: 1 });
      // No tick lost or repeated across the switches: 16 consecutive minutes.
      expect(snaps.map((snap) => snap.tickMs - snaps[0].tickMs)).toEqual(
        Array.from({ length: 16 }, (_, i) => i * 60_000),
      );
      // The cadence survived: the only report is the one of minute 15.
      expect(await listFiles(outputDirFor(test.reportDir, handle.workflowId), /^top5-\d+\.json$/)).toEqual([
        `top5-${snaps[14].tickMs}.json`,
      ]);
      expect(s.nextReportTick).toBe(30);
      // Every count survived: the last run's state equals the last snapshot.
      const board = await suite.env.client.workflow.getHandle(handle.workflowId).query(leaderboard, 100);
      expect(board.map(formatCountLine)).toEqual(snaps[15].lines);
      await suite.env.client.workflow.getHandle(handle.workflowId).terminate('test over');
    });
  });

  it('loses no signal sent around the switches', async () => {
    const tweets = makeTweets(40, followed);
    const test = await testActivities(new FakeX(tweets));
    const { worker, taskQueue } = await suite.createWorker(test);
    await worker.runUntil(async () => {
      const workflowId = uniqueId('can-signals');
      await suite.env.client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId,
        args: [{ continueAsNewAfterSignals: 4 }],
      });
      // Addressed by workflow id only, so each signal reaches whichever run is current.
      const handle = suite.env.client.workflow.getHandle(workflowId);
      // A steady several per second, like the bridge's batches: runs switch while signals keep coming, so some
      // land on a run that is closing (the server then refuses the close until they are handled) and some on
      // the next run.
      for (const t of tweets) {
        await handle.signal(tweetsObserved, [{ id: t.id, authorId: t.authorId }]);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      const s = await waitFor('all 40 signals', async () => {
        const now = await handle.query(status);
        return now.signalsReceived === 40 ? now : undefined;
      });
      expect(s.trackedTweets).toBe(40);
      expect(s.droppedItems).toBe(0);
      expect(s.runNumber).toBeGreaterThanOrEqual(3);
      await handle.terminate('test over');
    });
  });
});
