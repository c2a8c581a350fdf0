import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { buildStreamRules, createXClient, readXConfig, RULE_TAG, syncStreamRules, type XClient } from '../../src/x';

let emulator: RunningEmulator;
let client: XClient;

beforeAll(async () => {
  emulator = await startEmulator({ minuteSeconds: 0 });
  client = createXClient(readXConfig({ ...emulator.env, X_STREAM_RETWEETS: 'on' }));
});

afterAll(async () => {
  client.close();
  await emulator.close();
});

test('rules cover every user with from: and retweets_of:, split below the length limit', () => {
  const ids = Array.from({ length: 30 }, (_, i) => String(1_000_000_000 + i * 37));
  const rules = buildStreamRules(ids, 512);
  expect(rules.length).toBeGreaterThan(1);
  for (const rule of rules) expect(rule.length).toBeLessThanOrEqual(512);
  const mentioned = rules.flatMap((rule) =>
    [...rule.matchAll(/from:(\d+) OR retweets_of:(\d+)/g)].map((m) => [m[1], m[2]]),
  );
  expect(mentioned.every(([from, of]) => from === of)).toBe(true);
  expect(mentioned.map(([id]) => id).sort()).toEqual([...ids].sort());
  expect(buildStreamRules(DEFAULT_FOLLOWED_USER_IDS)).toHaveLength(1);
});

test("X_STREAM_RETWEETS=off (the default) asks for the users' own posts only", async () => {
  const ownOnly = createXClient(readXConfig(emulator.env));
  try {
    expect(ownOnly.config.streamRetweets).toBe(false);
    expect(buildStreamRules(['12', '34'], 512, false)).toEqual(['from:12 OR from:34']);
    await syncStreamRules(ownOnly, ['12', '34']);
    expect(emulator.admin.rules().map((r) => r.value)).toContain('from:12 OR from:34');
    await syncStreamRules(ownOnly, []);
    expect(emulator.admin.rules().filter((r) => r.tag === RULE_TAG)).toEqual([]);
  } finally {
    ownOnly.close();
  }
  expect(() => readXConfig({ ...emulator.env, X_STREAM_RETWEETS: 'yes' })).toThrow(/X_STREAM_RETWEETS/);
});

test('sync adds our rules, removes our stale ones, leaves others, and is idempotent', async () => {
  await client.api.v2.updateStreamRules({
    add: [
      { value: 'from:42', tag: 'someone-else' },
      { value: 'from:999 OR retweets_of:999', tag: RULE_TAG },
    ],
  });

  const first = await syncStreamRules(client, DEFAULT_FOLLOWED_USER_IDS);
  expect(first.added).toEqual(buildStreamRules(DEFAULT_FOLLOWED_USER_IDS));
  expect(first.deleted).toEqual(['from:999 OR retweets_of:999']);
  const afterFirst = emulator.admin.rules();
  expect(afterFirst.map((r) => [r.value, r.tag]).sort()).toEqual(
    [...buildStreamRules(DEFAULT_FOLLOWED_USER_IDS).map((v) => [v, RULE_TAG]), ['from:42', 'someone-else']].sort(),
  );

  emulator.admin.clearRequests();
  const second = await syncStreamRules(client, DEFAULT_FOLLOWED_USER_IDS);
  expect(second).toEqual({ added: [], deleted: [], kept: buildStreamRules(DEFAULT_FOLLOWED_USER_IDS) });
  expect(emulator.admin.rules()).toEqual(afterFirst);
  expect(emulator.admin.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /2/tweets/search/stream/rules']);

  const shrunk = await syncStreamRules(client, DEFAULT_FOLLOWED_USER_IDS.slice(0, 2));
  expect(shrunk.deleted).toEqual(buildStreamRules(DEFAULT_FOLLOWED_USER_IDS));
  expect(
    emulator.admin
      .rules()
      .map((r) => r.value)
      .sort(),
  ).toEqual([...buildStreamRules(DEFAULT_FOLLOWED_USER_IDS.slice(0, 2)), 'from:42'].sort());
});
