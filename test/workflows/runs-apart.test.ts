import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { outputDirFor } from '../../src/shared/output-dirs';
import { RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { FakeX, makeTweets } from './support/fake-x';
import {
  devServerSuite,
  listFiles,
  readSnapshots,
  testActivities,
  timeSkippingSuite,
  uniqueId,
  waitFor,
} from './support/env';

/** Runs never mix: two workflows on one worker keep apart, and a long gap does not fire the reports it skipped. */
describe('tracking runs kept apart', () => {
  const suite = timeSkippingSuite();

  it('two workflows on one worker write separate folders and print each tick once each', async () => {
    const mine = makeTweets(3, DEFAULT_FOLLOWED_USER_IDS);
    const theirs = makeTweets(2, DEFAULT_FOLLOWED_USER_IDS, 50);
    const test = await testActivities(new FakeX([...mine, ...theirs]));
    const { worker, taskQueue } = await suite.createWorker(test);
    const ids = [uniqueId('mine'), uniqueId('theirs')];
    await worker.runUntil(async () => {
      const [a, b] = await Promise.all(
        ids.map((workflowId) =>
          suite.env.client.workflow.start(RetweetTracking, { taskQueue, workflowId, args: [{}] }),
        ),
      );
      await a.signal(
        tweetsObserved,
        mine.map(({ id, authorId }) => ({ id, authorId })),
      );
      await b.signal(
        tweetsObserved,
        theirs.map(({ id, authorId }) => ({ id, authorId })),
      );
      await suite.env.sleep('3 minutes');
      await waitFor('3 ticks of each', async () => {
        const ticks = await Promise.all([a, b].map(async (h) => (await h.query(status)).tickNumber));
        return ticks.every((t) => t >= 3) ? true : undefined;
      });
    });
    const [filesA, filesB] = await Promise.all(ids.map((id) => readSnapshots(outputDirFor(test.snapshotDir, id))));
    const tweetsIn = (files: typeof filesA): Set<string> =>
      new Set(files.flatMap((f) => f.lines.map((l) => /^\((\d+),/.exec(l)![1])));
    expect([...tweetsIn(filesA)].sort()).toEqual(mine.map((t) => t.id).sort());
    expect([...tweetsIn(filesB)].sort()).toEqual(theirs.map((t) => t.id).sort());
    // Every file printed once: as many printed blocks as files, each block one workflow's file.
    const blocks = test.log.printed.filter((text) => text.includes('Time: '));
    expect(blocks).toHaveLength(filesA.length + filesB.length);
    for (const files of [filesA, filesB]) {
      for (const file of files.filter((f) => f.lines.length > 0)) {
        expect(blocks.filter((block) => file.lines.every((line) => block.includes(line)))).toHaveLength(1);
      }
    }
  });
});

describe('a tracking run resuming after a long gap', () => {
  // Real time on the dev server: the time-skipping server does not skip while a workflow task waits for a worker.
  const suite = devServerSuite({ minuteSeconds: 0, initialTweets: 0 });

  it('fires no report for the report boundaries the gap skipped, and keeps the cadence', async () => {
    const tweets = makeTweets(6, DEFAULT_FOLLOWED_USER_IDS);
    const test = await testActivities(new FakeX(tweets));
    const taskQueue = uniqueId('tq');
    const workflowId = uniqueId('gap');
    const runWorkerUntil = async <T>(condition: () => Promise<T>): Promise<T> => {
      const worker = await suite.createWorker(taskQueue, test.activities);
      return await worker.runUntil(condition);
    };
    // Ticks of 1 s, a report every 3: ticks 1-3 with a worker (a report at 3), then none for 7 s (reports due at 6
    // and 9 fall in the gap), then the worker again: one report at 12, not one on resuming as well.
    const handle = await suite.client.workflow.start(RetweetTracking, {
      taskQueue,
      workflowId,
      args: [{ tickSeconds: 1, reportEveryTicks: 3 }],
    });
    await runWorkerUntil(async () => {
      await handle.signal(
        tweetsObserved,
        tweets.map(({ id, authorId }) => ({ id, authorId })),
      );
      await waitFor(
        'the first report',
        async () => ((await handle.query(status)).reportsWritten >= 1 ? true : undefined),
        30_000,
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const after = await runWorkerUntil(() =>
      waitFor(
        'a report after the gap (written: its activity runs after its tick)',
        async () => {
          const now = await handle.query(status);
          return now.missedTicks >= 3 && now.reportsWritten >= 2 ? now : undefined;
        },
        30_000,
      ),
    );
    await handle.terminate('test over');
    // Each report's tick number, from its file name (the tick's boundary) and the last tick's number and boundary.
    const reports = await listFiles(outputDirFor(test.reportDir, workflowId), /^top5-\d+\.json$/);
    const tickOf = (file: string): number =>
      after.tickNumber - (after.lastTickMs! - Number(/^top5-(\d+)/.exec(file)![1])) / 1000;
    const reportTicks = reports.map(tickOf).sort((a, b) => a - b);
    // Every report on the cadence (a multiple of 3): none fired on resuming for the boundaries the gap skipped.
    expect(reportTicks.filter((tick) => tick % 3 !== 0)).toEqual([]);
    expect(reportTicks.length).toBeGreaterThanOrEqual(2);
  });
});
