import { readdir, readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  RATE_LIMITED,
  X_REFUSED,
  type EnrichInput,
  type EnrichResult,
  type RefreshInput,
  type RefreshInputOf020,
  type RefreshResult,
} from '../../src/activities';
import { toActivityFailure } from '../../src/activities/failures';
import { decodeCounts, encodeCounts } from '../../src/domain/compact-counts';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { XApiError, XRateLimitError } from '../../src/x/errors';
import { FakeX, makeTweets } from './support/fake-x';
import { outputDirFor } from '../../src/shared/output-dirs';
import { testActivities } from './support/env';
import { createActivities } from '../../src/activities';
import type { CountsChangelog } from '../../src/kafka/changelog';
import type { CountChange } from '../../src/kafka/changelog-record';

const followed = DEFAULT_FOLLOWED_USER_IDS;

describe('tracking activities', () => {
  it('refreshAndSnapshot looks up the planned tweets, writes the sorted file and its sidecar, returns only changes', async () => {
    const tweets = makeTweets(250, followed);
    const x = new FakeX(tweets);
    x.gone.add(tweets[3].id);
    const test = await testActivities(x);
    const { activities } = test;
    // Last known counts: tweet 0 is up to date, tweet 1 is stale; the last 10 are not planned (they keep 77).
    const last = tweets.map((t, i): [string, number] => [t.id, i === 0 ? t.base : i >= 240 ? 77 : 0]);
    const input: RefreshInput = {
      tickMs: 1_700_000_040_000,
      counts: encodeCounts(last),
      lookupCount: 240,
      previous: '',
      maxRequests: 10,
      deadlineMs: Date.now() + 60_000,
      printLines: 10,
      plan: { budgetRequests: 10, overdue: 0, staleMinutes: { p50: 1, p90: 1, max: 1 } },
    };
    const env = new MockActivityEnvironment();
    // The activity writes under its workflow's own folder.
    const snapshotDir = outputDirFor(test.snapshotDir, env.context.info.workflowExecution!.workflowId);
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));

    const result = await env.run<[RefreshInput], RefreshResult, typeof activities.refreshAndSnapshot>(
      activities.refreshAndSnapshot,
      input,
    );

    // Looked up in batches of 100, only the planned ids; heartbeats after every batch.
    expect(x.calls.map((c) => c.ids.length).sort((a, b) => b - a)).toEqual([100, 100, 40]);
    expect(x.calls.flatMap((c) => c.ids)).not.toContain(tweets[245].id);
    expect(heartbeats).toHaveLength(3);
    expect(result).toMatchObject({ gone: [tweets[3].id], invalid: [], notLookedUp: '', requests: 3, refused: 0 });
    const changed = new Map(decodeCounts(result.changed));
    expect(changed.has(tweets[0].id)).toBe(false);
    expect(changed.get(tweets[1].id)).toBe(tweets[1].base);

    const lines = (await readFile(`${snapshotDir}/counts-1700000040000.txt`, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(250);
    expect(lines).toContain(`(${tweets[245].id}, 77)`); // not planned: last count kept
    expect(lines).toContain(`(${tweets[3].id}, 0)`); // gone now: last count kept
    const parsed = lines.map((l) => /^\((\d+), (\d+)\)$/.exec(l)!).map((m) => [m[1], Number(m[2])] as const);
    for (let i = 1; i < parsed.length; i++) {
      const [prevId, prev] = parsed[i - 1];
      const [id, count] = parsed[i];
      expect(
        prev > count || (prev === count && (prevId.length < id.length || (prevId.length === id.length && prevId < id))),
      ).toBe(true);
    }
    const meta: unknown = JSON.parse(await readFile(`${snapshotDir}/counts-1700000040000.meta.json`, 'utf8'));
    expect(meta).toMatchObject({
      tweets: 250,
      planned: 240,
      lookedUp: 240,
      requests: 3,
      refused: 0,
      budgetRequests: 10,
    });
    expect(result.printed).toContain('Time: 2023-11-14 22:14:00');
    // Atomic: no temp file left behind; a retry rewrites the same names.
    await env.run(activities.refreshAndSnapshot, input);
    expect((await readdir(snapshotDir)).sort()).toEqual(['counts-1700000040000.meta.json', 'counts-1700000040000.txt']);
    // The same input as a 0.2.0 workflow schedules it (the tick named `minuteMs`) writes the same file.
    const { tickMs, ...rest } = input;
    const of020: RefreshInputOf020 = { ...rest, minuteMs: tickMs };
    expect(await env.run(activities.refreshAndSnapshot, of020 as unknown as RefreshInput)).toMatchObject({
      requests: 3,
    });
    expect((await readdir(snapshotDir)).sort()).toEqual(['counts-1700000040000.meta.json', 'counts-1700000040000.txt']);
  });

  it('a changelog Kafka does not take (an outage) never costs the file or the tick; its rows outlive the worker', async () => {
    const tweets = makeTweets(5, followed);
    const x = new FakeX(tweets);
    const test = await testActivities(x);
    const published: number[] = [];
    // Kafka down: the changelog's sends never settle (the real one retries until the broker is back).
    const stuck: CountsChangelog = {
      publishCounts: (tickMs) => {
        published.push(tickMs);
        return new Promise(() => undefined);
      },
      publishReport: () => new Promise(() => undefined),
      close: () => Promise.resolve(),
    };
    const deps = { x, snapshotDir: test.snapshotDir, reportDir: test.reportDir, clock: Date, log: test.log };
    const activities = createActivities({ ...deps, changelog: stuck });
    const startedAt = Date.now();
    const input: RefreshInput = {
      tickMs: 1_700_000_040_000,
      counts: encodeCounts(tweets.map((t): [string, number] => [t.id, 0])),
      lookupCount: 5,
      previous: '',
      maxRequests: 1,
      deadlineMs: startedAt + 1_500,
      printLines: 10,
      plan: { budgetRequests: 1, overdue: 0, staleMinutes: { p50: 0, p90: 0, max: 0 } },
    };
    const env = new MockActivityEnvironment();
    const result = await env.run<[RefreshInput], RefreshResult, typeof activities.refreshAndSnapshot>(
      activities.refreshAndSnapshot,
      input,
    );
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(published).toEqual([input.tickMs]);
    expect(result.requests).toBe(1);
    const dir = outputDirFor(test.snapshotDir, env.context.info.workflowExecution!.workflowId);
    expect((await readFile(`${dir}/counts-1700000040000.txt`, 'utf8')).trimEnd().split('\n')).toHaveLength(5);

    // The rows Kafka has not confirmed go back to the workflow, which hands them to the next tick.
    expect(result.unpublished?.map((u) => u.tickMs)).toEqual([input.tickMs]);
    const next: RefreshInput = {
      ...input,
      tickMs: input.tickMs + 60_000,
      deadlineMs: Date.now() + 1_000,
      unpublished: result.unpublished,
    };
    const refresh = (with_: typeof activities, refreshInput: RefreshInput) =>
      env.run<[RefreshInput], RefreshResult, typeof with_.refreshAndSnapshot>(with_.refreshAndSnapshot, refreshInput);
    const second = await refresh(activities, next);
    // Kafka still down: the same worker does not queue the earlier tick twice; both ticks are still unconfirmed.
    expect(published).toEqual([input.tickMs, next.tickMs]);
    expect(second.unpublished?.map((u) => u.tickMs)).toEqual([input.tickMs, next.tickMs]);

    // The worker dies with its send queue; a new worker, Kafka back: its first tick publishes the two earlier ticks'
    // rows under their own minutes, then its own, and nothing is left unconfirmed.
    const records: Array<CountChange & { minuteMs: number }> = [];
    const working: CountsChangelog = {
      publishCounts: (minuteMs, rows) => Promise.resolve(void records.push(...rows.map((r) => ({ ...r, minuteMs })))),
      publishReport: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const restarted = createActivities({ ...deps, changelog: working });
    const third = await refresh(restarted, {
      ...next,
      tickMs: next.tickMs + 60_000,
      deadlineMs: Date.now() + 1_000,
      unpublished: second.unpublished,
    });
    expect(third.unpublished).toBeUndefined();
    expect([...new Set(records.map((r) => r.minuteMs))]).toEqual([input.tickMs, next.tickMs, next.tickMs + 60_000]);
    // Exactly the rows the first tick computed: every tweet whose count moved from 0 (one has none: base 0).
    const expected = tweets
      .filter((t) => t.base !== 0)
      .map((t) => ({ tweetId: t.id, count: t.base, delta: t.base, authorId: t.authorId }));
    expect(expected).toHaveLength(tweets.length - 1);
    expect(records.filter((r) => r.minuteMs === input.tickMs).map(({ minuteMs: _, ...row }) => row)).toEqual(expected);
  });

  it('enrichTopTweets skips a tweet X no longer has, so the next one takes its place', async () => {
    const tweets = makeTweets(8, followed);
    const x = new FakeX(tweets);
    x.gone.add(tweets[1].id);
    const test = await testActivities(x);
    const { activities } = test;
    const candidates = encodeCounts(tweets.map((t, i): [string, number] => [t.id, 100 - i]));
    const input = { atMs: 1_700_000_100_000, candidates, topSize: 5 };
    const env = new MockActivityEnvironment();
    const result = await env.run<[EnrichInput], EnrichResult, typeof activities.enrichTopTweets>(
      activities.enrichTopTweets,
      input,
    );
    const reportDir = outputDirFor(test.reportDir, env.context.info.workflowExecution!.workflowId);

    expect(result.entries.map((e) => e.tweetId)).toEqual([0, 2, 3, 4, 5].map((i) => tweets[i].id));
    expect(result.entries.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(result.gone).toEqual([tweets[1].id]);
    const text = await readFile(`${reportDir}/top5-1700000100000.txt`, 'utf8');
    expect(text.startsWith(`@${tweets[0].authorUsername} tweeted in #${tweets[0].id}:\n${tweets[0].text}\n`)).toBe(
      true,
    );
    expect(JSON.parse(await readFile(`${reportDir}/top5-1700000100000.json`, 'utf8'))).toMatchObject({
      atMs: 1_700_000_100_000,
      top: result.entries,
    });
    expect(result.printed).toContain(`@${tweets[2].authorUsername} tweeted in #${tweets[2].id}:`);
  });

  it('maps an X rate limit to a retry at the reset time and refusals to non-retryable failures', () => {
    const now = 1_700_000_000_000;
    const limited = toActivityFailure(new XRateLimitError('GET /2/tweets', now + 90_000), now) as ApplicationFailure;
    expect(limited).toBeInstanceOf(ApplicationFailure);
    expect(limited).toMatchObject({ type: RATE_LIMITED, nextRetryDelay: 90_000, nonRetryable: false });

    const refused = toActivityFailure(
      new XApiError('X rejected the bearer token', 401, false),
      now,
    ) as ApplicationFailure;
    expect(refused).toMatchObject({ type: X_REFUSED, nonRetryable: true });

    const transient = new XApiError('X failed (HTTP 503)', 503, true);
    expect(toActivityFailure(transient, now)).toBe(transient);
  });

  it('keeps the refresh input for 20,000 tweets well under the 2 MB payload limit', () => {
    const counts = encodeCounts(makeTweets(20_000, followed).map((t): [string, number] => [t.id, 1_000_000 + t.base]));
    expect(counts.length).toBeLessThan(600 * 1024);
    expect(decodeCounts(counts)).toHaveLength(20_000);
  });
});
