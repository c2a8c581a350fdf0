import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import { createXClient, makeXConfig, type XClient } from '../../src/x';
import { call } from './https-client';

const ALICE = '285532415';
const BOB = '147964447';
const id = (n: number): string => String(1_790_000_000_000_000_000n + BigInt(n));

/** Alice posts 3 tweets a minute for 8 minutes; in minute 4 she retweets one of Bob's; one of hers is deleted. */
const scenario: Scenario = {
  startTime: '2024-05-01T10:00:00.000Z',
  users: [
    { id: ALICE, username: 'alice', name: 'Alice' },
    { id: BOB, username: 'bob', name: 'Bob' },
  ],
  minutes: [
    ...Array.from({ length: 8 }, (_, m) => ({
      minute: m,
      tweets: [0, 1, 2].map((k) => ({ id: id(m * 10 + k), authorId: ALICE, text: `alice ${m}.${k}` })),
    })),
    { minute: 3, tweets: [{ id: id(35), authorId: BOB, text: 'bob says' }] },
    { minute: 4, tweets: [{ id: id(45), authorId: ALICE, text: '', retweetOf: id(35) }] },
    { minute: 5, deletes: [id(1)] },
  ],
};

/** Jest's asymmetric matchers, typed so lint sees no `any`. */
const anyString = (): unknown => expect.any(String);
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
const containing = (fields: Record<string, unknown>): unknown => expect.objectContaining(fields);

let emulator: RunningEmulator;
let client: XClient;
const get = (path: string) => call(emulator.url, emulator.caFile, path, { token: emulator.bearerToken });
type Page = {
  data?: { id: string; text: string; author_id?: string; referenced_tweets?: unknown; public_metrics?: unknown }[];
  includes?: { users?: { id: string; username: string }[]; tweets?: { id: string; author_id?: string }[] };
  meta: Record<string, unknown>;
};

beforeAll(async () => {
  emulator = await startEmulator({ scenario, minuteSeconds: 0 });
  emulator.admin.advance(8);
  client = createXClient(
    makeXConfig({ bearerToken: emulator.bearerToken, baseUrl: emulator.url, caFile: emulator.caFile }),
  );
});
afterAll(async () => {
  client.close();
  await emulator.close();
});

/** Alice's live posts, newest first, as ground truth says. */
function aliceTimeline(): string[] {
  return emulator.admin
    .posted()
    .filter((p) => p.authorId === ALICE && p.id !== id(1))
    .map((p) => p.id)
    .sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
}

test("pages newest first with X's meta, fields and expansions, including the retweet she made", async () => {
  const fields =
    'tweet.fields=created_at,author_id,referenced_tweets,public_metrics&expansions=author_id,referenced_tweets.id.author_id&user.fields=username';
  const first = await get(`/2/users/${ALICE}/tweets?max_results=5&${fields}`);
  expect(first.status).toBe(200);
  expect(first.headers['x-rate-limit-limit']).toBe('1500');
  const page = first.body as Page;
  const expected = aliceTimeline();
  expect(expected).toHaveLength(24);
  expect(page.data?.map((t) => t.id)).toEqual(expected.slice(0, 5));
  expect(page.meta).toEqual({
    result_count: 5,
    newest_id: expected[0],
    oldest_id: expected[4],
    next_token: matching(/^[0-9a-z]+$/),
  });
  expect(page.data?.[0]).toEqual({
    id: expected[0],
    text: 'alice 7.2',
    edit_history_tweet_ids: [expected[0]],
    author_id: ALICE,
    created_at: matching(/^2024-05-01T10:07:01\.\d{3}Z$/),
    public_metrics: {
      retweet_count: 0,
      reply_count: 0,
      like_count: 0,
      quote_count: 0,
      bookmark_count: 0,
      impression_count: 0,
    },
  });

  // Walk every page with next_token: all 24 live posts once, the deleted one absent, the retweet present.
  const seen: string[] = [];
  let token: string | undefined;
  let retweet: Page['data'] extends (infer T)[] | undefined ? T : never;
  let includes: Page['includes'];
  do {
    const res = (
      await get(`/2/users/${ALICE}/tweets?max_results=7&${fields}${token ? `&pagination_token=${token}` : ''}`)
    ).body as Page;
    seen.push(...(res.data ?? []).map((t) => t.id));
    const rt = res.data?.find((t) => t.id === id(45));
    if (rt) [retweet, includes] = [rt, res.includes];
    token = res.meta.next_token as string | undefined;
    if (token) expect(res.meta.previous_token === undefined || typeof res.meta.previous_token === 'string').toBe(true);
  } while (token);
  expect(seen).toEqual(expected);
  expect(retweet!).toMatchObject({
    id: id(45),
    text: 'RT @bob: bob says',
    author_id: ALICE,
    referenced_tweets: [{ type: 'retweeted', id: id(35) }],
  });
  expect(includes?.tweets).toEqual([containing({ id: id(35), author_id: BOB, text: 'bob says' })]);
  expect(includes?.users).toEqual(
    expect.arrayContaining([
      { id: ALICE, name: 'Alice', username: 'alice' },
      { id: BOB, name: 'Bob', username: 'bob' },
    ]),
  );
});

