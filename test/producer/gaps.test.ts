import type { Kafka } from 'kafkajs';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createTopic, deleteTopics, eventually, testKafka } from '../kafka/helpers';
import { followedPosts, idsInTopic, missing, privateCaFile, startProducerProcess, waitForOutput } from './support';

/**
 * Posts made while the producer could not see the stream (killed, or disconnected) are caught up from the
 * followed users' timelines. Real emulator over HTTPS, real broker, the producer as a real process.
 */
describe('producer: catch-up after gaps (emulator, real broker, `npm run producer`)', () => {
  let kafka: Kafka;
  let emulator: RunningEmulator;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = await testKafka();
    // A manual clock: posts are released only when the test advances it, so a gap is exactly where the test puts it.
    emulator = await startEmulator({
      caFile: privateCaFile(),
      seed: 7,
      minuteSeconds: 0,
      heartbeatSeconds: 1,
      tweetsPerUserPerMinute: 1,
    });
  });
  afterAll(async () => {
    await emulator?.close();
    await deleteTopics(kafka, topics);
  });

  async function scene() {
    const topic = await createTopic(kafka, 'producer-gaps', 3);
    topics.push(topic, `${topic}.progress`);
    const env = { ...emulator.env, KAFKA_TWEETS_TOPIC: topic, PRODUCER_FOLLOWED_POLL_SECONDS: '1' };
    // Posts made before this producer first ran are not its business (it starts from the newest one, like the stream).
    const before = new Set(followedPosts(emulator));
    const expected = (): string[] => followedPosts(emulator).filter((id) => !before.has(id));
    /** Waits until every post the followed users made since the scene began is in the topic; else what is missing. */
    const allFollowedPostsIn = (timeoutMs = 60_000) =>
      eventually(
        'every followed post in the topic',
        async () => (missing(expected(), await idsInTopic(kafka, topic)).length === 0 ? true : undefined),
        timeoutMs,
      ).catch(async () => ({ missing: missing(expected(), await idsInTopic(kafka, topic)) }));
    return { topic, env, expected, allFollowedPostsIn };
  }

  it('killed (SIGKILL) mid-stream and restarted, it publishes every post the followed users made meanwhile', async () => {
    const s = await scene();
    const first = startProducerProcess(s.env);
    try {
      await waitForOutput(first, 'X stream connected');
      emulator.admin.advance(2);
      expect(await s.allFollowedPostsIn()).toBe(true);
      first.child.kill('SIGKILL');
      await first.exited;

      const beforeGap = s.expected().length;
      emulator.admin.advance(3);
      expect(s.expected().length).toBeGreaterThan(beforeGap);
      const second = startProducerProcess(s.env);
      try {
        await waitForOutput(second, 'X stream connected');
        const outcome = await s.allFollowedPostsIn();
        if (outcome !== true) console.log(`first:\n${first.output()}\nsecond:\n${second.output()}`);
        expect(outcome).toBe(true);
        expect(second.output()).toMatch(/Caught up \d+ post\(s\)/);
      } finally {
        second.child.kill('SIGKILL');
      }
    } finally {
      first.child.kill('SIGKILL');
    }
  });

  it('posts released while no stream connection was open are caught up after the reconnect', async () => {
    const s = await scene();
    const producer = startProducerProcess(s.env);
    try {
      await waitForOutput(producer, 'X stream connected');
      emulator.admin.advance(1);
      expect(await s.allFollowedPostsIn()).toBe(true);

      // The reconnects fail for a while (X's backoff: 5 s, then 10 s), so the gap is real.
      emulator.admin.failNext(2, 503, undefined, 'stream');
      expect(emulator.admin.dropStreams()).toBeGreaterThan(0);
      await eventually(
        'no stream connection open',
        () => (emulator.admin.streamConnections() === 0 ? true : undefined),
        10_000,
      );
      const before = followedPosts(emulator).length;
      emulator.admin.advance(2);
      expect(emulator.admin.streamConnections()).toBe(0);
      expect(followedPosts(emulator).length).toBeGreaterThan(before);

      expect(await s.allFollowedPostsIn(90_000)).toBe(true);
      expect(producer.output()).toContain('X stream reconnected');
      expect(producer.output()).toMatch(/Caught up \d+ post\(s\)/);
    } finally {
      producer.child.kill('SIGKILL');
    }
  });
});
