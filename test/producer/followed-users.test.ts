import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { buildStreamRules, RULE_TAG } from '../../src/x/rules';
import { createTopic, deleteTopics, eventually, testKafka } from '../kafka/helpers';
import { requireTemporal } from '../support/services';
import { setFollowedUsers } from './followed-test-workflows';
import { privateCaFile, startProducerProcess, waitForOutput } from './support';

const [ALICE, BOB, CAROL] = ['285532415', '147964447', '34200559'];

/**
 * The followed users come from the tracking workflow's `followedUsers` query (here a stand-in workflow on a real
 * Temporal server and worker), and the stream rules on the X emulator follow every change.
 */
describe('producer: followed users read from the workflow', () => {
  let emulator: RunningEmulator;
  let connection: Connection;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `producer-followed-test-${randomUUID()}`;
  let topic: string;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const address = await requireTemporal();
    connection = await Connection.connect({ address });
    client = new Client({ connection });
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./followed-test-workflows'), logger: new DefaultLogger('WARN') });
    worker = await Worker.create({ connection: await NativeConnection.connect({ address }), taskQueue, workflowBundle });
    running = worker.run();
    emulator = await startEmulator({ caFile: privateCaFile(), seed: 3, minuteSeconds: 0, heartbeatSeconds: 1 });
    topic = await createTopic(await testKafka(), 'producer-followed', 1);
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await emulator?.close();
    await connection?.close();
    await deleteTopics(await testKafka(), [topic, `${topic}.progress`]);
  });

  /** The values of the emulator's stream rules that carry our tag. */
  const ruleValues = (): string[] =>
    emulator.admin
      .rules()
      .filter((rule) => rule.tag === RULE_TAG)
      .map((rule) => rule.value)
      .sort();

  it('syncs the stream rules to the workflow list at start and after each change; keeps the last list when no worker answers', async () => {
    const workflowId = `producer-followed-test-${randomUUID()}`;
    await client.workflow.start('followedUsersStandIn', { workflowId, taskQueue, args: [[ALICE, BOB]] });
    const producer = startProducerProcess({ ...emulator.env, X_STREAM_RETWEETS: 'on', KAFKA_TWEETS_TOPIC: topic, TRACKING_WORKFLOW_ID: workflowId, PRODUCER_FOLLOWED_POLL_SECONDS: '1' });
    try {
      await waitForOutput(producer, 'X stream connected');
      expect(ruleValues()).toEqual(buildStreamRules([ALICE, BOB]));

      await client.workflow.getHandle(workflowId).signal(setFollowedUsers, [ALICE, CAROL]);
      await eventually('the rules to follow the new list', () => (ruleValues().join() === buildStreamRules([ALICE, CAROL]).join() ? true : undefined), 30_000);
      // A rule change reaches the open stream: no reconnect.
      expect(producer.output()).not.toContain('X stream reconnected');

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
      await client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  });
});
