import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import { call } from './https-client';

const ALICE = '285532415';
const scenario: Scenario = {
  startTime: '2024-05-01T10:00:00.000Z',
  users: [{ id: ALICE, username: 'alice' }],
  minutes: [
    { minute: 0, tweets: [{ id: '1790000000000000001', authorId: ALICE, text: 'hello', retweetCount: 10 }] },
    { minute: 1, retweets: { '1790000000000000001': 3 } },
    { minute: 2, retweets: { '1790000000000000001': 5 }, deletes: ['1790000000000000001'] },
  ],
};

describe('determinism', () => {
  test('the same seed gives the same world; another seed does not', async () => {
    const run = async (seed: number): Promise<{ truth: unknown; posted: unknown }> => {
      const emulator = await startEmulator({ seed, minuteSeconds: 0 });
      try {
        emulator.admin.advance(120);
        return { truth: emulator.admin.groundTruth(), posted: emulator.admin.posted() };
      } finally {
        await emulator.close();
      }
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a).toEqual(b);
    expect((a.posted as unknown[]).length).toBeGreaterThan(50);
    expect(c.posted).not.toEqual(a.posted);
  });

  test('retweet growth is heavy-tailed and some tweets get deleted', async () => {
    const emulator = await startEmulator({ seed: 3, minuteSeconds: 0 });
    try {
      emulator.admin.advance(24 * 60);
      const counts = emulator.admin
        .groundTruth()
        .tweets.map((t) => t.retweetCount)
        .sort((x, y) => x - y);
      // Heavy tail: the busiest tweet gets over 50 times the median one.
      const median = counts[Math.floor(counts.length / 2)];
      expect(median).toBeLessThanOrEqual(10);
      expect(counts[counts.length - 1]).toBeGreaterThanOrEqual(Math.max(100, 50 * median));
      expect(emulator.admin.groundTruth().tweets.some((t) => t.deleted)).toBe(true);
      const retweets = emulator.admin.posted().filter((p) => p.retweetedId);
      expect(retweets.length).toBeGreaterThan(0);
    } finally {
      await emulator.close();
    }
  });
});

