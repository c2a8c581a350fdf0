import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CountsChangelog } from '../../src/kafka/changelog';
import type { CountRecord } from '../../src/kafka/changelog-record';
import type { AlertPayload } from '../../src/dashboard/webhook';
import { deleteTopics, eventually, testKafka } from '../kafka/helpers';
import {
  getJson,
  publishPoints,
  startDashboardProcess,
  tempDbFile,
  testChangelog,
  testTopics,
  waitForPoints,
  type DashboardProcess,
} from './helpers';

/**
 * Viral-tweet alerts on a real webhook (an HTTP server on loopback): each rule fires exactly once per tweet,
 * through a failed delivery (retried), a retried tick, further growth, and a restart of the dashboard.
 */
const RULES = [
  { name: 'big', passes: 100 },
  { name: 'fast', gain: 30, withinMinutes: 5 },
];
const START = Date.UTC(2026, 0, 2, 9, 0);
const A = '1810000000000000001';
const B = '1810000000000000002';
const C = '1810000000000000003';
const D = '1810000000000000004';
const topics = testTopics();
const dbFile = tempDbFile();
let changelog: CountsChangelog;
let webhook: Server;
let webhookUrl: string;
const received: Array<{ status: number; body: AlertPayload; key: string | undefined }> = [];
const running: DashboardProcess[] = [];

/** Points of one tweet from a list of counts, one per minute from `fromMinute`. */
function grow(tweetId: string, fromMinute: number, counts: number[], previous = 0): CountRecord[] {
  return counts.map((count, i) => {
    const delta = count - (i === 0 ? previous : counts[i - 1]);
    return { tweetId, minuteMs: START + (fromMinute + i) * 60_000, count, delta, authorId: '2000' };
  });
}

// Minutes 0-6. A: +40 in minute 1 (fast), 120 at minute 3 (big). B: found at 200 (big), +5 a minute (never fast).
// C: +10 a minute, 30 gained by minute 3 (fast), never 100. D: +5 a minute: neither.
const firstWave = [
  ...grow(A, 0, [10, 50, 90, 120, 121, 122, 123]),
  ...grow(B, 0, [200, 205, 210, 215, 220, 225, 230]),
  ...grow(C, 0, [1, 11, 21, 31, 41, 51, 61]),
  ...grow(D, 0, [5, 10, 15, 20, 25, 30, 35]),
];
// Minutes 7-9: A and C grow fast again, C passes 100: only C's `big` is new.
const secondWave = [...grow(A, 7, [200, 300, 400], 123), ...grow(C, 7, [80, 101, 102], 61)];
// Minutes 10-11, after a restart: A would fire both rules again; B keeps its pace. Nothing new fires.
const thirdWave = [...grow(A, 10, [500, 600], 400), ...grow(B, 10, [235, 240], 230)];

const deliveredIds = () =>
  received
    .filter((r) => r.status === 200)
    .map((r) => r.body.alertId)
    .sort();
const start = async () => {
  const d = await startDashboardProcess({
    topics,
    dbFile,
    instanceId: 'alerts',
    extra: { ALERT_RULES: JSON.stringify(RULES), ALERT_WEBHOOK_URL: webhookUrl },
  });
  running.push(d);
  return d;
};

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      // The first delivery fails: the notifier has to retry it.
      const status = received.length === 0 ? 503 : 200;
      received.push({
        status,
        body: JSON.parse(body) as AlertPayload,
        key: req.headers['idempotency-key'] as string | undefined,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/viral`;
  changelog = await testChangelog(topics);
}, 60_000);

afterAll(async () => {
  for (const d of running) await d.process.stop();
  await changelog?.close();
  await new Promise((resolve) => webhook?.close(resolve));
  await deleteTopics(await testKafka(), [topics.counts, topics.reports]);
});

it('fires each rule once per tweet, across a failed delivery, a retried tick, more growth and a restart', async () => {
  const first = await start();
  await publishPoints(changelog, firstWave);
  const expectedFirst = [`big:${A}`, `big:${B}`, `fast:${A}`, `fast:${C}`];
  await eventually('four alerts delivered', () => (deliveredIds().length >= 4 ? true : undefined), 30_000);
  expect(deliveredIds()).toEqual(expectedFirst);
  expect(received[0].status).toBe(503);
  const fastA = received.find((r) => r.status === 200 && r.body.alertId === `fast:${A}`)!;
  expect(fastA.key).toBe(`fast:${A}`);
  expect(fastA.body).toMatchObject({
    rule: 'fast',
    tweetId: A,
    count: 50,
    minuteMs: START + 60_000,
    condition: 'fast: +30 retweets within 5 min',
  });
  expect(received.find((r) => r.status === 200 && r.body.alertId === `big:${A}`)!.body).toMatchObject({
    count: 120,
    minuteMs: START + 3 * 60_000,
  });

  // A retried tick and the next ticks: only C's first pass of 100 is new.
  await changelog.publishCounts(
    START + 3 * 60_000,
    firstWave.filter((p) => p.minuteMs === START + 3 * 60_000),
  );
  await publishPoints(changelog, secondWave);
  await eventually('C passing 100 delivered', () => (deliveredIds().includes(`big:${C}`) ? true : undefined), 30_000);

  // A restart on the same store: the new ticks fire nothing, and nothing owed is sent again.
  await first.process.stop();
  const second = await start();
  await publishPoints(changelog, thirdWave);
  await waitForPoints(second.url, firstWave.length + secondWave.length + thirdWave.length);
  await new Promise((r) => setTimeout(r, 3000));
  expect(deliveredIds()).toEqual([...expectedFirst, `big:${C}`].sort());
  expect(received).toHaveLength(6);

  const { alerts } = await getJson<{
    alerts: Array<{ rule: string; tweetId: string; deliveredAtMs: number | null; attempts: number }>;
  }>(`${second.url}/api/alerts`);
  expect(alerts).toHaveLength(5);
  expect(alerts.every((a) => a.deliveredAtMs !== null)).toBe(true);
  expect(alerts.reduce((sum, a) => sum + a.attempts, 0)).toBe(6);
});
