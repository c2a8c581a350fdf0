import { outputDirFor } from '../../src/shared/output-dirs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { RefreshInput } from '../../src/activities';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { formatCountLine, rankByRetweets } from '../../src/domain/ranking';
import { leaderboard, RetweetTracking, status, tweetsObserved, type RetweetTrackingInput } from '../../src/workflows';
import { XRateLimitError } from '../../src/x/errors';
import { FakeX, makeTweets, tweetId } from './support/fake-x';
import {
  listFiles,
  readSnapshots,
  testActivities,
  timeSkippingSuite,
  uniqueId,
  waitFor,
  type TestActivities,
} from './support/env';

const followed = DEFAULT_FOLLOWED_USER_IDS;

describe('RetweetTracking edge cases (time-skipping)', () => {
  const suite = timeSkippingSuite();

  /** Runs a fresh worker and workflow for one test. */
  async function withWorkflow(
    test: TestActivities,
    input: RetweetTrackingInput,
    body: (handle: WorkflowHandle<typeof RetweetTracking>) => Promise<void>,
  ) {
    const { worker, taskQueue } = await suite.createWorker(test);
    await worker.runUntil(async () => {
      const handle = await suite.env.client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId: uniqueId('edge'),
        args: [input],
      });
      await body(handle);
      await handle.terminate('test over');
    });
  }

  /** Skips `ms` of time and waits until the snapshot files for the ticks it crossed are complete. */
  async function skipAndSettle(test: TestActivities, ms: number, files: number) {
    await suite.env.sleep(ms);
    return waitFor(`${files} snapshot files`, async () => {
      const snaps = await readSnapshots(test.snapshotDir);
      return snaps.length >= files ? snaps : undefined;
    });
  }

  it('tracks a tweet seen twice (or retweeted twice) once', async () => {
    const [tweet] = makeTweets(1, followed);
    const test = await testActivities(new FakeX([tweet]));
    await withWorkflow(test, {}, async (handle) => {
      const item = { id: tweet.id, authorId: tweet.authorId };
      const retweet = { id: tweetId(900), authorId: '42', retweetedOf: { id: tweet.id, authorId: tweet.authorId } };
      await handle.signal(tweetsObserved, [item, item, retweet]);
      await handle.signal(tweetsObserved, [item, retweet]);
      const [snap] = await skipAndSettle(test, 61_000, 1);
      expect(snap.lines).toEqual([formatCountLine({ tweetId: tweet.id, retweets: tweet.base })]);
      expect(await handle.query(status)).toMatchObject({ trackedTweets: 1, droppedItems: 0, signalsReceived: 2 });
    });
  });

  it('drops and counts invalid items without failing the workflow', async () => {
    const [tweet] = makeTweets(1, followed);
    const test = await testActivities(new FakeX([tweet]));
    await withWorkflow(test, {}, async (handle) => {
      const bad: unknown[] = [
        null,
        42,
        { id: 'not-a-number', authorId: followed[0] },
        { id: tweetId(1) },
        { id: tweetId(2), authorId: followed[0], retweetedOf: 'nope' },
        { id: tweetId(3), authorId: followed[0], authorUsername: 'has space' },
      ];
      await handle.signal(tweetsObserved, [...bad, { id: tweet.id, authorId: tweet.authorId }] as never);
      await handle.signal('tweetsObserved', 'not a batch');
      const [snap] = await skipAndSettle(test, 61_000, 1);
      expect(snap.lines).toHaveLength(1);
      expect(await handle.query(status)).toMatchObject({
        droppedItems: 7,
        trackedTweets: 1,
        tickNumber: 1,
        failedTicks: 0,
      });
      expect((await handle.describe()).status.name).toBe('RUNNING');
    });
  });

  it('keeps the last count of a deleted tweet, flags it and skips it in the top-5', async () => {
    const tweets = makeTweets(8, followed);
    const x = new FakeX(tweets);
    const test = await testActivities(x);
    await withWorkflow(test, { reportEveryTicks: 3 }, async (handle) => {
      await handle.signal(
        tweetsObserved,
        tweets.map((t) => ({ id: t.id, authorId: t.authorId })),
      );
      const [first] = await skipAndSettle(test, 61_000, 1);
      const [topLine] = first.lines;
      const deletedId = /^\((\d+),/.exec(topLine)![1];
      x.gone.add(deletedId);
      await skipAndSettle(test, 60_000, 2);
      const snaps = await skipAndSettle(test, 60_000, 3);
      await waitFor('the report', async () => (await handle.query(status)).reportsWritten === 1);

      // Still in every later snapshot, with the count X gave it the last time it answered for it (a tick may have
      // started before the test marked it gone, so that is the first or the second answer).
      const answered = x.calls.flatMap((c) => c.result.tweets).filter((t) => t.id === deletedId);
      const lastLine = formatCountLine({ tweetId: deletedId, retweets: answered.at(-1)!.retweetCount });
      // Reported gone once, then never looked up again.
      expect(x.calls.filter((c) => c.result.goneIds.includes(deletedId))).toHaveLength(1);
      expect(snaps[2].lines).toContain(lastLine);
      expect(await handle.query(status)).toMatchObject({ goneTweets: 1, trackedTweets: 8 });
      // Skipped in the leaderboard and the report: the sixth takes its place.
      const live = snaps[2].lines.filter((line) => line !== lastLine).slice(0, 5);
      const board = await handle.query(leaderboard, 5);
      expect(board.map(formatCountLine)).toEqual(live);
      const reportsOf = outputDirFor(test.reportDir, handle.workflowId);
      const [report] = await listFiles(reportsOf, /^top5-\d+\.json$/);
      const { top } = JSON.parse(await readFile(join(reportsOf, report), 'utf8')) as {
        top: Array<{ tweetId: string; retweets: number }>;
      };
      expect(top.map(formatCountLine)).toEqual(live);
    });
  });

  it("a 429 ends the tick's lookups but not its file: counts carry over, the next tick looks up again", async () => {
    const tweets = makeTweets(5, followed);
    const x = new FakeX(tweets);
    x.failNext.push(new XRateLimitError('GET /2/tweets', Date.now() + 1_500));
    const test = await testActivities(x);
    const attempts: number[] = [];
    const refresh = test.activities.refreshAndSnapshot;
    test.activities.refreshAndSnapshot = (input: RefreshInput) => {
      attempts.push(Context.current().info.attempt);
      return refresh(input);
    };
    await withWorkflow(test, {}, async (handle) => {
      await handle.signal(
        tweetsObserved,
        tweets.map((t) => ({ id: t.id, authorId: t.authorId })),
      );
      const [first] = await skipAndSettle(test, 61_000, 1);
      // One attempt, no retry: the refused lookup left every tweet at its last known count (0: never answered).
      expect(attempts).toEqual([1]);
      expect(x.calls).toHaveLength(0);
      expect(first.lines).toEqual(
        rankByRetweets(tweets.map((t) => ({ tweetId: t.id, retweets: 0 }))).map(formatCountLine),
      );
      expect(await handle.query(status)).toMatchObject({
        tickNumber: 1,
        failedTicks: 0,
        xRefusedToday: 1,
        xRequestsToday: 1,
      });
      const [, second] = await skipAndSettle(test, 60_000, 2);
      expect(x.calls).toHaveLength(1);
      const truth = x.calls[0].result.tweets.map((t) => ({ tweetId: t.id, retweets: t.retweetCount }));
      expect(second.lines).toEqual(rankByRetweets(truth).map(formatCountLine));
      expect(await handle.query(status)).toMatchObject({ tickNumber: 2, failedTicks: 0, xRequestsToday: 2 });
    });
  });
});
