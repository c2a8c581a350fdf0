import type { Worker } from '@temporalio/worker';
import { formatCountLine, rankByRetweets } from '../../src/domain/ranking';
import { RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { createTweetLookup } from '../../src/x/lookup';
import { temporalUiUrl } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { devServerSuite, readSnapshots, testActivities, uniqueId, waitFor } from './support/env';

/**
 * The whole path on real servers: the Temporal dev server, the X emulator over HTTPS, the real X client. A worker
 * is stopped mid-run and a second one carries on from the history.
 */
describe('RetweetTracking on the dev server with the X emulator', () => {
  // Frozen clock (minuteSeconds 0): counts change only when the test advances it, so every file has one truth.
  const suite = devServerSuite(
    { minuteSeconds: 0, seed: 11, deleteProbability: 0, tweetsPerUserPerMinute: 0.5, initialTweets: 0 },
    (emulator) => emulator.admin.advance(6),
  );

  it('a second worker continues after the first stops: no tick lost or repeated, history visible over HTTP', async () => {
    const truth = suite.emulator.admin.groundTruth().tweets;
    expect(truth.length).toBeGreaterThan(5);
    const { activities, snapshotDir } = await testActivities(createTweetLookup(suite.xClient));
    const taskQueue = uniqueId('tq');
    const startWorker = async (): Promise<[Worker, Promise<void>]> => {
      const worker = await suite.createWorker(taskQueue, activities);
      return [worker, worker.run()];
    };

    const workflowId = uniqueId('dev-tracking');
    // Real time on a real server: ticks long enough that a worker handover on a loaded 2-core machine fits in one.
    const tickMs = 4_000;
    const handle = await suite.client.workflow.start(RetweetTracking, {
      taskQueue,
      workflowId,
      args: [{ tickSeconds: tickMs / 1000, reportEveryTicks: 4 }],
    });
    const [first, firstRun] = await startWorker();
    await handle.signal(
      tweetsObserved,
      truth.map((t) => ({ id: t.id, authorId: t.authorId, authorUsername: t.authorUsername })),
    );
    await waitFor('3 snapshots from the first worker', async () => (await readSnapshots(snapshotDir)).length >= 3);
    first.shutdown();
    await firstRun;

    const [second, secondRun] = await startWorker();
    try {
      await waitFor('7 snapshots', async () => (await readSnapshots(snapshotDir)).length >= 7);
      const s = await waitFor('settled status', async () => {
        const now = await handle.query(status);
        return now.tickNumber >= 7 && (await readSnapshots(snapshotDir)).length === now.tickNumber ? now : undefined;
      });
      await handle.terminate('test over');

      const snaps = await readSnapshots(snapshotDir);
      // One file per tick boundary, none skipped, none twice.
      expect(snaps.map((snap) => (snap.tickMs - snaps[0].tickMs) / tickMs)).toEqual(snaps.map((_, i) => i));
      expect(s).toMatchObject({
        missedTicks: 0,
        failedTicks: 0,
        trackedTweets: truth.length,
        tickNumber: snaps.length,
      });
      const expected = rankByRetweets(truth.map((t) => ({ tweetId: t.id, retweets: t.retweetCount }))).map(
        formatCountLine,
      );
      for (const snap of snaps) expect(snap.lines).toEqual(expected);

      // The Web UI's HTTP API shows the timers and the activities, one refresh per tick.
      const response = await fetch(
        `${temporalUiUrl()}/api/v1/namespaces/${TEST_NAMESPACE}/workflows/${workflowId}/history`,
      );
      expect(response.ok).toBe(true);
      type Event = { eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } };
      const { history } = (await response.json()) as { history: { events: Event[] } };
      const types = history.events.map((e) => e.eventType);
      expect(types).toContain('EVENT_TYPE_TIMER_FIRED');
      const refreshes = history.events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'refreshAndSnapshot',
      );
      expect(refreshes).toHaveLength(snaps.length);
      const reports = history.events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'enrichTopTweets',
      );
      expect(reports.length).toBeGreaterThanOrEqual(1);
    } finally {
      second.shutdown();
      await secondRun;
    }
  });

  it('records ticks missed while no worker ran and resumes at the current tick without stale files', async () => {
    const { activities, snapshotDir } = await testActivities(createTweetLookup(suite.xClient));
    const taskQueue = uniqueId('tq');
    const workflowId = uniqueId('dev-outage');
    const handle = await suite.client.workflow.start(RetweetTracking, {
      taskQueue,
      workflowId,
      args: [{ tickSeconds: 2 }],
    });
    const truth = suite.emulator.admin.groundTruth().tweets.slice(0, 5);
    await handle.signal(
      tweetsObserved,
      truth.map((t) => ({ id: t.id, authorId: t.authorId })),
    );

    const first = await suite.createWorker(taskQueue, activities);
    await first.runUntil(waitFor('2 snapshots', async () => (await readSnapshots(snapshotDir)).length >= 2));
    // About four ticks with no worker at all.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const restartMs = Date.now();
    const second = await suite.createWorker(taskQueue, activities);
    await second.runUntil(async () => {
      const snaps = await waitFor('2 more snapshots', async () => {
        const all = await readSnapshots(snapshotDir);
        return all.length >= 4 ? all : undefined;
      });
      const s = await handle.query(status);
      await handle.terminate('test over');

      const missed = (snaps[2].tickMs - snaps[1].tickMs) / 2000 - 1;
      expect(missed).toBeGreaterThanOrEqual(2);
      // One file for the tick current at restart (not one per missed tick), then the regular cadence.
      expect(snaps[2].tickMs).toBeGreaterThanOrEqual(Math.floor(restartMs / 2000) * 2000);
      expect(snaps[3].tickMs - snaps[2].tickMs).toBe(2000);
      expect(s.missedTicks).toBe(missed);
      expect(s.failedTicks).toBe(0);
    });
  });
});
