import type { Kafka } from 'kafkajs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import { createKafka } from '../../src/kafka/client';
import { ensureProductTopics } from '../../src/kafka/topics';
import { eventually } from '../kafka/helpers';
import { startPrivateKafka, type PrivateKafka } from '../support/private-kafka';
import {
  FOLLOWED,
  followedPosts,
  idsInTopic,
  missing,
  privateCaFile,
  startProducerProcess,
  streamablePosts,
  waitForOutput,
} from './support';

/**
 * The producer across Kafka outages, on a broker of this file alone (killed and restarted by the test), with the
 * X emulator on a manual clock (posts are released exactly when the test says) and `npm run producer` as a process.
 */
describe('producer: Kafka outages lose nothing (private broker, emulator, `npm run producer`)', () => {
  let broker: PrivateKafka;
  let kafka: Kafka;
  let emulator: RunningEmulator;
  let sequence = 0;

  beforeAll(async () => {
    broker = await startPrivateKafka();
    kafka = createKafka({ brokers: broker.brokers, clientId: 'producer-outage-test', tweetsPartitions: 3 });
    emulator = await startEmulator({
      caFile: privateCaFile(),
      seed: 11,
      minuteSeconds: 0,
      heartbeatSeconds: 1,
      tweetsPerUserPerMinute: 1,
    });
  });
  afterAll(async () => {
    await emulator?.close();
    await broker?.close();
  });

  async function scene() {
    const topic = `tweets-${++sequence}`;
    await ensureProductTopics(kafka, { tweets: topic, deadLetters: 'tweets.dlq', progress: `${topic}.progress` }, 3);
    const env = { ...emulator.env, KAFKA_BROKERS: broker.brokers.join(','), KAFKA_TWEETS_TOPIC: topic };
    const known = { followed: new Set(followedPosts(emulator)), streamable: new Set(streamablePosts(emulator)) };
    const since = (ids: string[], before: Set<string>): string[] => ids.filter((id) => !before.has(id));
    return {
      topic,
      env,
      /** Posts of the followed users since the scene began (what catch-up guarantees). */
      followed: () => since(followedPosts(emulator), known.followed),
      /** Everything the stream delivers since the scene began (followed users' posts and retweets of them). */
      streamable: () => since(streamablePosts(emulator), known.streamable),
    };
  }

  /** Waits until `expected()` are all in the topic; returns what is missing on timeout. */
  const allIn = (topic: string, expected: () => string[], timeoutMs = 120_000) =>
    eventually(
      'every expected post in the topic',
      // Right after a restart the broker may still refuse the read (no leader yet): that is "not yet", not an answer.
      async () => (missing(expected(), await idsInTopic(kafka, topic).catch(() => [])).length === 0 ? true : undefined),
      timeoutMs,
    ).catch(async () => ({ missing: missing(expected(), await idsInTopic(kafka, topic)) }));

  it('a 3-minute broker outage: the producer keeps running, holds what it reads, and publishes all of it afterwards', async () => {
    const s = await scene();
    // The stream delivers other accounts' retweets too: everything it delivers must survive the outage.
    const producer = startProducerProcess({ ...s.env, X_STREAM_RETWEETS: 'on' });
    try {
      await waitForOutput(producer, 'X stream connected');
      emulator.admin.advance(1);
      expect(await allIn(s.topic, s.streamable)).toBe(true);

      await broker.kill();
      const outageStart = Date.now();
      // Posts keep coming in the stream during the outage.
      for (let minute = 0; minute < 6; minute++) {
        await new Promise((resolve) => setTimeout(resolve, 30_000));
        emulator.admin.advance(1);
        expect(producer.child.exitCode).toBeNull();
      }
      expect(Date.now() - outageStart).toBeGreaterThanOrEqual(180_000);
      await broker.start();

      expect(await allIn(s.topic, s.streamable)).toBe(true);
      expect(producer.child.exitCode).toBeNull();
      expect(producer.output()).toContain('Kafka accepts records again');
      // Bounded log volume: a reminder a minute at most, not a line per attempt.
      expect((producer.output().match(/Kafka refuses records/g) ?? []).length).toBeLessThanOrEqual(5);

      // Having lived through it, one SIGTERM ends it cleanly within its grace period.
      producer.child.kill('SIGTERM');
      const exit = await Promise.race([
        producer.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000)),
      ]);
      expect(exit).toBe(0);
    } finally {
      producer.child.kill('SIGKILL');
      await broker.start();
    }
  }, 600_000);

  it('killed (SIGKILL) during a broker outage, its unacknowledged posts then deleted on X: the spool republishes them', async () => {
    // A world of its own with exact posts: minute 0 is published normally, minute 1 is read during the outage
    // (never acknowledged) and deleted in minute 2, so no timeline catch-up can find it; minute 2 is posted while
    // the producer is dead, so only a catch-up can.
    const [a, b, c] = FOLLOWED;
    const id = (n: number): string => String(1_800_000_000_000_000_000n + BigInt(n));
    const during = [id(10), id(11), id(12), id(13)];
    const scenario: Scenario = {
      minutes: [
        {
          minute: 0,
          tweets: [
            { id: id(1), authorId: a, text: 'before the outage' },
            { id: id(2), authorId: b, text: 'before the outage' },
          ],
        },
        {
          minute: 1,
          tweets: during.map((tweetId, i) => ({
            id: tweetId,
            authorId: [a, b, c][i % 3],
            text: `read during the outage ${i}`,
          })),
        },
        {
          minute: 2,
          deletes: during,
          tweets: [
            { id: id(20), authorId: a, text: 'while the producer is dead' },
            { id: id(21), authorId: c, text: 'while the producer is dead' },
          ],
        },
      ],
    };
    const world = await startEmulator({ caFile: privateCaFile(), scenario, minuteSeconds: 0, heartbeatSeconds: 1 });
    const topic = `tweets-${++sequence}`;
    await ensureProductTopics(kafka, { tweets: topic, deadLetters: 'tweets.dlq', progress: `${topic}.progress` }, 3);
    // One spool directory for both runs, as on a real machine.
    const env = {
      ...world.env,
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_TWEETS_TOPIC: topic,
      PRODUCER_SPOOL_DIR: join(mkdtempSync(join(tmpdir(), 'spool-')), 'spool'),
    };
    const first = startProducerProcess(env);
    let second: ReturnType<typeof startProducerProcess> | undefined;
    try {
      await waitForOutput(first, 'X stream connected');
      world.admin.advance(1);
      expect(await allIn(topic, () => [id(1), id(2)])).toBe(true);

      await broker.kill();
      world.admin.advance(1);
      // Read from the stream, never acknowledged (the broker is down): what a kill can lose.
      for (const tweetId of during) await waitForOutput(first, `Received tweet #${tweetId}`);
      first.child.kill('SIGKILL');
      await first.exited;
      world.admin.advance(1);
      expect(
        during.filter((tweetId) =>
          world.simulation.timelineOf(world.simulation.tweets.get(tweetId)!.authorId).some((t) => t.id === tweetId),
        ),
      ).toEqual([]);
      await broker.start();

      second = startProducerProcess(env);
      const expected = [id(1), id(2), ...during, id(20), id(21)];
      const outcome = await allIn(topic, () => expected, 60_000);
      if (outcome !== true) console.log(`first:\n${first.output()}\nsecond:\n${second.output()}`);
      expect(outcome).toBe(true);
      expect(second.output()).toContain(`Republishing ${during.length} post(s) from the spool`);
      expect(second.output()).toMatch(/Caught up \d+ post\(s\)/);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await broker.start();
      await world.close();
    }
  }, 300_000);

  it('reading pauses when Kafka refuses and the queue is full, and the gap is caught up when it resumes', async () => {
    const s = await scene();
    const producer = startProducerProcess({ ...s.env, PRODUCER_MAX_QUEUED: '3' });
    try {
      await waitForOutput(producer, 'X stream connected');
      emulator.admin.advance(1);
      expect(await allIn(s.topic, s.followed)).toBe(true);

      await broker.kill();
      // More posts than the queue holds (one in flight, three queued): a random minute may have none at all.
      const before = s.followed().length;
      for (let minute = 0; minute < 10 && s.followed().length - before < 5; minute++) emulator.admin.advance(1);
      expect(s.followed().length - before).toBeGreaterThanOrEqual(5);
      await waitForOutput(producer, 'stopped reading the X filtered stream', 60_000);
      await eventually(
        'the stream closed',
        () => (emulator.admin.streamConnections() === 0 ? true : undefined),
        30_000,
      );
      emulator.admin.advance(2);
      await broker.start();

      const outcome = await allIn(s.topic, s.followed);
      if (outcome !== true) console.log(producer.output());
      expect(outcome).toBe(true);
      expect(producer.child.exitCode).toBeNull();
      expect(producer.output()).toMatch(/Caught up \d+ post\(s\)/);
    } finally {
      producer.child.kill('SIGKILL');
      await broker.start();
    }
  }, 600_000);

  it('exits 0 on one SIGTERM during a broker outage, within its grace period, with tweets still unacknowledged', async () => {
    const s = await scene();
    const producer = startProducerProcess(s.env);
    try {
      await waitForOutput(producer, 'X stream connected');
      await broker.kill();
      emulator.admin.advance(1);
      await waitForOutput(producer, /Received tweet/);
      await waitForOutput(producer, 'Kafka refuses records', 60_000);
      producer.child.kill('SIGTERM');
      const exit = await Promise.race([
        producer.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000)),
      ]);
      expect({ exit, output: exit === 0 ? '' : producer.output().slice(-2000) }).toEqual({ exit: 0, output: '' });
      expect(producer.output()).toContain('not acknowledged by Kafka within the grace period');
    } finally {
      producer.child.kill('SIGKILL');
      await broker.start();
    }
  }, 300_000);
});
