/**
 * Records the replay fixture: `npx tsx test/workflows/support/record-history.ts`. Runs RetweetTracking on the
 * time-skipping test server through 16 minutes (ticks, one report, an invalid item, a retweet, a deleted tweet,
 * a rate-limited attempt) until it continues as new, and writes that first run's history as JSON.
 * Re-record only on purpose: a changed fixture means running workflows may no longer replay.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../../src/domain/followed-users';
import { RetweetTracking, tweetsObserved } from '../../../src/workflows';
import { XRateLimitError } from '../../../src/x/errors';
import { FakeX, makeTweets, tweetId } from './fake-x';
import { bundleTracking, quietRuntime, testActivities, timeSkippingEnv, waitFor } from './env';

export const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'retweet-tracking-history.json');

async function main(): Promise<void> {
  quietRuntime();
  const [env, workflowBundle] = await Promise.all([timeSkippingEnv(), bundleTracking()]);
  try {
    const tweets = makeTweets(12, DEFAULT_FOLLOWED_USER_IDS);
    const x = new FakeX(tweets);
    const test = await testActivities(x);
    const taskQueue = 'record-history';
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: test.activities, sinks: test.log.sinks });
    const history = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId: 'replay-fixture',
        args: [{ continueAsNewAfterEvents: 180 }],
      });
      const items = tweets.map((t) => ({ id: t.id, authorId: t.authorId }));
      await handle.signal(tweetsObserved, [...items.slice(0, 6), { id: 'bad', authorId: '1' }]);
      await env.sleep('3 minutes');
      x.gone.add(tweets[0].id);
      x.failNext.push(new XRateLimitError('GET /2/tweets', Date.now() + 1_000));
      await handle.signal(tweetsObserved, [...items.slice(6), { id: tweetId(700), authorId: '5', retweetedOf: { id: tweets[1].id, authorId: tweets[1].authorId } }]);
      await env.sleep('14 minutes');
      await waitFor('continue-as-new', async () => (await handle.describe()).runId !== handle.firstExecutionRunId);
      return env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    });
    // Plain protobuf JSON (enum names, base64 payloads): readable in a diff, read back with History.fromObject.
    const json = temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, { longs: String, enums: String, bytes: String });
    await writeFile(FIXTURE, `${JSON.stringify(json, null, 1)}\n`);
    console.log(`wrote ${history.events?.length} events to ${FIXTURE}`);
  } finally {
    await env.teardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