test("since_id returns only newer posts; nothing newer is X's empty answer", async () => {
  const expected = aliceTimeline();
  const newer = (await get(`/2/users/${ALICE}/tweets?since_id=${expected[3]}`)).body as Page;
  expect(newer.data?.map((t) => t.id)).toEqual(expected.slice(0, 3));
  expect(newer.meta).toEqual({ result_count: 3, newest_id: expected[0], oldest_id: expected[2] });
  expect((await get(`/2/users/${ALICE}/tweets?since_id=${expected[0]}`)).body).toEqual({ meta: { result_count: 0 } });
  // Default page size is 10; exclude=retweets drops the retweet.
  expect(((await get(`/2/users/${ALICE}/tweets`)).body as Page).data).toHaveLength(10);
  const noRetweets = (await get(`/2/users/${ALICE}/tweets?max_results=100&exclude=retweets`)).body as Page;
  expect(noRetweets.data?.map((t) => t.id)).toEqual(expected.filter((x) => x !== id(45)));
});

test("bad parameters get X's 400; an unknown user gets X's Not Found error", async () => {
  for (const [query, parameter] of [
    ['max_results=4', 'max_results'],
    ['max_results=101', 'max_results'],
    ['since_id=abc', 'since_id'],
    ['pagination_token=%21%21', 'pagination_token'],
  ]) {
    const res = await get(`/2/users/${ALICE}/tweets?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      title: 'Invalid Request',
      errors: [{ parameters: { [parameter]: [anyString()] } }],
    });
  }
  expect((await get('/2/users/alice/tweets')).status).toBe(400);
  expect((await get('/2/users/42/tweets')).body).toEqual({
    errors: [
      {
        value: '42',
        detail: 'Could not find user with id: [42].',
        title: 'Not Found Error',
        resource_type: 'user',
        parameter: 'id',
        resource_id: '42',
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      },
    ],
  });
});

test("twitter-api-v2's userTimeline paginator reads it unchanged", async () => {
  const timeline = await client.api.v2.userTimeline(ALICE, {
    max_results: 5,
    'tweet.fields': ['created_at', 'referenced_tweets'],
    expansions: ['referenced_tweets.id.author_id'],
  });
  await timeline.fetchLast(30);
  expect(timeline.tweets.map((t) => t.id)).toEqual(aliceTimeline());
  expect(timeline.meta.result_count).toBeGreaterThan(0);
  const sinceLatest = await client.api.v2.userTimeline(ALICE, { since_id: aliceTimeline()[0] });
  expect(sinceLatest.tweets).toEqual([]);
});
