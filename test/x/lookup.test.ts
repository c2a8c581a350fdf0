import { inspect } from 'node:util';
import { ConfigError } from '../../src/config/env';
import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import { lookupAll } from '../../src/x/lookup-pool';
import {
  createTweetLookup,
  createXClient,
  makeXConfig,
  readXConfig,
  XApiError,
  type XClient,
  XRateLimitError,
} from '../../src/x';

const ALICE = '285532415';
const BOB = '147964447';
const idOf = (i: number): string => String(1_800_000_000_000_000_000n + BigInt(i));

/** 240 scripted tweets in minute 0; 5 deleted and a few retweeted in minute 1. */
const scenario: Scenario = {
  startTime: '2024-05-01T10:00:00.000Z',
  users: [
    { id: ALICE, username: 'alice' },
    { id: BOB, username: 'bob' },
  ],
  minutes: [
    {
      minute: 0,
      tweets: Array.from({ length: 240 }, (_, i) => ({
        id: idOf(i),
        authorId: i % 2 ? BOB : ALICE,
        text: `tweet ${i}`,
        retweetCount: i % 7,
      })),
    },
    {
      minute: 1,
      retweets: { [idOf(3)]: 4, [idOf(200)]: 2 },
      deletes: [idOf(10), idOf(20), idOf(30), idOf(150), idOf(239)],
    },
  ],
};

let emulator: RunningEmulator;
let client: XClient;

beforeAll(async () => {
  emulator = await startEmulator({
    scenario,
    minuteSeconds: 0,
    rateLimits: { tweets: { limit: 1000, windowSeconds: 900 } },
  });
  emulator.admin.advance(2);
  client = createXClient(readXConfig(emulator.env));
});

afterAll(async () => {
  client.close();
  await emulator.close();
});

beforeEach(() => {
  emulator.admin.clearRequests();
  emulator.admin.clearFaults();
});

test('250 ids are looked up in 3 requests of at most 100 ids, and match the ground truth', async () => {
  const unknown = Array.from({ length: 10 }, (_, i) => idOf(5000 + i));
  const ids = [...Array.from({ length: 240 }, (_, i) => idOf(i)), ...unknown];

  const result = await lookupAll(createTweetLookup(client), ids, { concurrency: 2 });

  const requests = emulator.admin.requests().filter((r) => r.path === '/2/tweets');
  expect(requests).toHaveLength(3);
  expect(requests.map((r) => r.query.ids.split(',').length).sort((a, b) => a - b)).toEqual([50, 100, 100]);
  expect(requests.every((r) => r.status === 200)).toBe(true);
  expect(requests[0].query).toMatchObject({ expansions: 'author_id', 'user.fields': 'username' });

  const truth = new Map(emulator.admin.groundTruth().tweets.map((t) => [t.id, t]));
  expect(result.tweets).toHaveLength(235);
  for (const tweet of result.tweets) {
    const expected = truth.get(tweet.id);
    expect(expected?.deleted).toBe(false);
    expect(tweet).toEqual({
      id: tweet.id,
      text: expected?.text,
      authorId: expected?.authorId,
      authorUsername: expected?.authorId === ALICE ? 'alice' : 'bob',
      createdAt: expected?.createdAt,
      retweetCount: expected?.retweetCount,
    });
  }
  expect(result.tweets.find((t) => t.id === idOf(3))?.retweetCount).toBe(3 + 4);
  expect(result.goneIds.sort()).toEqual([idOf(10), idOf(20), idOf(30), idOf(150), idOf(239), ...unknown].sort());
});

test('malformed and duplicate ids cost no request slot: they are invalid or collapsed', async () => {
  const result = await lookupAll(createTweetLookup(client), [
    idOf(1),
    idOf(1),
    'not-an-id',
    '12345678901234567890',
    idOf(10),
  ]);
  expect(result.tweets.map((t) => t.id)).toEqual([idOf(1)]);
  expect(result.goneIds).toEqual([idOf(10)]);
  expect(result.invalidIds.sort()).toEqual(['12345678901234567890', 'not-an-id']);
  const requests = emulator.admin.requests();
  expect(requests).toHaveLength(1);
  expect(requests[0].query.ids).toBe(`${idOf(1)},${idOf(10)}`);
});

test('503 is a retryable error; 429 carries the reset time', async () => {
  const lookup = createTweetLookup(client);
  emulator.admin.failNext(1, 503);
  const unavailable = await lookup.lookupTweets([idOf(1)]).catch((e: unknown) => e);
  expect(unavailable).toBeInstanceOf(XApiError);
  expect(unavailable).toMatchObject({ status: 503, retryable: true });

  emulator.admin.failNext(1, 429, 30);
  const limited = await lookup.lookupTweets([idOf(1)]).catch((e: unknown) => e);
  expect(limited).toBeInstanceOf(XRateLimitError);
  const delay = (limited as XRateLimitError).resetAtMs - Date.now();
  expect(delay).toBeGreaterThan(28_000);
  expect(delay).toBeLessThanOrEqual(31_000);
});

test('a bad bearer token is rejected as non-retryable with a message naming X_BEARER_TOKEN, not the token', async () => {
  const secret = 'wrong-secret-token-123';
  const badClient = createXClient(makeXConfig({ bearerToken: secret, baseUrl: emulator.url, caFile: emulator.caFile }));
  try {
    const error = await createTweetLookup(badClient)
      .lookupTweets([idOf(1)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XApiError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toMatch(/X_BEARER_TOKEN/);
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  } finally {
    badClient.close();
  }
});

test('without the CA file the TLS failure is non-retryable and names X_API_CA_FILE', async () => {
  const noCa = createXClient(makeXConfig({ bearerToken: emulator.bearerToken, baseUrl: emulator.url }));
  try {
    const error = await createTweetLookup(noCa)
      .lookupTweets([idOf(1)])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, status: undefined });
    expect((error as Error).message).toMatch(/X_API_CA_FILE/);
  } finally {
    noCa.close();
  }
});

test('the config requires X_BEARER_TOKEN and never shows it when printed', () => {
  expect(() => readXConfig({})).toThrow(ConfigError);
  expect(() => readXConfig({})).toThrow(/X_BEARER_TOKEN/);
  expect(() => readXConfig({ X_BEARER_TOKEN: 't', X_API_BASE_URL: 'nope' })).toThrow(/X_API_BASE_URL/);
  const config = readXConfig({ X_BEARER_TOKEN: 'very-secret' });
  expect(config.baseUrl.toString()).toBe('https://api.x.com/');
  expect(config.bearerToken).toBe('very-secret');
  expect(JSON.stringify(config)).not.toContain('very-secret');
  expect(inspect(config)).not.toContain('very-secret');
});
