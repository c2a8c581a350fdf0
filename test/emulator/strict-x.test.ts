import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import { call, openRawStream, waitUntil } from './https-client';

const ALICE = '285532415';
const id = (n: number): string => String(1_790_000_000_000_000_000n + BigInt(n));
const scenario: Scenario = {
  startTime: '2024-05-01T10:00:00.000Z',
  users: [{ id: ALICE, username: 'alice' }],
  minutes: [
    { minute: 0, tweets: [1, 2, 3].map((n) => ({ id: id(n), authorId: ALICE, text: `post ${n}` })) },
    { minute: 1, retweets: { [id(1)]: 2 } },
  ],
};

/** Jest's asymmetric matchers, typed so lint sees no `any`. */
const anyString = (): unknown => expect.any(String);
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

let emulator: RunningEmulator;
const get = (path: string, timeoutMs?: number) =>
  call(emulator.url, emulator.caFile, path, { token: emulator.bearerToken, ...(timeoutMs ? { timeoutMs } : {}) });
const admin = (path: string, method: string, body?: unknown) =>
  call(emulator.url, emulator.caFile, `/__admin/${path}`, { method, body });

beforeEach(async () => {
  emulator = await startEmulator({ scenario, minuteSeconds: 0 });
});
afterEach(() => emulator.close());

describe('invalid ids: X answers the whole request with 400', () => {
  test("a malformed id, a 20-digit id and 101 ids each get X's invalid-request body", async () => {
    const malformed = await get(`/2/tweets?ids=${id(1)},12a,${id(2)}`);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      errors: [{ parameters: { ids: ['12a'] }, message: 'The `ids` query parameter value [12a] is not valid' }],
      title: 'Invalid Request',
      detail: 'One or more parameters to your request was invalid.',
      type: 'https://api.twitter.com/2/problems/invalid-request',
    });
    const long = await get(`/2/tweets?ids=${'1'.repeat(20)},x`);
    expect(long.status).toBe(400);
    expect((long.body as { errors: unknown[] }).errors).toHaveLength(2);
    const tooMany = await get(`/2/tweets?ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({
      title: 'Invalid Request',
      errors: [{ message: matching(/\[101\] is not between 1 and 100/) }],
    });
    expect((await get('/2/tweets?ids=')).status).toBe(400);
    expect((await get(`/2/tweets?ids=${'9'.repeat(19)}`)).status).toBe(200);
  });

  test('the rejectIds fault makes X refuse a well-formed id with 400 until faults are cleared', async () => {
    await admin('faults', 'POST', { rejectIds: [id(2)] });
    const refused = await get(`/2/tweets?ids=${id(1)},${id(2)}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: [{ parameters: { ids: [id(2)] } }], title: 'Invalid Request' });
    expect((await get(`/2/tweets?ids=${id(1)}`)).status).toBe(200);
    await admin('faults', 'DELETE');
    expect((await get(`/2/tweets?ids=${id(1)},${id(2)}`)).status).toBe(200);
  });
});

