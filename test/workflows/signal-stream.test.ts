import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { FakeX, makeTweets } from './support/fake-x';
import { bundleTracking, quietRuntime, testActivities, uniqueId, waitFor } from './support/env';

/**
 * On the real dev server, because its refusal to close a run while signals are buffered is what this is about:
 * under a continuous stream of signals the workflow still continues as new, and loses none of them.
 */
describe('RetweetTracking under a continuous signal stream (dev server)', () => {
  let address: string;
  let connection: NativeConnection;
  let client: Client;
  let workflowBundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    quietRuntime();
    address = await requireTemporal();
    [connection, workflowBundle] = await Promise.all([NativeConnection.connect({ address }), bundleTracking()]);
    client = new Client({ connection: await Connection.connect({ address }), namespace: TEST_NAMESPACE });
  });
  afterAll(async () => {
    await client?.connection.close();
    await connection?.close();
  });

  it('continues as new while receiving several signals per second', async () => {
    const tweets = makeTweets(400, DEFAULT_FOLLOWED_USER_IDS);
    const test = await testActivities(new FakeX(tweets));
    const taskQueue = uniqueId('tq');
    const worker = await Worker.create({
      connection,
      namespace: TEST_NAMESPACE,
      taskQueue,
      workflowBundle,
      activities: test.activities,
      sinks: test.log.sinks,
    });
    await worker.runUntil(async () => {
      const workflowId = uniqueId('stream');
      // The history threshold, not the signal count, must force the switch here.
      await client.workflow.start(RetweetTracking, { taskQueue, workflowId, args: [{ continueAsNewAfterEvents: 60 }] });
      const handle = client.workflow.getHandle(workflowId);
      let sent = 0;
      let runNumber = 1;
      // Eight signals a second without pause, until three runs have come and gone (or 400 signals: a failure).
      while (runNumber < 4 && sent < tweets.length) {
        const t = tweets[sent++];
        await Promise.all([
          handle.signal(tweetsObserved, [{ id: t.id, authorId: t.authorId }]),
          new Promise((resolve) => setTimeout(resolve, 125)),
        ]);
        if (sent % 8 === 0) runNumber = (await handle.query(status)).runNumber;
      }
      expect(runNumber).toBeGreaterThanOrEqual(4);
      const s = await waitFor('every signal handled', async () => {
        const now = await handle.query(status);
        return now.signalsReceived === sent ? now : undefined;
      });
      expect(s).toMatchObject({ trackedTweets: sent, droppedItems: 0 });
      await handle.terminate('test over');
    });
  });
});
