import type { CountsChangelog } from '../../src/kafka/changelog';
import { decodeCountRecord, decodeReportRecord } from '../../src/kafka/changelog-record';
import { deleteTopics, readRecords, testKafka } from '../kafka/helpers';
import { testChangelog, testTopics } from './helpers';

/** The counts changelog publisher against the real broker: keys, partitions, record format, idempotent retries. */
const topics = testTopics();
let changelog: CountsChangelog;

beforeAll(async () => {
  changelog = await testChangelog(topics);
});

afterAll(async () => {
  await changelog?.close();
  await deleteTopics(await testKafka(), [topics.counts, topics.reports]);
});

it('publishes each changed count keyed by tweet id, one partition per tweet, in a format consumers decode', async () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({
    tweetId: String(1820000000000000000n + BigInt(i)),
    count: 10 + i,
    delta: i,
    authorId: '42',
  }));
  await changelog.publishCounts(60_000, rows);
  // A retried tick republishes the same records: consumers see them twice and deduplicate by (tweet, minute).
  await changelog.publishCounts(60_000, rows.slice(0, 10));
  await changelog.publishCounts(120_000, [{ ...rows[0], count: 99, delta: 89 }]);
  const records = await readRecords(await testKafka(), topics.counts, 61);
  expect(records).toHaveLength(61);
  const partitionOf = new Map<string, number>();
  for (const r of records) {
    const decoded = decodeCountRecord(r.value)!;
    expect(r.key).toBe(decoded.tweetId);
    if (partitionOf.has(decoded.tweetId)) expect(r.partition).toBe(partitionOf.get(decoded.tweetId));
    partitionOf.set(decoded.tweetId, r.partition);
  }
  expect(new Set(partitionOf.values()).size).toBeGreaterThan(1);
  const first = records.map((r) => decodeCountRecord(r.value)!).filter((d) => d.tweetId === rows[0].tweetId);
  expect(first).toEqual([
    { tweetId: rows[0].tweetId, minuteMs: 60_000, count: 10, delta: 0, authorId: '42' },
    { tweetId: rows[0].tweetId, minuteMs: 60_000, count: 10, delta: 0, authorId: '42' },
    { tweetId: rows[0].tweetId, minuteMs: 120_000, count: 99, delta: 89, authorId: '42' },
  ]);
});

it('publishes reports with their entries', async () => {
  const entries = [
    { rank: 1, tweetId: '1820000000000000001', retweets: 7, authorId: '42', screenName: 'someone', text: 'hello' },
  ];
  await changelog.publishReport({ atMs: 900_000, entries });
  const [record] = await readRecords(await testKafka(), topics.reports, 1);
  expect(record.key).toBe('900000');
  expect(decodeReportRecord(record.value)).toEqual({ atMs: 900_000, entries });
});

it('decodes nothing from malformed records', () => {
  for (const bad of [
    'not json',
    '{"v":2,"tweetId":"1","minuteMs":0,"count":1,"delta":1}',
    '{"v":1,"tweetId":"01","minuteMs":0,"count":1,"delta":1}',
    '{"v":1,"tweetId":"1","minuteMs":0,"count":-1,"delta":1}',
  ]) {
    expect(decodeCountRecord(Buffer.from(bad))).toBeUndefined();
  }
  expect(decodeCountRecord(null)).toBeUndefined();
});