describe('plan presets', () => {
  test("pay-per-use is the default: 3,500 lookups per 15 minutes, with X's headers", async () => {
    const res = await get(`/2/tweets?ids=${id(1)}`);
    expect(res.headers['x-rate-limit-limit']).toBe('3500');
    expect(res.headers['x-rate-limit-remaining']).toBe('3499');
    const reset = Number(res.headers['x-rate-limit-reset']);
    expect(reset).toBeGreaterThan(Date.now() / 1000 + 890);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 900);
    expect((await admin('plan', 'GET')).body).toMatchObject({
      plan: 'pay-per-use',
      limits: { tweets: { limit: 3500 }, timeline: { limit: 1500 } },
    });
  });

  test('switching to Basic at run time: 15 lookups then 429, and the filtered stream answers 403 client-forbidden', async () => {
    expect((await admin('plan', 'POST', { plan: 'basic' })).body).toMatchObject({
      plan: 'basic',
      limits: { tweets: { limit: 15 } },
    });
    const answers = [];
    for (let i = 0; i < 16; i++) answers.push(await get(`/2/tweets?ids=${id(1)}`));
    expect(answers.slice(0, 15).map((a) => a.status)).toEqual(Array(15).fill(200));
    expect(answers[14].headers['x-rate-limit-remaining']).toBe('0');
    expect(answers[15].status).toBe(429);
    expect(answers[15].headers['x-rate-limit-limit']).toBe('15');
    const stream = await get('/2/tweets/search/stream');
    expect(stream.status).toBe(403);
    expect(stream.body).toEqual({
      client_id: anyString(),
      detail: matching(
        /^When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project/,
      ),
      registration_url: anyString(),
      title: 'Client Forbidden',
      required_enrollment: 'Appropriate Level of API Access',
      reason: 'client-not-enrolled',
      type: 'https://api.twitter.com/2/problems/client-forbidden',
    });
    await admin('plan', 'POST', { plan: 'pro' });
    expect((await get(`/2/tweets?ids=${id(1)}`)).headers['x-rate-limit-limit']).toBe('450');
    expect((await admin('plan', 'POST', { plan: 'gold' })).body).toEqual({
      error: 'Invalid configuration: plan must be one of pay-per-use, pro, basic, got "gold"',
    });
  });

  test('a lookup-only 429 fault advertises the reset it was given; other endpoints are untouched', async () => {
    await admin('faults', 'POST', { failNext: { count: 1, status: 429, resetSeconds: 42, endpoint: 'tweets' } });
    expect((await get(`/2/users?ids=${ALICE}`)).status).toBe(200);
    const limited = await get(`/2/tweets?ids=${id(1)}`);
    expect(limited.status).toBe(429);
    const reset = Number(limited.headers['x-rate-limit-reset']);
    expect(Math.abs(reset - (Date.now() / 1000 + 42))).toBeLessThan(3);
    expect((await get(`/2/tweets?ids=${id(1)}`)).status).toBe(200);
  });

  test('the CLI stops with a message naming X_EMULATOR_PLAN for an unknown plan', async () => {
    const run = promisify(execFile);
    const error = (await run('node_modules/.bin/tsx', ['src/emulator/main.ts'], {
      env: { ...process.env, X_EMULATOR_PLAN: 'enterprise', X_EMULATOR_PORT: '0' },
    }).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(1);
    // A log line on stderr: JSON, since stderr is a pipe here.
    expect(JSON.parse(error.stderr)).toMatchObject({
      level: 'error',
      msg: expect.stringContaining(
        'X_EMULATOR_PLAN must be one of pay-per-use, pro, basic, got "enterprise"',
      ) as unknown,
    });
  });
});

