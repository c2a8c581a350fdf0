import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { createTrackingWorker } from '../../src/temporal/tracking-worker';
import { checkpoint, RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { FakeX, makeTweets } from './support/fake-x';
import { bundleTracking, quietRuntime, readSnapshots, testActivities, uniqueId, waitFor } from './support/env';

const CAPACITY = 20_000;
const NEW_IDS = 30_000;
const OLD_IDS = 1_000;

/**
 * 30,000 new tweets wait as a signal backlog while no worker runs, then one worker takes them all at capacity
 * 20,000 (plus 1,000 older originals arriving last). Each signal's work is O(log n) per id: no workflow task fails
 * its deadline, and exactly the newest 20,000 stay tracked (an older arrival never evicts a newer tweet).
 */
describe('a signal backlog beyond capacity on the dev server', () => {
  it('keeps the newest 20,000 with no failed workflow task', async () => {
    quietRuntime();
    const address = await requireTemporal();
    const client = new Client({ connection: await Connection.connect({ address }), namespace: TEST_NAMESPACE });
    const connection = await NativeConnection.connect({ address });
    const tweets = makeTweets(OLD_IDS + NEW_IDS, DEFAULT_FOLLOWED_USER_IDS);
    const old = tweets.slice(0, OLD_IDS);
    const fresh = tweets.slice(OLD_IDS);
    const test = await testActivities(new FakeX(tweets, false));
    const taskQueue = uniqueId('tq');
    const handle = await client.workflow.start(RetweetTracking, {
      taskQueue,
      workflowId: uniqueId('backlog'),
      args: [{ maxTrackedTweets: CAPACITY, continueAsNewAfterSignals: 9_000, tickSeconds: 2 }],
    });
    try {
      // No worker yet: every signal waits in the history, a backlog the first workflow task has to take.
      for (const batch of [...chunks(fresh, 1000), ...chunks(old, 1000)]) {
        await handle.signal(
          tweetsObserved,
          batch.map((t) => ({ id: t.id, authorId: t.authorId })),
        );
      }
      const worker = await createTrackingWorker({
        connection,
        namespace: TEST_NAMESPACE,
        taskQueue,
        activities: test.activities,
        workflowCode: { workflowBundle: await bundleTracking() },
        print: () => undefined,
      });
      await worker.runUntil(async () => {
        const s = await waitFor(
          'all signals applied',
          async () => {
            const now = await handle.query(status);
            return now.signalsReceived >= (NEW_IDS + OLD_IDS) / 1000 ? now : undefined;
          },
          120_000,
        );
        expect(s).toMatchObject({
          trackedTweets: CAPACITY,
          evictedTweets: NEW_IDS + OLD_IDS - CAPACITY,
          droppedItems: 0,
        });
        const newest = new Set(fresh.slice(NEW_IDS - CAPACITY).map((t) => t.id));
        const carried = await handle.query(checkpoint);
        expect(new Set(carried.tweets.split(',').map((entry) => entry.split(':')[0]))).toEqual(newest);
        // The next file after the backlog lists exactly them too.
        const after = Date.now();
        const file = await waitFor('a file written after the backlog', async () =>
          (await readSnapshots(test.snapshotDir)).find((snap) => snap.tickMs > after),
        );
        expect(new Set(file.lines.map((line) => /^\((\d+),/.exec(line)![1]))).toEqual(newest);
      });
      const history = await handle.fetchHistory();
      const failedTasks = (history.events ?? []).filter(
        (e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes,
      );
      expect(failedTasks).toEqual([]);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
      await connection.close();
      await client.connection.close();
    }
  });
});

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
