import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { startEmulator, type RunningEmulator, type Scenario } from '../../src/emulator';
import { DEFAULT_ACCOUNT_NAMES } from '../../src/emulator/accounts';
import { call } from './https-client';

const ALICE = '285532415';
const BOB = '147964447';
const id = (n: number): string => String(1_790_000_000_000_000_000n + BigInt(n));

describe('counts that fall and tweets that disappear (scenario)', () => {
  const scenario: Scenario = {
    startTime: '2024-05-01T10:00:00.000Z',
    users: [
      { id: ALICE, username: 'alice' },
      { id: BOB, username: 'bob' },
    ],
    minutes: [
      {
        minute: 0,
        tweets: [
          { id: id(1), authorId: ALICE, text: 'one', retweetCount: 10 },
          { id: id(2), authorId: ALICE, text: 'two' },
          { id: id(3), authorId: BOB, text: 'three' },
        ],
      },
      { minute: 1, retweets: { [id(1)]: 3 } },
      { minute: 2, unretweets: { [id(1)]: 2 }, protect: [id(2)] },
      { minute: 3, suspend: [BOB] },
    ],
  };
  let emulator: RunningEmulator;
  const get = (path: string) => call(emulator.url, emulator.caFile, path, { token: emulator.bearerToken });
  beforeAll(async () => {
    emulator = await startEmulator({ scenario, minuteSeconds: 0 });
    emulator.admin.advance(4);
  });
  afterAll(() => emulator.close());

  test('ground truth follows un-retweets, protection and suspension minute by minute', () => {
    const at = (minute: number, tweet: string) => emulator.admin.groundTruth(minute).tweets.find((t) => t.id === tweet);
    expect([0, 1, 2, 3].map((m) => at(m, id(1))?.retweetCount)).toEqual([10, 13, 11, 11]);
    expect([1, 2].map((m) => at(m, id(2))?.status)).toEqual(['live', 'protected']);
    expect([2, 3].map((m) => at(m, id(3))?.status)).toEqual(['live', 'suspended']);
    expect(at(3, id(2))).toMatchObject({ deleted: false, status: 'protected' });
  });

  test('lookups answer the fallen count, Authorization Error for protected and suspended, and the un-retweeted posts are gone', async () => {
    const res = await get(`/2/tweets?ids=${id(1)},${id(2)},${id(3)}&tweet.fields=public_metrics`);
    const body = res.body as { data: { id: string; public_metrics: { retweet_count: number } }[]; errors: unknown[] };
    expect(body.data.map((t) => [t.id, t.public_metrics.retweet_count])).toEqual([[id(1), 11]]);
    expect(body.errors).toEqual(
      [id(2), id(3)].map((x) => ({
        value: x,
        detail: `Sorry, you are not authorized to see the Tweet with id: [${x}].`,
        title: 'Authorization Error',
        resource_type: 'tweet',
        parameter: 'ids',
        resource_id: x,
        type: 'https://api.twitter.com/2/problems/not-authorized-for-resource',
      })),
    );
    const retweets = emulator.admin
      .posted()
      .filter((p) => p.retweetedId === id(1))
      .map((p) => p.id);
    expect(retweets).toHaveLength(3);
    const looked = (await get(`/2/tweets?ids=${retweets.join(',')}`)).body as {
      data: unknown[];
      errors: { title: string }[];
    };
    expect(looked.data).toHaveLength(1);
    expect(looked.errors.map((e) => e.title)).toEqual(['Not Found Error', 'Not Found Error']);
    expect((await get(`/2/users/${BOB}/tweets`)).body).toMatchObject({
      errors: [{ title: 'Forbidden', detail: `User has been suspended: [${BOB}].`, parameter: 'id' }],
    });
    expect((await get(`/2/users?ids=${ALICE},${BOB}`)).body).toMatchObject({
      data: [{ id: ALICE }],
      errors: [{ title: 'Forbidden', resource_id: BOB, parameter: 'ids' }],
    });
  });
});