test('the CLI reads its plan, seeding and manual clock from the environment', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
  const child = spawn('node_modules/.bin/tsx', ['src/emulator/main.ts'], {
    env: {
      ...process.env,
      X_EMULATOR_PORT: '0',
      X_EMULATOR_PLAN: 'pro',
      X_EMULATOR_CLOCK: 'manual',
      X_EMULATOR_INITIAL_TWEETS: '1000',
      X_API_CA_FILE: join(dir, 'ca.pem'),
      X_BEARER_TOKEN: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitUntil(() => /export X_API_BASE_URL=(\S+)/.test(out), 20_000, 'the CLI banner');
    const url = (/export X_API_BASE_URL=(\S+)/.exec(out) as RegExpExecArray)[1];
    expect(out).toMatch(/plan pro, seed 1, manual clock/);
    const cli = (path: string, method = 'GET', body?: unknown) =>
      call(url, join(dir, 'ca.pem'), path, { method, body });
    expect((await cli('/__admin/state')).body).toEqual({ elapsedMinutes: 0, streamConnections: 0, plan: 'pro' });
    expect((await cli('/__admin/ground-truth')).body).toMatchObject({
      minute: -1,
      tweets: expect.any(Array) as unknown,
    });
    expect(((await cli('/__admin/ground-truth')).body as { tweets: unknown[] }).tweets).toHaveLength(1000);
    expect((await cli('/__admin/advance', 'POST', { minutes: 3 })).body).toEqual({ elapsedMinutes: 3 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await cli('/__admin/state')).body).toMatchObject({ elapsedMinutes: 3 });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('billing ground truth', () => {
  test('a post read twice in a day is billed once, every streamed post is billed, and the cost is $0.005 a post', async () => {
    emulator.admin.advance(1);
    await get(`/2/tweets?ids=${id(1)},${id(2)}`);
    await get(`/2/tweets?ids=${id(1)},${id(2)},${id(3)}`);
    await get(`/2/tweets?ids=12x`); // refused with 400: no post read
    let usage = (await admin('usage', 'GET')).body as Record<string, unknown>;
    expect(usage).toEqual({
      day: '2024-05-01',
      requests: { tweets: 3, timeline: 0, users: 0, 'rules-get': 0, 'rules-post': 0, stream: 0 },
      refused: 0,
      postReads: 5,
      billedPostReads: 3,
      estimatedCostUsd: 0.015,
    });

    // The stream bills each delivered post, then a lookup of it the same day is free.
    await call(emulator.url, emulator.caFile, '/2/tweets/search/stream/rules', {
      method: 'POST',
      token: emulator.bearerToken,
      body: { add: [{ value: `from:${ALICE} OR retweets_of:${ALICE}`, tag: 't' }] },
    });
    const stream = await openRawStream(emulator.url, emulator.caFile, emulator.bearerToken);
    expect(stream.status).toBe(200);
    await waitUntil(() => emulator.admin.streamConnections() === 1);
    emulator.admin.advance(1); // minute 1: two retweets of id(1)
    await waitUntil(
      () =>
        stream
          .body()
          .split('\r\n')
          .filter((l) => l.startsWith('{')).length === 2,
      5000,
      'two streamed retweets',
    );
    const retweetIds = emulator.admin
      .posted()
      .filter((p) => p.retweetedId)
      .map((p) => p.id);
    await get(`/2/tweets?ids=${retweetIds.join(',')}`);
    usage = (await admin('usage', 'GET')).body as Record<string, unknown>;
    expect(usage).toMatchObject({ billedPostReads: 5, postReads: 9, estimatedCostUsd: 0.025 });
    stream.destroy();
  });

  test('past the monthly post cap X answers 429 UsageCapExceeded', async () => {
    emulator.admin.advance(1);
    await admin('plan', 'POST', { monthlyPostCap: 2 });
    expect((await get(`/2/tweets?ids=${id(1)},${id(2)}`)).status).toBe(200);
    const capped = await get(`/2/tweets?ids=${id(3)}`);
    expect(capped.status).toBe(429);
    expect(capped.body).toEqual({
      title: 'UsageCapExceeded',
      detail: 'Usage cap exceeded: Monthly product cap',
      type: 'https://api.twitter.com/2/problems/usage-capped',
    });
    expect((await get(`/2/users/${ALICE}/tweets`)).status).toBe(429);
    expect(emulator.admin.usage()).toMatchObject({ billedPostReads: 2, refused: 2 });
  });
});

describe('stream connections', () => {
  test('a second connection gets TooManyConnections; a connection the client left lingers, one X dropped does not', async () => {
    const first = await openRawStream(emulator.url, emulator.caFile, emulator.bearerToken);
    expect(first.status).toBe(200);
    const second = await get('/2/tweets/search/stream');
    expect(second.status).toBe(429);
    expect(second.body).toEqual({
      title: 'ConnectionException',
      detail: 'This stream is currently at the maximum allowed connection limit.',
      connection_issue: 'TooManyConnections',
      type: 'https://api.twitter.com/2/problems/streaming-connection',
    });

    // The client vanishes: X keeps its slot for the linger time, so a quick reconnect is refused.
    await admin('faults', 'POST', { streamLingerSeconds: 1.5 });
    first.destroy();
    await waitUntil(() => emulator.admin.streamConnections() === 0);
    expect((await get('/2/tweets/search/stream')).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const third = await openRawStream(emulator.url, emulator.caFile, emulator.bearerToken);
    expect(third.status).toBe(200);

    // X itself dropping the connection frees the slot at once.
    expect(emulator.admin.dropStreams()).toBe(1);
    const fourth = await openRawStream(emulator.url, emulator.caFile, emulator.bearerToken);
    expect(fourth.status).toBe(200);
    fourth.destroy();
  });
});

describe('half-open lookups', () => {
  test('the hang fault accepts the next N lookups and never answers them; later ones are answered', async () => {
    await admin('faults', 'POST', { hang: { count: 2 } });
    expect((await get(`/2/users?ids=${ALICE}`)).status).toBe(200); // only lookups hang
    const started = Date.now();
    await expect(get(`/2/tweets?ids=${id(1)}`, 700)).rejects.toThrow('no answer within 700 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(690);
    await expect(get(`/2/tweets?ids=${id(1)}`, 300)).rejects.toThrow('no answer within 300 ms');
    expect((await get(`/2/tweets?ids=${id(1)}`, 2000)).status).toBe(200);
    const statuses = emulator.admin
      .requests()
      .filter((r) => r.path === '/2/tweets')
      .map((r) => r.status);
    expect(statuses).toEqual([undefined, undefined, 200]);
  });
});
