import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { startTsProcess, type ManagedProcess } from '../../src/demo/child-processes';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createTrackingWorker } from '../../src/temporal/tracking-worker';
import { checkpoint, follow, RetweetTracking, unfollow } from '../../src/workflows';
import { createXClient, type XClient } from '../../src/x/client';
import { createTweetLookup } from '../../src/x/lookup';
import { makeXConfig } from '../../src/x/config';
import { buildStreamRules, RULE_TAG } from '../../src/x/rules';
import { createTopic, deleteTopics, eventually, testKafka } from '../kafka/helpers';
import { requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { bundleTracking, quietRuntime, testActivities, uniqueId } from '../workflows/support/env';
import { privateCaFile, startProducerProcess, waitForOutput } from './support';

const [ALICE, BOB, CAROL] = ['285532415', '147964447', '34200559'];

/**
 * The followed users live in the RetweetTracking workflow (a real worker with the project's workflow and
 * activities, on the dev server); its `follow`/`unfollow` Updates change the producer's stream rules on the X
 * emulator and, through the producer, Kafka and the bridge (real processes), what the workflow tracks.
 */
describe('producer: followed users read from the workflow', () => {
  let emulator: RunningEmulator;
  let xClient: XClient;
  let client: Client;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueId('producer-followed-tq');
  let topic: string;

  beforeAll(async () => {
    quietRuntime();
    const address = await requireTemporal();
    emulator = await startEmulator({
      caFile: privateCaFile(),
      seed: 3,
      minuteSeconds: 0,
      heartbeatSeconds: 1,
      tweetsPerUserPerMinute: 1,
      initialTweets: 0,
    });
    xClient = createXClient(
      makeXConfig({ bearerToken: emulator.bearerToken, baseUrl: emulator.url, caFile: emulator.caFile }),
    );
    client = new Client({ connection: await Connection.connect({ address }), namespace: TEST_NAMESPACE });
    connection = await NativeConnection.connect({ address });
    const test = await testActivities(createTweetLookup(xClient));
    worker = await createTrackingWorker({
      connection,
      namespace: TEST_NAMESPACE,
      taskQueue,
      activities: test.activities,
      workflowCode: { workflowBundle: await bundleTracking() },
      print: () => undefined,
    });
    running = worker.run();
    topic = await createTopic(await testKafka(), 'producer-followed', 1);
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection?.close();
    await client?.connection.close();
    xClient?.close();
    await emulator?.close();
    await deleteTopics(await testKafka(), [topic, `${topic}.progress`]);
  });

  /** The values of the emulator's stream rules that carry our tag. */
  const ruleValues = (): string[] =>
    emulator.admin
      .rules()
      .filter((rule) => rule.tag === RULE_TAG)
      .map((rule) => rule.value)
      .sort();
  /** Originals each user posted that are not in `before`. */
  const originalsSince = (before: Set<string>, user: string): string[] =>
    emulator.admin
      .posted()
      .filter((p) => p.authorId === user && p.retweetedId === undefined && !before.has(p.id))
      .map((p) => p.id);

  it('follow/unfollow while running changes the stream rules and the tracked set; the last list stays when no worker answers', async () => {
    const workflowId = uniqueId('producer-followed');
    const handle = await client.workflow.start(RetweetTracking, {
      workflowId,
      taskQueue,
      args: [{ followedUserIds: [ALICE, BOB] }],
    });
    const env = {
      ...emulator.env,
      X_STREAM_RETWEETS: 'on',
      KAFKA_TWEETS_TOPIC: topic,
      TRACKING_WORKFLOW_ID: workflowId,
      TEMPORAL_TASK_QUEUE: taskQueue,
    };
    const producer = startProducerProcess({ ...env, PRODUCER_FOLLOWED_POLL_SECONDS: '1' });
    let bridge: ManagedProcess | undefined;
    try {
      bridge = startTsProcess({
        name: 'bridge',
        script: 'src/bridge/main.ts',
        env: { ...process.env, ...env, BRIDGE_GROUP_ID: uniqueId('producer-followed'), BRIDGE_METRICS_PORT: 'off' },
        onLine: () => undefined,
      });
      await waitForOutput(producer, 'X stream connected');
      expect(ruleValues()).toEqual(buildStreamRules([ALICE, BOB]));

      expect(await handle.executeUpdate(follow, { args: [[CAROL]] })).toEqual([ALICE, BOB, CAROL]);
      expect(await handle.executeUpdate(unfollow, { args: [[BOB]] })).toEqual([ALICE, CAROL]);
      await eventually(
        'the rules to follow the new list',
        () => (ruleValues().join() === buildStreamRules([ALICE, CAROL]).join() ? true : undefined),
        30_000,
      );
      // A rule change reaches the open stream: no reconnect.
      expect(producer.output()).not.toContain('X stream reconnected');

      const before = new Set(emulator.admin.posted().map((p) => p.id));
      emulator.admin.advance(2);
      const [alice, bob, carol] = [ALICE, BOB, CAROL].map((user) => originalsSince(before, user));
      expect({ alice: alice.length > 0, bob: bob.length > 0, carol: carol.length > 0 }).toEqual({
        alice: true,
        bob: true,
        carol: true,
      });
      const tracked = async (): Promise<Set<string>> =>
        new Set((await handle.query(checkpoint)).tweets.split(',').map((entry) => entry.split(':')[0]));
      const untracked = async (): Promise<string[]> => {
        const ids = await tracked();
        return [...alice, ...carol].filter((id) => !ids.has(id));
      };
      await eventually(
        "the followed users' new posts tracked",
        async () => ((await untracked()).length === 0 ? true : undefined),
        60_000,
      ).catch(async () => {
        throw new Error(`not tracked: ${(await untracked()).join(', ')}\nproducer:\n${producer.output().slice(-3000)}`);
      });
      const trackedNow = await tracked();
      expect(bob.filter((id) => trackedNow.has(id))).toEqual([]);

      // No worker: the query is not answered; the producer keeps the last list and says so once.
      worker.shutdown();
      await running;
      await waitForOutput(producer, 'could not be read from workflow', 30_000);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(producer.output().match(/could not be read from workflow/g)).toHaveLength(1);
      expect(ruleValues()).toEqual(buildStreamRules([ALICE, CAROL]));
      expect(producer.child.exitCode).toBeNull();
    } finally {
      producer.child.kill('SIGKILL');
      bridge?.child.kill('SIGKILL');
      await handle.terminate('test over').catch(() => undefined);
    }
  });
});
