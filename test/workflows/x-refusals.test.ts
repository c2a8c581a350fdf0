import { formatCountLine, rankByRetweets } from '../../src/domain/ranking';
import type { Scenario } from '../../src/emulator';
import { RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { createTweetLookup } from '../../src/x/lookup';
import { devServerSuite, readSnapshots, testActivities, uniqueId, waitFor, type Snapshot } from './support/env';

const ALICE = '285532415';
const idOf = (i: number): string => String(1_850_000_000_000_000_000n + BigInt(i));
const TWEETS = 6;
/** Minute 0 posts six tweets; minute 1 un-retweets tweet 0 (X's count falls) and retweets tweet 1. */
const scenario: Scenario = {
  startTime: '2026-11-26T00:00:00.000Z',
  users: [{ id: ALICE, username: 'alice' }],
  minutes: [
    {
      minute: 0,
      tweets: Array.from({ length: TWEETS }, (_, i) => ({
        id: idOf(i),
        authorId: ALICE,
        text: `tweet ${i}`,
        retweetCount: 10 * (i + 1),
      })),
    },
    { minute: 1, unretweets: { [idOf(0)]: 7 }, retweets: { [idOf(1)]: 3 } },
  ],
};

/**
 * What X refuses never costs a minute file: an id X answers with 400 is isolated, a count that falls on X falls in
 * the file, a lookup that hangs is given up at the tick's deadline, and a 429 whose reset is 10 minutes away makes
 * the planner wait for the reset while every tick still writes its file. Real servers: the Temporal dev server, the
 * X emulator over HTTPS, the real X client.
 */
describe('X refusals on the dev server', () => {
  const suite = devServerSuite({ scenario, minuteSeconds: 0 }, (emulator) => emulator.admin.advance(1));

  /** The file `counts-<tickMs>` must equal X's ground truth for the given ids. */
  function truthLines(ids: readonly string[]): string[] {
    const truth = suite.emulator.admin.groundTruth(undefined, ids).tweets;
    return rankByRetweets(truth.map((t) => ({ tweetId: t.id, retweets: t.retweetCount }))).map(formatCountLine);
  }

  it('writes a file every tick through a 400, a falling count, a hung lookup and a 429 ten minutes from reset', async () => {
    const { activities, snapshotDir } = await testActivities(createTweetLookup(suite.xClient));
    const taskQueue = uniqueId('tq');
    const worker = await suite.createWorker(taskQueue, activities);
    const running = worker.run();
    const tickMs = 5_000;
    const lookups = (): number => suite.emulator.admin.requests().filter((r) => r.path === '/2/tweets').length;
    const filesAfter = async (count: number): Promise<Snapshot[]> =>
      waitFor(
        `${count} files`,
        async () => {
          const snaps = await readSnapshots(snapshotDir);
          return snaps.length >= count ? snaps : undefined;
        },
        60_000,
      );
    try {
      const refused = idOf(2);
      suite.emulator.admin.rejectIds([refused]);
      const handle = await suite.client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId: uniqueId('refusals'),
        args: [{ tickSeconds: tickMs / 1000 }],
      });
      await handle.signal(
        tweetsObserved,
        Array.from({ length: TWEETS }, (_, i) => ({ id: idOf(i), authorId: ALICE })),
      );
      const live = Array.from({ length: TWEETS }, (_, i) => idOf(i)).filter((id) => id !== refused);

      // 1. The id X refuses with 400 is isolated and dropped; every other count is X's.
      let snaps = await filesAfter(1);
      expect(snaps[0].lines).toEqual(truthLines(live));
      expect(await handle.query(status)).toMatchObject({ invalidTweets: 1, trackedTweets: TWEETS - 1, failedTicks: 0 });

      // 2. X's count of tweet 0 falls by 7: the next file says so.
      suite.emulator.admin.advance(1);
      const fallen = truthLines(live);
      expect(fallen).toContain(formatCountLine({ tweetId: idOf(0), retweets: 3 }));
      snaps = await waitFor('a file with the fallen count', async () => {
        const all = await readSnapshots(snapshotDir);
        return all.some((s) => s.lines.join() === fallen.join()) ? all : undefined;
      });

      // 3. The next lookup hangs (a half-open connection): given up at the tick's deadline, the file still comes.
      suite.emulator.admin.hangNext(1);
      const beforeHang = snaps.length;
      snaps = await filesAfter(beforeHang + 2);
      expect(snaps[beforeHang].lines).toEqual(fallen);

      // 4. A 429 whose window resets in 10 minutes: no lookup until then, and a file every tick meanwhile.
      suite.emulator.admin.failNext(1, 429, 600, 'tweets');
      const before429 = snaps.length;
      snaps = await filesAfter(before429 + 1);
      const lookupsAfter429 = lookups();
      snaps = await filesAfter(before429 + 4);
      expect(lookups()).toBe(lookupsAfter429);
      for (const snap of snaps.slice(before429)) expect(snap.lines).toEqual(fallen);
      const s = await handle.query(status);
      expect(s).toMatchObject({ failedTicks: 0, missedTicks: 0, invalidTweets: 1, xRefusedToday: 1 });
      expect(s.xBudget).toMatchObject({ remaining: 0 });
      expect(s.xBudget!.resetMs).toBeGreaterThan(Date.now() + 8 * 60_000);

      // Every tick from the first has exactly one file: the ticks' times are contiguous, none missing, none twice.
      const all = await readSnapshots(snapshotDir);
      for (let i = 1; i < all.length; i++) expect(all[i].tickMs - all[i - 1].tickMs).toBe(tickMs);
      expect(all.length).toBeGreaterThanOrEqual(s.tickNumber - 1);
      await handle.terminate('test over');
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