describe('the random simulation', () => {
  test('counts sometimes fall, some tweets become protected, and followed accounts retweet each other', async () => {
    const emulator = await startEmulator({ seed: 2, minuteSeconds: 0 });
    try {
      emulator.admin.advance(12 * 60);
      let falls = 0;
      let previous = new Map(emulator.admin.groundTruth(0).tweets.map((t) => [t.id, t.retweetCount]));
      for (let m = 1; m < 12 * 60; m += 1) {
        const now = new Map(emulator.admin.groundTruth(m).tweets.map((t) => [t.id, t.retweetCount]));
        for (const [tweet, count] of now) if (count < (previous.get(tweet) ?? 0)) falls++;
        previous = now;
      }
      expect(falls).toBeGreaterThan(0);
      const statuses = emulator.admin.groundTruth().tweets.map((t) => t.status);
      expect(statuses).toContain('protected');
      expect(statuses).toContain('deleted');
      const followed = new Set(DEFAULT_FOLLOWED_USER_IDS);
      expect(emulator.admin.posted().some((p) => p.retweetedId && followed.has(p.authorId))).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  test('retweet velocity decays with age; the power law keeps a longer tail than the exponential', async () => {
    /** Share of retweets in each hour of a tweet's life (tweets posted in the first 6 of 12 simulated hours). */
    const hourlyShares = async (model: 'exponential' | 'power-law'): Promise<number[]> => {
      const emulator = await startEmulator({
        seed: 9,
        minuteSeconds: 0,
        retweetDecay: model,
        retweetDecayMinutes: 60,
        initialTweets: 0,
        unretweetShare: 0,
      });
      try {
        emulator.admin.advance(12 * 60);
        const posted = emulator.admin.posted();
        const minuteOf = new Map(
          posted.filter((p) => !p.retweetedId && p.minute < 6 * 60).map((p) => [p.id, p.minute]),
        );
        const hours = Array<number>(6).fill(0);
        for (const p of posted) {
          const origin = p.retweetedId ? minuteOf.get(p.retweetedId) : undefined;
          if (origin === undefined) continue;
          const hour = Math.floor((p.minute - origin) / 60);
          if (hour < 6) hours[hour]++;
        }
        const total = hours.reduce((a, b) => a + b, 0);
        expect(total).toBeGreaterThan(300);
        return hours.map((h) => h / total);
      } finally {
        await emulator.close();
      }
    };
    const exponential = await hourlyShares('exponential');
    expect(exponential[0]).toBeGreaterThan(0.5);
    expect(exponential[0]).toBeGreaterThan(exponential[1]);
    expect(exponential[1]).toBeGreaterThan(exponential[2]);
    const power = await hourlyShares('power-law');
    expect(power[0]).toBeGreaterThan(power[1]);
    expect(power[3] + power[4] + power[5]).toBeGreaterThan(exponential[3] + exponential[4] + exponential[5]);
  });

  test('20,000 seeded tweets of various ages, stepped a minute at a time, with ground truth per tweet and per minute', async () => {
    const started = Date.now();
    const emulator = await startEmulator({
      seed: 4,
      minuteSeconds: 0,
      initialTweets: 20_000,
      initialMaxAgeMinutes: 24 * 60,
    });
    try {
      const seeded = emulator.admin.groundTruth(-1).tweets;
      expect(seeded).toHaveLength(20_000);
      const ages = seeded.map((t) => -t.minute).sort((a, b) => a - b);
      expect(ages[0]).toBeGreaterThanOrEqual(1);
      expect(ages[ages.length - 1]).toBeLessThanOrEqual(24 * 60);
      expect(ages[Math.floor(ages.length / 2)]).toBeGreaterThan(600);
      expect(ages[Math.floor(ages.length / 2)]).toBeLessThan(840);
      // Older tweets have had longer to collect retweets.
      const mean = (list: typeof seeded) => list.reduce((sum, t) => sum + t.retweetCount, 0) / list.length;
      expect(mean(seeded.filter((t) => t.minute < -600))).toBeGreaterThan(mean(seeded.filter((t) => t.minute > -30)));
      // Nothing seeded is streamed: it existed before minute 0.
      expect(emulator.admin.posted()).toHaveLength(0);

      const sample = seeded
        .filter((t) => t.minute > -90)
        .slice(0, 40)
        .map((t) => t.id);
      const recorded: Record<number, number[]> = {};
      for (let m = 0; m < 5; m++) {
        emulator.admin.advance(1);
        const res = await call(emulator.url, emulator.caFile, `/__admin/ground-truth?ids=${sample.join(',')}`);
        const truth = res.body as { minute: number; tweets: { id: string; retweetCount: number }[] };
        expect(truth.minute).toBe(m);
        expect(truth.tweets.map((t) => t.id)).toEqual(sample);
        recorded[m] = truth.tweets.map((t) => t.retweetCount);
      }
      // Seeded tweets still get retweets, and any past minute can be asked again later.
      const seededIds = new Set(seeded.map((t) => t.id));
      expect(
        emulator.admin.posted().filter((p) => p.retweetedId && seededIds.has(p.retweetedId)).length,
      ).toBeGreaterThan(0);
      for (let m = 0; m < 5; m++)
        expect(emulator.admin.groundTruth(m, sample).tweets.map((t) => t.retweetCount)).toEqual(recorded[m]);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await emulator.close();
    }
  });
});

test('the default world: the eight original accounts by name, and retweets in each of the first three minutes', async () => {
  const emulator = await startEmulator({ minuteSeconds: 0 });
  try {
    const users = (
      await call(emulator.url, emulator.caFile, `/2/users?ids=${DEFAULT_FOLLOWED_USER_IDS.join(',')}`, {
        token: emulator.bearerToken,
      })
    ).body as { data: { id: string; username: string }[] };
    expect(users.data.map((u) => u.username)).toEqual(
      DEFAULT_FOLLOWED_USER_IDS.map((uid) => DEFAULT_ACCOUNT_NAMES[uid].username),
    );
    emulator.admin.advance(3);
    const followed = new Set(DEFAULT_FOLLOWED_USER_IDS);
    const authorOf = new Map(emulator.admin.groundTruth().tweets.map((t) => [t.id, t.authorId]));
    for (const minute of [0, 1, 2]) {
      const retweets = emulator.admin
        .posted()
        .filter((p) => p.minute === minute && p.retweetedId && followed.has(authorOf.get(p.retweetedId) ?? ''));
      expect(retweets.length).toBeGreaterThan(0);
    }
  } finally {
    await emulator.close();
  }
});
