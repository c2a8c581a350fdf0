import { outputDirFor } from '../../src/shared/output-dirs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RefreshInput } from '../../src/activities';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { formatCountLine, rankByRetweets, type TweetCount } from '../../src/domain/ranking';
import { RetweetTracking, status, tweetsObserved, type ObservedTweet } from '../../src/workflows';
import { FakeX, makeTweets, tweetId, type FakeTweet } from './support/fake-x';
import { listFiles, readSnapshots, testActivities, timeSkippingSuite, uniqueId, waitFor } from './support/env';

const followed = DEFAULT_FOLLOWED_USER_IDS;
const stranger = '999999999';

describe('RetweetTracking over 16 minutes of skipped time', () => {
  const suite = timeSkippingSuite();

  it('writes one sorted snapshot per minute equal to what X answered, and one top-5 report at minute 15', async () => {
    // Ground truth: 12 tweets by followed users, one original only seen through a retweet, and noise.
    const own = makeTweets(12, followed);
    const retweetedOriginal: FakeTweet = {
      id: tweetId(500),
      authorId: followed[3],
      authorUsername: 'original_author',
      text: 'Seen only via a retweet',
      base: 2_000,
      growth: 5,
    };
    const x = new FakeX([...own, retweetedOriginal, ...makeTweets(2, [stranger], 100)]);
    const observed: ObservedTweet[] = [
      ...own.map((t) => ({ id: t.id, authorId: t.authorId, authorUsername: t.authorUsername })),
      { id: tweetId(100), authorId: stranger }, // not followed: ignored
      {
        id: tweetId(600),
        authorId: stranger,
        retweetedOf: { id: retweetedOriginal.id, authorId: retweetedOriginal.authorId },
      },
      { id: tweetId(601), authorId: followed[0], retweetedOf: { id: tweetId(101), authorId: stranger } }, // original not followed
    ];
    const tracked = [...own.map((t) => t.id), retweetedOriginal.id];

    // Which lookup calls served which minute: the snapshot for that minute must equal their answers.
    const { activities, snapshotDir, reportDir, log } = await testActivities(x);
    const callsByMinute = new Map<number, [number, number]>();
    const refresh = activities.refreshAndSnapshot;
    activities.refreshAndSnapshot = async (input: RefreshInput) => {
      const first = x.calls.length;
      const result = await refresh(input);
      callsByMinute.set(input.tickMs, [first, x.calls.length]);
      return result;
    };

    const { worker, taskQueue } = await suite.createWorker({ activities, log });
    const workflowId = uniqueId('tracking');
    await worker.runUntil(async () => {
      const handle = await suite.env.client.workflow.start(RetweetTracking, { taskQueue, workflowId, args: [{}] });
      await handle.signal(tweetsObserved, observed);
      await suite.env.sleep('16 minutes');
      await waitFor('16 snapshot files', async () => (await readSnapshots(snapshotDir)).length >= 16);
      const s = await handle.query(status);
      expect(s).toMatchObject({
        tickNumber: 16,
        trackedTweets: 13,
        ignoredItems: 2,
        retweetsSeen: 1,
        droppedItems: 0,
        missedTicks: 0,
        failedTicks: 0,
      });
      await waitFor('the report', async () => (await handle.query(status)).reportsWritten === 1);
    });

    const snapshots = await readSnapshots(snapshotDir);
    expect(snapshots).toHaveLength(16);
    for (const [i, snap] of snapshots.entries()) {
      expect(snap.tickMs % 60_000).toBe(0);
      if (i > 0) expect(snap.tickMs - snapshots[i - 1].tickMs).toBe(60_000);
      const [from, to] = callsByMinute.get(snap.tickMs)!;
      const answered = new Map(
        x.calls.slice(from, to).flatMap((c) => c.result.tweets.map((t) => [t.id, t.retweetCount] as const)),
      );
      expect([...answered.keys()].sort()).toEqual([...tracked].sort());
      const truth: TweetCount[] = [...answered].map(([tweetId, retweets]) => ({ tweetId, retweets }));
      expect(snap.lines).toEqual(rankByRetweets(truth).map(formatCountLine));
    }

    // One report, at the 15th minute, with the five highest counts of that minute and X's names and texts.
    // The worker writes under a folder of the workflow's own.
    const reportsOf = outputDirFor(reportDir, workflowId);
    const reports = await listFiles(reportsOf, /^top5-/);
    const minute15 = snapshots[14].tickMs;
    expect(reports).toEqual([`top5-${minute15}.json`, `top5-${minute15}.txt`]);
    const report = JSON.parse(await readFile(join(reportsOf, `top5-${minute15}.json`), 'utf8')) as {
      top: Array<{ tweetId: string; screenName: string; text: string; retweets: number }>;
    };
    const expectedTop = snapshots[14].lines.slice(0, 5).map((line) => /^\((\d+), (\d+)\)$/.exec(line)!);
    expect(report.top.map((e) => [e.tweetId, String(e.retweets)])).toEqual(expectedTop.map((m) => [m[1], m[2]]));
    for (const entry of report.top) {
      const truth = x.tweets.get(entry.tweetId)!;
      expect(entry).toMatchObject({ screenName: truth.authorUsername, text: truth.text });
    }
    const text = await readFile(join(reportsOf, `top5-${minute15}.txt`), 'utf8');
    expect(text).toContain(
      `@${report.top[0].screenName} tweeted in #${report.top[0].tweetId}:\n${x.tweets.get(report.top[0].tweetId)!.text}`,
    );

    // Printed like the original: a Time header per minute with the top 10 lines.
    const first = log.printed.find((p) => p.includes('Time: '))!;
    expect(first).toContain(`Time: ${new Date(snapshots[0].tickMs).toISOString().slice(0, 19).replace('T', ' ')}`);
    expect(first.split('\n').filter((l) => l.startsWith('('))).toEqual(snapshots[0].lines.slice(0, 10));
  });
});
