import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createXClient, readXConfig, type XClient } from '../../src/x';
import { fetchTimelinePage, fetchTimelineSince } from '../../src/x/timeline';
import { privateCaFile } from './support';

const USER = '285532415';

/** The timeline client the producer catches up with, against the emulator over HTTPS. */
describe('timeline client (GET /2/users/:id/tweets on the emulator)', () => {
  let emulator: RunningEmulator;
  let client: XClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      caFile: privateCaFile(),
      seed: 5,
      minuteSeconds: 0,
      heartbeatSeconds: 1,
      tweetsPerUserPerMinute: 3,
    });
    client = createXClient(readXConfig(emulator.env));
  });
  afterAll(async () => {
    client?.close();
    await emulator?.close();
  });

  /** Ground truth: the user's posts released so far, in id order. */
  const postsOf = (user: string): string[] =>
    emulator.admin
      .posted()
      .filter((p) => p.authorId === user)
      .map((p) => p.id)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));

  it('reads every post newer than since_id across pages, oldest first, with the retweets the user made', async () => {
    const {
      tweets: [newest],
    } = await fetchTimelinePage(client, USER, { pageSize: 5 });
    const sinceId = newest?.id;
    emulator.admin.advance(10);
    const expected = postsOf(USER).filter((id) => sinceId === undefined || BigInt(id) > BigInt(sinceId));
    expect(expected.length).toBeGreaterThan(5);

    emulator.admin.clearRequests();
    const tweets = await fetchTimelineSince(client, USER, { sinceId, pageSize: 5 });
    expect(tweets.map((t) => t.id)).toEqual(expected);
    expect(tweets.every((t) => t.authorId === USER && t.authorUsername)).toBe(true);
    const pages = emulator.admin.requests().filter((r) => r.path === `/2/users/${USER}/tweets`);
    expect(pages.length).toBe(Math.ceil(expected.length / 5));
    expect(pages.slice(1).every((r) => r.query.pagination_token && r.query.since_id === sinceId)).toBe(true);
    const retweets = emulator.admin
      .posted()
      .filter((p) => p.authorId === USER && p.retweetedId && expected.includes(p.id));
    for (const retweet of retweets)
      expect(tweets.find((t) => t.id === retweet.id)?.retweetedOf?.id).toBe(retweet.retweetedId);
  });

  it('waits for the reset X advertises on a 429 and then reads on', async () => {
    emulator.admin.failNext(1, 429, 2, 'timeline');
    const waits: number[] = [];
    const started = Date.now();
    const tweets = await fetchTimelineSince(client, USER, { pageSize: 100, onRateLimited: (ms) => waits.push(ms) });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(waits[0] - 50);
    expect(tweets.length).toBeGreaterThan(0);
  });
});
