import type { CountsChangelog } from '../../src/kafka/changelog';
import { committedOffsets, deleteTopics, endOffsets, eventually, testKafka } from '../kafka/helpers';
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
import { scenarioChangelog } from './scenario-changelog';

/**
 * Two dashboard instances side by side: each has its own consumer group and DuckDB file, so each materialises the
 * whole changelog (the read side scales out by adding instances) and commits its own offsets.
 */
const topics = testTopics();
const scenario = scenarioChangelog();
let changelog: CountsChangelog;
const dashboards: DashboardProcess[] = [];

beforeAll(async () => {
  changelog = await testChangelog(topics);
  dashboards.push(await startDashboardProcess({ topics, dbFile: tempDbFile(), instanceId: 'side-a' }));
  dashboards.push(await startDashboardProcess({ topics, dbFile: tempDbFile(), instanceId: 'side-b' }));
}, 120_000);

afterAll(async () => {
  for (const d of dashboards) await d.process.stop();
  await changelog?.close();
  await deleteTopics(await testKafka(), [topics.counts, topics.reports]);
});

it('serves the same leaderboard from two instances, each with every point and its own committed offsets', async () => {
  await publishPoints(changelog, scenario.points);
  for (const d of dashboards) await waitForPoints(d.url, scenario.points.length);
  const [a, b] = await Promise.all(
    dashboards.map((d) =>
      getJson<{ rows: Array<{ tweetId: string; count: number }> }>(`${d.url}/api/leaderboard?limit=50`),
    ),
  );
  expect(a.rows.map((r) => [r.tweetId, r.count])).toEqual(
    [...scenario.finalCounts].sort((x, y) => y[1] - x[1] || (BigInt(x[0]) < BigInt(y[0]) ? -1 : 1)),
  );
  expect(b.rows).toEqual(a.rows);

  const kafka = await testKafka();
  const ends = await endOffsets(kafka, topics.counts);
  for (const group of ['retweet-tracker-dashboard-side-a', 'retweet-tracker-dashboard-side-b']) {
    await eventually(`${group} to commit every offset`, async () => {
      const committed = await committedOffsets(kafka, group, topics.counts);
      return Object.entries(ends).every(([p, end]) => committed[Number(p)] === end || end === 0) ? true : undefined;
    });
  }
});
