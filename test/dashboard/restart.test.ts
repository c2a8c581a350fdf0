import type { CountsChangelog } from '../../src/kafka/changelog';
import type { CountRecord } from '../../src/kafka/changelog-record';
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
  type StatusBody,
} from './helpers';

/**
 * A dashboard SIGKILLed mid-stream and restarted on the same store and consumer group loses and doubles no
 * point: offsets are committed only after the store has the rows, and the store skips a (tweet, minute) it has.
 * A retried tick (the same minute published twice) is part of the stream too.
 */
const TWEETS = 300;
const MINUTES = 60;
const START = Date.UTC(2026, 0, 1, 12, 0);
const topics = testTopics();
const dbFile = tempDbFile();
let changelog: CountsChangelog;
const running: DashboardProcess[] = [];

/** A seeded stream: every tweet changes in its first minutes, then now and then (as real counts do). */
function points(): CountRecord[] {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: CountRecord[] = [];
  for (let t = 0; t < TWEETS; t++) {
    const tweetId = String(1800000000000000000n + BigInt(t));
    const born = Math.floor(random() * 20);
    let count = 0;
    for (let m = born; m < MINUTES; m++) {
      if (m - born > 5 && random() > 0.3) continue;
      const delta = 1 + Math.floor(random() * 20);
      count += delta;
      out.push({ tweetId, minuteMs: START + m * 60_000, count, delta, authorId: String(1000 + (t % 8)) });
    }
  }
  return out;
}

const fed = points();
const minuteOf = (m: number) => fed.filter((p) => p.minuteMs === START + m * 60_000);
const status = (d: DashboardProcess) => getJson<StatusBody>(`${d.url}/api/status`);
const start = async () => {
  const d = await startDashboardProcess({ topics, dbFile, instanceId: 'restart' });
  running.push(d);
  return d;
};

beforeAll(async () => {
  changelog = await testChangelog(topics);
}, 60_000);

afterAll(async () => {
  for (const d of running) await d.process.stop();
  await changelog?.close();
  await deleteTopics(await testKafka(), [topics.counts, topics.reports]);
});

it('loses and doubles no point across a SIGKILL mid-stream', async () => {
  expect(fed.length).toBeGreaterThan(5000);
  // The first half is waiting in Kafka when the dashboard starts: it is consuming a backlog when it dies.
  const half = MINUTES / 2;
  await publishPoints(
    changelog,
    fed.filter((p) => p.minuteMs < START + half * 60_000),
  );
  const first = await start();
  const before = await eventually(
    'the first points in the store',
    async () => ((await status(first)).store.points > 0 ? status(first) : undefined),
    60_000,
  );
  // Live ticks keep arriving while it is killed.
  for (let m = half; m < half + 10; m++) await changelog.publishCounts(START + m * 60_000, minuteOf(m));
  first.process.child.kill('SIGKILL');
  expect(await first.process.exited).toBe('SIGKILL');

  // The rest of the stream, with one tick retried (published twice), while the dashboard is down and after.
  for (let m = half + 10; m < half + 20; m++) await changelog.publishCounts(START + m * 60_000, minuteOf(m));
  await changelog.publishCounts(START + (half + 5) * 60_000, minuteOf(half + 5));
  const second = await start();
  for (let m = half + 20; m < MINUTES; m++) await changelog.publishCounts(START + m * 60_000, minuteOf(m));

  const after = await waitForPoints(second.url, fed.length, 0, 90_000);
  // Give a doubled point a moment to show up before counting.
  await new Promise((r) => setTimeout(r, 1500));
  const final = await status(second);
  expect(final.store.points).toBe(fed.length);
  expect(after.store.points).toBe(fed.length);
  // The restarted dashboard did see records it already had (at least the retried tick) and skipped them.
  expect(final.ingest.records).toBeGreaterThan(final.ingest.inserted);
  console.log(
    `killed with ${before.store.points} of ${fed.length} points stored; after restart: ${final.ingest.records} records read, ${final.ingest.inserted} new`,
  );

  const csv = await (
    await fetch(`${second.url}/api/export?format=csv&from=${START}&to=${START + MINUTES * 60_000}`)
  ).text();
  const stored = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  const key = (id: string, minuteMs: number | string, count: number | string) => `${id}@${minuteMs}=${count}`;
  const storedKeys = stored.map(([id, , minuteMs, count]) => key(id, minuteMs, count)).sort();
  expect(new Set(storedKeys).size).toBe(storedKeys.length);
  expect(storedKeys).toEqual(fed.map((p) => key(p.tweetId, p.minuteMs, p.count)).sort());
});
