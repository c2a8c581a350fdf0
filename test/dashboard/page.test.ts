import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { CountsChangelog } from '../../src/kafka/changelog';
import { deleteTopics, testKafka } from '../kafka/helpers';
import {
  launchBrowser,
  publishPoints,
  startDashboardProcess,
  tempDbFile,
  testChangelog,
  testTopics,
  waitForPoints,
  type DashboardProcess,
} from './helpers';
import { scenarioChangelog } from './scenario-changelog';
import { TEST_NAMESPACE } from '../support/namespace';

/**
 * The dashboard page in a real headless Chromium, fed through real Kafka with the records the pipeline's ticks
 * publish for the e2e scenario (built from the scenario file by scenario-changelog.ts; the lead's e2e test drives
 * the real pipeline). Asserts what a person sees: leaderboard, growth charts, the top-5 report, live updates.
 */
const ARTIFACTS = join(__dirname, '../../test-artifacts');
const topics = testTopics();
const scenario = scenarioChangelog();
let changelog: CountsChangelog;
let dashboard: DashboardProcess;
let browser: BrowserContext;
let page: Page;
/** Shown on the page; alerts.test.ts proves the webhook side. */
const RULES = [
  { name: 'viral', passes: 600 },
  { name: 'rising', gain: 20, withinMinutes: 10 },
];

const pointsOf = (id: string) => scenario.points.filter((p) => p.tweetId === id);
const expectedBoard = [...scenario.finalCounts].sort((a, b) => b[1] - a[1] || (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));

