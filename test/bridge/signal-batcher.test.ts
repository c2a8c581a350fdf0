/** The batcher on its own: its `send` is a plain function here; the bridge tests cover it against real Temporal. */
import { ClosedError, SignalBatcher, type BatchLimits, type SendBatch } from '../../src/bridge/signal-batcher';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import { silentLog } from '../../src/shared/log';
import { sampleTweet } from '../kafka/helpers';

function batcher(limits: Partial<BatchLimits>, send: SendBatch, events: string[] = []) {
  return new SignalBatcher({
    limits: { maxTweets: 1000, maxBytes: 128 * 1024, flushIntervalMs: 60_000, ...limits },
    retry: { initialMs: 10, maxMs: 20 },
    send,
    onUnavailable: () => events.push('unavailable'),
    onAvailable: () => events.push('available'),
    log: silentLog,
  });
}

/** A send that acknowledges at once and records the batch. */
const recordInto =
  (sent: ObservedTweet[][]): SendBatch =>
  (batch) => {
    sent.push(batch);
    return Promise.resolve();
  };

const tweets = (n: number): ObservedTweet[] => Array.from({ length: n }, () => sampleTweet());

describe('SignalBatcher', () => {
  it('sends a batch that is not full after the flush interval, and settles the work then', async () => {
    const sent: ObservedTweet[][] = [];
    const b = batcher({ flushIntervalMs: 300 }, recordInto(sent));
    const input = tweets(2);
    const started = Date.now();
    await b.add(input).done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sent).toEqual([input]);
    await b.close();
  });

  it('sends at once when every partition handler is waiting (nothing more can join)', async () => {
    const sent: ObservedTweet[][] = [];
    const b = batcher({}, recordInto(sent));
    b.enter();
    b.enter();
    const first = b.add(tweets(1));
    b.waiting(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(0); // the second handler may still add
    const second = b.add(tweets(2));
    b.waiting(1);
    await Promise.all([first.done, second.done]);
    expect(sent.map((batch) => batch.length)).toEqual([3]);
    await b.close();
  });

  it('closes batches at maxTweets and at maxBytes', async () => {
    const sent: ObservedTweet[][] = [];
    const input = tweets(25);
    const maxBytes = Buffer.byteLength(JSON.stringify(input.slice(0, 4)));
    const b = batcher({ maxTweets: 10, flushIntervalMs: 20 }, recordInto(sent));
    await b.add(input).done;
    expect(sent.map((batch) => batch.length)).toEqual([10, 10, 5]);
    const c = batcher({ maxBytes, flushIntervalMs: 20 }, recordInto(sent));
    sent.length = 0;
    await c.add(input).done;
    expect(sent.flat()).toEqual(input);
    for (const batch of sent) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(maxBytes);
    await b.close();
    await c.close();
  });

  it('retries a failed delivery with backoff, reporting unavailable once and available once', async () => {
    const events: string[] = [];
    let attempts = 0;
    const b = batcher(
      { flushIntervalMs: 10 },
      () => (++attempts <= 2 ? Promise.reject(new Error('UNAVAILABLE')) : Promise.resolve()),
      events,
    );
    await b.add(tweets(3)).done;
    expect(attempts).toBe(3);
    expect(events).toEqual(['unavailable', 'available']);
    expect(b.stats()).toEqual({ signals: 1, tweets: 3, failedAttempts: 2 });
    await b.close();
  });

  it('cancel withdraws tweets not yet being sent; close fails the rest and waits for the attempt in flight, without retrying it', async () => {
    const sent: ObservedTweet[][] = [];
    let timeOut!: () => void;
    const b = batcher({ maxTweets: 2, flushIntervalMs: 10 }, (batch) => {
      sent.push(batch);
      // Like a call to a server that does not answer: it fails at its deadline, here when the test says so.
      return new Promise((_, reject) => (timeOut = () => reject(new Error('DEADLINE_EXCEEDED'))));
    });
    const inFlight = b.add(tweets(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const withdrawn = b.add(tweets(2));
    const failed = b.add(tweets(1));
    withdrawn.cancel();
    let closed = false;
    const closing = b.close().then(() => (closed = true));
    await expect(inFlight.done).rejects.toBeInstanceOf(ClosedError);
    await expect(failed.done).rejects.toBeInstanceOf(ClosedError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    timeOut();
    await closing;
    expect(sent).toHaveLength(1);
    await expect(b.add(tweets(1)).done).rejects.toBeInstanceOf(ClosedError);
  });
});
