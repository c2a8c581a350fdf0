import { Registry } from 'prom-client';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createXMetrics } from '../../src/metrics/x-metrics';
import { createTweetLookup, createXClient, readXConfig, type XClient } from '../../src/x';
import { fetchTimelinePage } from '../../src/x/timeline';
import { endpointName } from '../../src/x/request-observer';

/** The X series come from a plugin of the real client: requests to the emulator, its real answers and headers. */
let emulator: RunningEmulator;
let client: XClient;
const registry = new Registry();
const metrics = createXMetrics(registry);

beforeAll(async () => {
  emulator = await startEmulator({
    seed: 5,
    minuteSeconds: 0,
    rateLimits: { tweets: { limit: 3, windowSeconds: 60 } },
  });
  emulator.admin.advance(30);
  client = createXClient(readXConfig(emulator.env), metrics);
});

afterAll(async () => {
  client.close();
  await emulator.close();
});

/** The value of one series, by its labels; undefined when the series does not exist. */
async function value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(`retweet_tracker_${name}`)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

test('endpoints are named without their ids or base path', () => {
  expect(endpointName('get', '/2/users/2244994945/tweets')).toBe('GET /2/users/:id/tweets');
  expect(endpointName('GET', '/prefix/2/tweets')).toBe('GET /2/tweets');
  expect(endpointName('POST', '/2/tweets/search/stream/rules')).toBe('POST /2/tweets/search/stream/rules');
});

test('requests by endpoint and status, 429s, the budget left, and billed reads counted once a UTC day', async () => {
  const ids = emulator.admin
    .groundTruth()
    .tweets.slice(0, 3)
    .map((t) => t.id);
  const lookup = createTweetLookup(client);
  await lookup.lookupTweets(ids);
  expect(await value('x_rate_limit_remaining', { endpoint: 'GET /2/tweets' })).toBe(2);
  expect(await value('x_rate_limit_limit', { endpoint: 'GET /2/tweets' })).toBe(3);
  await lookup.lookupTweets(ids.slice(0, 1)); // read again the same day: not billed again
  emulator.admin.failNext(1, 429, 30, 'tweets');
  await expect(lookup.lookupTweets(ids)).rejects.toThrow(/rate limit/);

  expect(await value('x_requests_total', { endpoint: 'GET /2/tweets', status: '2xx' })).toBe(2);
  expect(await value('x_requests_total', { endpoint: 'GET /2/tweets', status: '429' })).toBe(1);
  expect(await value('x_rate_limited_total', { endpoint: 'GET /2/tweets' })).toBe(1);
  expect(await value('x_rate_limit_remaining', { endpoint: 'GET /2/tweets' })).toBe(0);
  expect(await value('x_posts_read_total', { source: 'lookup' })).toBe(4);
  expect(await value('x_billed_post_reads_today')).toBe(3);
  expect(await value('x_estimated_cost_usd_today')).toBe(0.015);

  // A timeline is a billed read too; a stream post (reported by the producer) as well, once a day.
  const author = emulator.admin.groundTruth().tweets[0].authorId;
  const page = await fetchTimelinePage(client, author, { pageSize: 5 });
  expect(page.tweets.length).toBeGreaterThan(0);
  expect(await value('x_requests_total', { endpoint: 'GET /2/users/:id/tweets', status: '2xx' })).toBe(1);
  expect(await value('x_posts_read_total', { source: 'timeline' })).toBe(page.tweets.length);
  metrics.postsRead('stream', [ids[0], 'new-post']);
  expect(await value('x_posts_read_total', { source: 'stream' })).toBe(2);
  const billed = new Set([...ids, ...page.tweets.map((t) => t.id), 'new-post']).size;
  expect(await value('x_billed_post_reads_today')).toBe(billed);
});

test('a request that never got an answer counts as a network failure', async () => {
  const unreachable = createXClient(readXConfig({ ...emulator.env, X_API_BASE_URL: 'https://127.0.0.1:1' }), metrics);
  try {
    await expect(createTweetLookup(unreachable).lookupTweets(['20'])).rejects.toThrow(/Network error/);
  } finally {
    unreachable.close();
  }
  expect(await value('x_requests_total', { endpoint: 'GET /2/tweets', status: 'network' })).toBe(1);
});
