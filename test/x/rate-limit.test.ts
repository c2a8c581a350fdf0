import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createTweetLookup, createXClient, readXConfig, XRateLimitError, type XClient } from '../../src/x';

let emulator: RunningEmulator;
let client: XClient;

beforeAll(async () => {
  emulator = await startEmulator({ seed: 5, minuteSeconds: 0, rateLimits: { tweets: { limit: 2, windowSeconds: 2 } } });
  emulator.admin.advance(30);
  client = createXClient(readXConfig(emulator.env));
});

afterAll(async () => {
  client.close();
  await emulator.close();
});

test('the third lookup in a 2-request window gets 429 with the reset time, and succeeds after the reset', async () => {
  const id = emulator.admin.groundTruth().tweets[0].id;
  const lookup = createTweetLookup(client);
  await lookup.lookupTweets([id]);
  await lookup.lookupTweets([id]);

  const error = await lookup.lookupTweets([id]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(XRateLimitError);
  const { resetAtMs } = error as XRateLimitError;
  expect(resetAtMs).toBeGreaterThan(Date.now());
  expect(resetAtMs).toBeLessThanOrEqual(Date.now() + 3_000);
  expect(emulator.admin.requests().map((r) => r.status)).toEqual([200, 200, 429]);

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (error as XRateLimitError).resetAtMs - Date.now())));
  const after = await lookup.lookupTweets([id]);
  expect(after.tweets.map((t) => t.id)).toEqual([id]);
});
