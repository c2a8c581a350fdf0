/**
 * The producer and the bridge as real processes against a broker that demands SASL (a private broker with a
 * SASL_PLAINTEXT and a SASL_SSL listener), configured only through the KAFKA_SASL_* and KAFKA_SSL_* variables.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { startTsProcess, type ManagedProcess } from '../../src/demo/child-processes';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import { createCertificate } from '../../src/emulator/certificates';
import { createKafka } from '../../src/kafka/client';
import { startPrivateKafka, type PrivateKafka } from '../support/private-kafka';
import { requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { eventually, readRecords, sampleTweet } from './helpers';

const USER = 'tracker';
const PASSWORD = 'sasl-test-pw.7f3a';

/** A product process with everything it prints collected. */
function start(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): { process: ManagedProcess; output: () => string } {
  const lines: string[] = [];
  const child = startTsProcess({
    name: script,
    script,
    args,
    env: { ...process.env, ...env },
    onLine: (line) => lines.push(line),
  });
  return { process: child, output: () => lines.join('\n') };
}

/** The exit code, or a failure if the process is still running after `ms` (it would be retrying forever). */
async function exitWithin(child: ManagedProcess, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${child.name} still running after ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
    child.child.kill('SIGKILL');
  }
}

/** The tweets of every `tweetsObserved` signal in the workflow's history: no worker runs it, the history is the proof. */
async function signalledTweets(client: Client, workflowId: string): Promise<ObservedTweet[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const attributes = event.workflowExecutionSignaledEventAttributes;
    const data = attributes?.signalName === 'tweetsObserved' ? attributes.input?.payloads?.[0]?.data : undefined;
    return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as ObservedTweet[]) : [];
  });
}

describe('Kafka behind SASL (and TLS): the producer and the bridge as processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-sasl-'));
  let broker: PrivateKafka;
  /** Through the broker's plaintext listener: the test's own view of what arrived. */
  let inspector: Kafka;
  let connection: Connection;
  let client: Client;
  let temporalAddress: string;
  let caFile: string;

  beforeAll(async () => {
    temporalAddress = await requireTemporal();
    const certificate = await createCertificate(join(dir, 'ca.pem'));
    caFile = certificate.caFile;
    broker = await startPrivateKafka({ saslUsers: { [USER]: PASSWORD }, saslTls: certificate });
    inspector = createKafka({ brokers: broker.brokers, clientId: 'sasl-test-inspector', tweetsPartitions: 3 });
    connection = await Connection.connect({ address: temporalAddress });
    client = new Client({ connection, namespace: TEST_NAMESPACE });
  });
  afterAll(async () => {
    await connection?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the producer publishes over SCRAM-SHA-512 and the bridge, over TLS with PLAIN, signals those tweets', async () => {
    const tweets = [sampleTweet(), sampleTweet(), sampleTweet()];
    const file = join(dir, 'replay.jsonl');
    writeFileSync(file, tweets.map((t) => JSON.stringify(t)).join('\n') + '\n');
    const topics = {
      KAFKA_TWEETS_TOPIC: 'tweets',
      KAFKA_DEAD_LETTER_TOPIC: 'tweets.dlq',
      KAFKA_TWEETS_PARTITIONS: '3',
    };
    const credentials = { KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: PASSWORD };

    const producer = start(
      'src/producer/main.ts',
      { ...topics, ...credentials, KAFKA_BROKERS: broker.saslBrokers.join(','), KAFKA_SASL_MECHANISM: 'scram-sha-512' },
      ['--replay', file],
    );
    expect(await exitWithin(producer.process, 60_000)).toBe(0);
    expect(producer.output()).toContain('Producer stopped: 3 tweets published, 0 skipped');
    const records = await readRecords(inspector, 'tweets', 3);
    expect(records.map((r) => r.key).sort()).toEqual(tweets.map((t) => t.id).sort());

    const workflowId = `sasl-test-${randomUUID()}`;
    const bridge = start('src/bridge/main.ts', {
      ...topics,
      ...credentials,
      KAFKA_BROKERS: broker.saslTlsBrokers.join(','),
      KAFKA_SSL: 'on',
      KAFKA_SSL_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'plain',
      TEMPORAL_ADDRESS: temporalAddress,
      // A task queue no worker polls: the signals stay in the history, where the test reads them.
      TEMPORAL_TASK_QUEUE: `sasl-test-${randomUUID()}`,
      BRIDGE_WORKFLOW_ID: workflowId,
      BRIDGE_GROUP_ID: `sasl-test-${randomUUID()}`,
      BRIDGE_FLUSH_INTERVAL_MS: '100',
    });
    try {
      const signalled = await eventually(
        'the tweets signalled to the workflow',
        async () => {
          if (bridge.process.child.exitCode !== null)
            throw new Error(`the bridge exited ${bridge.process.child.exitCode}:\n${bridge.output()}`);
          const found = await signalledTweets(client, workflowId).catch(() => []);
          return found.length >= tweets.length ? found : undefined;
        },
        30_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the bridge printed:\n${bridge.output()}`);
      });
      expect(signalled.map((t) => t.id).sort()).toEqual(tweets.map((t) => t.id).sort());
      bridge.process.child.kill('SIGTERM');
      expect(await exitWithin(bridge.process, 30_000)).toBe(0);
      expect(bridge.output()).toContain('Bridge stopped: 3 tweets delivered');
    } finally {
      bridge.process.child.kill('SIGKILL');
      await client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
    expect(producer.output() + bridge.output()).not.toContain(PASSWORD);
  });

  it('a wrong password stops the producer and the bridge at once, naming the variables, never printing it', async () => {
    const file = join(dir, 'wrong-password.jsonl');
    writeFileSync(file, JSON.stringify(sampleTweet()) + '\n');
    const wrong = {
      KAFKA_BROKERS: broker.saslBrokers.join(','),
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: 'not-the-password-42',
    };
    const producer = start('src/producer/main.ts', { ...wrong, KAFKA_SASL_MECHANISM: 'scram-sha-256' }, [
      '--replay',
      file,
    ]);
    const bridge = start('src/bridge/main.ts', {
      ...wrong,
      KAFKA_SASL_MECHANISM: 'plain',
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `sasl-test-${randomUUID()}`,
      BRIDGE_WORKFLOW_ID: `sasl-test-${randomUUID()}`,
    });
    // The producer retries a failed connect for as long as it takes (Kafka may be down while it starts): a refused
    // login must end it instead. 15 s is far above the second or so it takes, and far below "forever".
    const [producerExit, bridgeExit] = await Promise.all([
      exitWithin(producer.process, 15_000),
      exitWithin(bridge.process, 15_000),
    ]);
    expect({ producerExit, bridgeExit }).toEqual({ producerExit: 1, bridgeExit: 1 });
    const refused = (mechanism: string) =>
      `Kafka refused the SASL login of KAFKA_SASL_USERNAME=${USER} (KAFKA_SASL_MECHANISM=${mechanism}): check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD`;
    expect(producer.output()).toContain(refused('scram-sha-256'));
    expect(bridge.output()).toContain(refused('plain'));
    expect(producer.output() + bridge.output()).not.toContain('not-the-password-42');
  });
});
