import { validateObservedTweet } from '../../src/domain/observed-tweet';
import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import {
  createXClient,
  makeXConfig,
  readXConfig,
  type StreamedTweet,
  streamTweets,
  toObservedTweet,
  XApiError,
  type XClient,
  xReconnectDelayMs,
  type XStreamEvent,
} from '../../src/x';
import { waitUntil } from '../emulator/https-client';

const ALICE = '285532415';
const BOB = '147964447';
const CAROL = '555000111'; // not followed
const FOLLOWED = [ALICE, BOB];
const id = (n: number): string => String(1_790_000_000_000_000_000n + BigInt(n));

/** Twelve minutes: originals by followed and unfollowed users, and other accounts retweeting them. */
const scenario: Scenario = {
  users: [
    { id: ALICE, username: 'alice' },
    { id: BOB, username: 'bob' },
    { id: CAROL, username: 'carol' },
  ],
  minutes: Array.from({ length: 12 }, (_, m) => ({
    minute: m,
    tweets: [
      { id: id(m * 10), authorId: m % 2 ? BOB : ALICE, text: `minute ${m}` },
      { id: id(m * 10 + 1), authorId: CAROL, text: `carol ${m}` },
    ],
    retweets: m > 0 ? { [id((m - 1) * 10)]: 2, [id((m - 1) * 10 + 1)]: 1 } : {},
  })),
};

let emulator: RunningEmulator;
let client: XClient;

beforeAll(async () => {
  emulator = await startEmulator({ scenario, minuteSeconds: 0, heartbeatSeconds: 0.2 });
  client = createXClient(readXConfig({ ...emulator.env, X_STREAM_BACKFILL_MINUTES: '5', X_STREAM_RETWEETS: 'on' }));
});

afterAll(async () => {
  client.close();
  await emulator.close();
});

/** What the stream should deliver: followed users' posts and other accounts' retweets of them. */
function expectedIds(): string[] {
  const posted = emulator.admin.posted();
  const authorOf = new Map(posted.map((p) => [p.id, p.authorId]));
  return posted
    .filter(
      (p) =>
        FOLLOWED.includes(p.authorId) ||
        (p.retweetedId !== undefined && FOLLOWED.includes(authorOf.get(p.retweetedId) ?? '')),
    )
    .map((p) => p.id);
}

test('the stream delivers every scenario post once across a forced disconnect, and maps to ObservedTweet', async () => {
  const controller = new AbortController();
  const received: StreamedTweet[] = [];
  const events: XStreamEvent['type'][] = [];
  const consumer = (async () => {
    const stream = streamTweets(client, {
      userIds: FOLLOWED,
      signal: controller.signal,
      keepAliveTimeoutMs: 5_000,
      // X's schedule, 50 times faster, so the 5 s HTTP-error backoff takes 100 ms here.
      reconnectDelayMs: (attempt, error) => xReconnectDelayMs(attempt, error) / 50,
      onEvent: (event) => events.push(event.type),
    });
    for await (const tweet of stream) received.push(tweet);
  })();

  await waitUntil(() => emulator.admin.streamConnections() === 1, 10_000, 'stream connection');
  emulator.admin.advance(4);
  await waitUntil(() => received.length === expectedIds().length, 10_000, 'first posts');

  // Drop the connection, fail the immediate reconnect, and post four minutes while nobody is connected.
  emulator.admin.failNext(1, 503);
  expect(emulator.admin.dropStreams()).toBe(1);
  emulator.admin.advance(4);
  expect(emulator.admin.streamConnections()).toBe(0);
  await waitUntil(() => emulator.admin.streamConnections() === 1, 10_000, 'reconnection');
  emulator.admin.advance(4);
  await waitUntil(() => received.length >= expectedIds().length, 10_000, 'all posts');
  await new Promise((resolve) => setTimeout(resolve, 300));
  controller.abort();
  await consumer;

  const ids = received.map((t) => t.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual([...expectedIds()].sort());
  expect(events).toContain('reconnected');
  expect(events).toContain('keep-alive');

  const retweet = received.find((t) => t.retweetedOf?.id === id(0));
  expect(retweet?.retweetedOf).toEqual({ id: id(0), authorId: ALICE, authorUsername: 'alice' });
  expect(retweet?.matchingRuleTags).toEqual(['retweet-tracker']);
  const observed = toObservedTweet(retweet as StreamedTweet);
  expect(validateObservedTweet(observed)).toEqual({ ok: true, value: observed });
  const original = received.find((t) => t.id === id(10));
  expect(toObservedTweet(original as StreamedTweet)).toEqual({
    id: id(10),
    authorId: BOB,
    authorUsername: 'bob',
    createdAt: emulator.admin.groundTruth().tweets.find((t) => t.id === id(10))?.createdAt,
  });
});

test('the stream ends with a non-retryable error for a bad token', async () => {
  const bad = createXClient(makeXConfig({ bearerToken: 'nope', baseUrl: emulator.url, caFile: emulator.caFile }));
  try {
    const run = async (): Promise<void> => {
      for await (const _ of streamTweets(bad, { keepAliveTimeoutMs: 5_000 })) void _;
    };
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XApiError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toMatch(/X_BEARER_TOKEN/);
  } finally {
    bad.close();
  }
});