describe('X endpoints and admin API over HTTPS', () => {
  let emulator: RunningEmulator;
  const get = (path: string, token: string | undefined = emulator.bearerToken) =>
    call(emulator.url, emulator.caFile, path, { token });

  beforeAll(async () => {
    emulator = await startEmulator({
      scenario,
      minuteSeconds: 0,
      rateLimits: { users: { limit: 2, windowSeconds: 60 } },
    });
  });
  afterAll(() => emulator.close());

  test('ground truth follows the scenario minute by minute', () => {
    emulator.admin.advance(3);
    const at = (minute: number) => emulator.admin.groundTruth(minute).tweets[0];
    expect(at(0)).toMatchObject({
      retweetCount: 10,
      deleted: false,
      authorUsername: 'alice',
      createdAt: '2024-05-01T10:00:01.000Z',
    });
    expect(at(1)).toMatchObject({ retweetCount: 13, deleted: false });
    expect(at(2)).toMatchObject({ retweetCount: 18, deleted: true });
    expect(emulator.admin.posted().filter((p) => p.retweetedId === '1790000000000000001')).toHaveLength(8);
  });

  test('a deleted tweet comes back in errors exactly as X reports it', async () => {
    const res = await get('/2/tweets?ids=1790000000000000001&tweet.fields=public_metrics');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      errors: [
        {
          value: '1790000000000000001',
          detail: 'Could not find tweet with ids: [1790000000000000001].',
          title: 'Not Found Error',
          resource_type: 'tweet',
          parameter: 'ids',
          resource_id: '1790000000000000001',
          type: 'https://api.twitter.com/2/problems/resource-not-found',
        },
      ],
    });
  });

  test('a live tweet carries the requested fields and the author expansion', async () => {
    const retweet = emulator.admin.posted().find((p) => p.retweetedId)?.id as string;
    const res = await get(
      `/2/tweets?ids=${retweet}&tweet.fields=author_id,created_at,referenced_tweets&expansions=author_id&user.fields=username`,
    );
    const body = res.body as { data: Record<string, unknown>[]; includes: { users: Record<string, unknown>[] } };
    expect(body.data[0]).toMatchObject({
      id: retweet,
      referenced_tweets: [{ type: 'retweeted', id: '1790000000000000001' }],
    });
    expect(body.data[0].text).toMatch(/^RT @alice: hello/);
    expect(body.includes.users[0].id).toBe(body.data[0].author_id);
  });

  test('bad input and bad tokens get X status codes and bodies', async () => {
    expect((await get('/2/tweets?ids=1', 'wrong')).body).toEqual({
      title: 'Unauthorized',
      detail: 'Unauthorized',
      type: 'about:blank',
      status: 401,
    });
    expect((await get('/2/tweets?ids=1', '')).status).toBe(401); // no Authorization header at all
    const tooMany = await get(`/2/tweets?ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ title: 'Invalid Request' });
    const badRule = await call(emulator.url, emulator.caFile, '/2/tweets/search/stream/rules', {
      method: 'POST',
      token: emulator.bearerToken,
      body: { add: [{ value: 'cats has:images' }] },
    });
    expect(badRule.status).toBe(400);
    expect(badRule.body).toMatchObject({
      errors: [{ title: 'Invalid Rule' }],
      meta: { summary: { created: 0, invalid: 1 } },
    });
  });

  test('user lookup sends rate-limit headers and answers 429 past the limit', async () => {
    const first = await get(`/2/users?ids=${ALICE}`);
    expect(first.body).toEqual({ data: [{ id: ALICE, name: 'alice', username: 'alice' }] });
    expect(first.headers['x-rate-limit-limit']).toBe('2');
    expect(first.headers['x-rate-limit-remaining']).toBe('1');
    const resetSeconds = Number(first.headers['x-rate-limit-reset']);
    expect(resetSeconds * 1000).toBeGreaterThan(Date.now());
    expect((await get(`/2/users?ids=${ALICE}`)).headers['x-rate-limit-remaining']).toBe('0');
    const limited = await get(`/2/users?ids=${ALICE}`);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ title: 'Too Many Requests' });
    expect(Number(limited.headers['x-rate-limit-reset'])).toBe(resetSeconds);
  });

  test('the admin API serves ground truth and injects faults', async () => {
    const truth = await call(emulator.url, emulator.caFile, '/__admin/ground-truth?minute=1');
    expect(truth.body).toMatchObject({ minute: 1, tweets: [{ id: '1790000000000000001', retweetCount: 13 }] });
    await call(emulator.url, emulator.caFile, '/__admin/faults', {
      method: 'POST',
      body: { failNext: { count: 2, status: 503 } },
    });
    expect((await get('/2/tweets?ids=1')).status).toBe(503);
    expect((await get('/2/tweets?ids=1')).status).toBe(503);
    expect((await get('/2/tweets?ids=1')).status).toBe(200);
    await call(emulator.url, emulator.caFile, '/__admin/faults', {
      method: 'POST',
      body: { delay: { ms: 300, count: 1 } },
    });
    const started = Date.now();
    await get('/2/tweets?ids=1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const advanced = await call(emulator.url, emulator.caFile, '/__admin/advance', {
      method: 'POST',
      body: { minutes: 2 },
    });
    expect(advanced.body).toEqual({ elapsedMinutes: 5 });
  });
});

test('the clock advances one simulated minute per minuteSeconds of real time', async () => {
  const emulator = await startEmulator({ seed: 1, minuteSeconds: 0.1 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 550));
    expect(emulator.admin.elapsedMinutes()).toBeGreaterThanOrEqual(4);
    expect(emulator.admin.elapsedMinutes()).toBeLessThanOrEqual(7);
  } finally {
    await emulator.close();
  }
});
