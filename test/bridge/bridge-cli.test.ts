import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { startTsProcess, type ManagedProcess } from '../../src/demo/child-processes';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import {
  committedOffsets,
  createTopic,
  deleteTopics,
  eventually,
  produceTweets,
  sampleTweet,
  testKafka,
} from '../kafka/helpers';
import { requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';

/** The tweets of every `tweetsObserved` signal in the workflow's history, in order. */
async function signalledTweets(client: Client, workflowId: string): Promise<ObservedTweet[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const attributes = event.workflowExecutionSignaledEventAttributes;
    if (attributes?.signalName !== 'tweetsObserved') return [];
    const data = attributes.input?.payloads?.[0]?.data;
    return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as ObservedTweet[]) : [];
  });
}

/** `npm run bridge` as a real process, with everything it prints collected. */
function startBridgeProcess(env: NodeJS.ProcessEnv): { bridge: ManagedProcess; output: () => string } {
  const lines: string[] = [];
  const bridge = startTsProcess({
    name: 'bridge',
    script: 'src/bridge/main.ts',
    env: { ...process.env, ...env },
    onLine: (line) => lines.push(line),
  });
  return { bridge, output: () => lines.join('\n') };
}

describe('`npm run bridge` (the process)', () => {
  let kafka: Kafka;
  let client: Client;
  let connection: Connection;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = await testKafka();
    connection = await Connection.connect({ address: await requireTemporal() });
    client = new Client({ connection, namespace: TEST_NAMESPACE });
  });
  afterAll(async () => {
    await connection?.close();
    await deleteTopics(kafka, topics);
  });

  it('signals RetweetTracking by signal-with-start with the configured workflow id, and exits 0 on SIGTERM after committing', async () => {
    const topic = await createTopic(kafka, 'bridge-cli', 2);
    const deadLetters = await createTopic(kafka, 'bridge-cli-dlq', 1);
    topics.push(topic, deadLetters);
    const workflowId = `bridge-cli-test-${randomUUID()}`;
    const groupId = `bridge-cli-test-${randomUUID()}`;
    const { bridge, output } = startBridgeProcess({
      KAFKA_TWEETS_TOPIC: topic,
      KAFKA_DEAD_LETTER_TOPIC: deadLetters,
      BRIDGE_GROUP_ID: groupId,
      BRIDGE_WORKFLOW_ID: workflowId,
      BRIDGE_FLUSH_INTERVAL_MS: '200',
    });
    try {
      await eventually('the bridge to start', () => (output().includes('Bridge consuming') ? true : undefined), 60_000);
      const tweets = [sampleTweet(), sampleTweet(), sampleTweet()];
      await produceTweets(kafka, topic, tweets);

      const signalled = await eventually('the signals in the history', async () => {
        const found = await signalledTweets(client, workflowId).catch(() => []);
        return found.length >= 3 ? found : undefined;
      });
      expect(signalled.map((t) => t.id).sort()).toEqual(tweets.map((t) => t.id).sort());
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.type).toBe('RetweetTracking');
      expect(description.taskQueue).toBe('retweet-tracking');

      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
      expect(output()).toContain('SIGTERM: stopping the bridge');
      expect(output()).toContain('Bridge stopped: 3 tweets delivered');
      const committed = await committedOffsets(kafka, groupId, topic);
      expect(Object.values(committed).reduce((sum, o) => sum + Math.max(0, o), 0)).toBe(3);
    } finally {
      bridge.child.kill('SIGKILL');
      await client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  });

  it('waits for an unreachable Temporal without consuming or crash-looping, and exits 0 on SIGINT', async () => {
    const topic = await createTopic(kafka, 'bridge-cli', 1);
    topics.push(topic);
    const groupId = `bridge-cli-test-${randomUUID()}`;
    await produceTweets(kafka, topic, [sampleTweet()]);
    // Port 1 on loopback: nothing listens there.
    const { bridge, output } = startBridgeProcess({
      KAFKA_TWEETS_TOPIC: topic,
      BRIDGE_GROUP_ID: groupId,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    try {
      await eventually(
        'two connection attempts',
        () => ((output().match(/Temporal not reachable at 127\.0\.0\.1:1/g) ?? []).length >= 2 ? true : undefined),
        60_000,
      );
      expect(bridge.child.exitCode).toBeNull();
      bridge.child.kill('SIGINT');
      expect(await bridge.exited).toBe(0);
      expect(output()).not.toContain('Bridge consuming');
      expect(await committedOffsets(kafka, groupId, topic)).toEqual({ 0: -1 });
    } finally {
      bridge.child.kill('SIGKILL');
    }
  });
});