beforeAll(async () => {
  changelog = await testChangelog(topics);
  await publishPoints(changelog, scenario.points);
  await changelog.publishReport(scenario.report);
  dashboard = await startDashboardProcess({
    topics,
    dbFile: tempDbFile(),
    instanceId: 'page',
    extra: { ALERT_RULES: JSON.stringify(RULES) },
  });
  await waitForPoints(dashboard.url, scenario.points.length, 1);
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(dashboard.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.process.stop();
  await changelog?.close();
  await deleteTopics(await testKafka(), [topics.counts, topics.reports]);
});

/** The leaderboard as shown: tweet id, count cell and the whole row's text. */
async function boardRows(): Promise<Array<{ id: string | null; count: string | null; text: string | null }>> {
  const rows = await page.locator('#leaderboard tbody tr').all();
  return Promise.all(
    rows.map(async (tr) => ({
      id: await tr.getAttribute('data-tweet-id'),
      count: await tr.locator('.count').textContent(),
      text: await tr.textContent(),
    })),
  );
}

/** Waits until a page expression (JavaScript source, evaluated in the page) is true. */
const waitUntil = (expression: string, timeout = 20_000) => page.waitForFunction(expression, undefined, { timeout });

it('shows every tracked tweet ranked by its current count, with screen names from the report', async () => {
  await waitUntil(`document.querySelectorAll('#leaderboard tbody tr').length === ${expectedBoard.length}`);
  const rows = await boardRows();
  expect(rows.map((r) => [r.id, r.count])).toEqual(
    expectedBoard.map(([id, count]) => [id, count.toLocaleString('en-US')]),
  );
  // Known by hand from the scenario: 630 at minute 0 plus 11 retweets over the 17 minutes.
  expect(rows[0]).toMatchObject({ id: '1790000000000000001', count: '641' });
  expect(rows[0].text).toContain('@lenta_ru');
  expect(rows[0].text).toContain('Record kiwi harvest in Sochi');
});

it('shows the retweets each tweet gained in the last minute and the last 15, not the count it was found with', async () => {
  const latest = Math.max(...scenario.points.map((p) => p.minuteMs));
  const firstSeen = new Map<string, number>();
  for (const p of [...scenario.points].sort((a, b) => a.minuteMs - b.minuteMs))
    if (!firstSeen.has(p.tweetId)) firstSeen.set(p.tweetId, p.minuteMs);
  const gained = (id: string, minutes: number): number =>
    pointsOf(id)
      .filter((p) => p.minuteMs > latest - minutes * 60_000 && p.minuteMs !== firstSeen.get(id))
      .reduce((sum, p) => sum + p.delta, 0);
  const shown = (n: number): string =>
    n > 0 ? `+${n.toLocaleString('en-US')}` : n < 0 ? n.toLocaleString('en-US') : '0';
  const rows = await page.locator('#leaderboard tbody tr').all();
  const cells = await Promise.all(
    rows.map(async (tr) => [
      await tr.getAttribute('data-tweet-id'),
      await tr.locator('.last-minute').textContent(),
      await tr.locator('.last-15').textContent(),
    ]),
  );
  expect(cells).toEqual(expectedBoard.map(([id]) => [id, shown(gained(id, 1)), shown(gained(id, 15))]));
  // #1 was found with 630 retweets at minute 0 and gained 11 in the 17 minutes since: never "+630".
  const leader = cells.find(([id]) => id === '1790000000000000001')!;
  expect(gained('1790000000000000001', 15)).toBeLessThanOrEqual(11);
  expect(leader[2]).toBe(shown(gained('1790000000000000001', 15)));
});

it('plots the top tweets and the selected tweet with one point per minute its count changed', async () => {
  const top5 = expectedBoard.slice(0, 5).map(([id]) => id);
  const topMinutes = new Set(scenario.points.filter((p) => top5.includes(p.tweetId)).map((p) => p.minuteMs));
  await page.waitForSelector('#chart-top canvas');
  expect(await page.getAttribute('#chart-top', 'data-series')).toBe('5');
  expect(await page.getAttribute('#chart-top', 'data-points')).toBe(String(topMinutes.size));
  // The leader is selected at first; clicking another row plots that one.
  expect(await page.getAttribute('#chart-tweet', 'data-points')).toBe(String(pointsOf('1790000000000000001').length));
  await page.click('#leaderboard tbody tr[data-tweet-id="1790000000000000008"]');
  await waitUntil(
    `document.querySelector('#chart-tweet').dataset.points === '${pointsOf('1790000000000000008').length}'`,
  );
  expect(pointsOf('1790000000000000008')).toHaveLength(14);
  expect(await page.textContent('#selected-label')).toContain('1790000000000000008');
  expect(await page.$('#chart-tweet canvas')).not.toBeNull();
});

it('shows the top-5 report with ranks, screen names and texts', async () => {
  await page.waitForSelector('#latest-report table');
  const entries = await Promise.all(
    (await page.locator('#latest-report tbody tr').all()).map(async (tr) => ({
      id: await tr.getAttribute('data-tweet-id'),
      text: await tr.textContent(),
    })),
  );
  expect(entries.map((e) => e.id)).toEqual(scenario.report.entries.map((e) => e.tweetId));
  expect(entries[0].text).toContain('@lenta_ru');
  // The deleted tweet (#6, 70 retweets) is on the leaderboard but not in the report, as the worker decided.
  expect(entries.map((e) => e.id)).not.toContain('1790000000000000006');
});

it('shows tracking status with a link to the workflow in the Temporal Web UI', async () => {
  await page.waitForSelector('#status dd[data-field="dead letters"]');
  expect(await page.getAttribute('#workflow-link', 'href')).toMatch(
    new RegExp(`/namespaces/${TEST_NAMESPACE}/workflows/dashboard-test-page$`),
  );
  // No workflow runs under this id: the page says so instead of failing.
  await waitUntil(`document.querySelector('#status').textContent.includes('not found')`);
});

it('lists the alert rules and the alerts they fired', async () => {
  await page.waitForSelector('#alerts li');
  const items = await page.locator('#alerts li').all();
  const fired = (
    await Promise.all(
      items.map(async (li) => `${await li.getAttribute('data-rule')}:${await li.getAttribute('data-tweet-id')}`),
    )
  ).sort();
  // #1 starts at 630; #8 gains 2 a minute from minute 5 (20 by minute 14); #2 gains 25 at minute 9. #7 (+1 a
  // minute) and #1 (+11 in 17 minutes) never gain 20 in 10 minutes.
  expect(fired).toEqual(['rising:1790000000000000002', 'rising:1790000000000000008', 'viral:1790000000000000001']);
  expect(await page.textContent('#rules')).toContain('+20 retweets within 10 min');
});

it('updates live when the next tick is published, without a reload', async () => {
  await page.evaluate('window.marker = 42');
  await changelog.publishCounts(scenario.minuteMs(18), [
    { tweetId: '1790000000000000001', count: 741, delta: 100, authorId: '285532415' },
  ]);
  await waitUntil(`document.querySelector('#leaderboard tbody tr .count').textContent === '741'`);
  const first = (await boardRows())[0];
  expect(first.text).toContain('+100');
  // The same tick fires #1's gain alert, shown as it happens.
  await page.waitForSelector('#alerts li[data-rule="rising"][data-tweet-id="1790000000000000001"]');
  expect(await page.evaluate('window.marker')).toBe(42);

  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  expect(statSync(shot).size).toBeGreaterThan(20_000);
});
