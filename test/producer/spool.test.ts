import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTsProcess } from '../../src/demo/child-processes';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import type { Log } from '../../src/shared/log';
import { readProducerSettings } from '../../src/producer/config';
import { ProducerSpool } from '../../src/producer/spool';
import { LOCK_FILE, SpoolLockedError } from '../../src/producer/spool-lock';
import { waitForOutput } from './support';

/** The producer's spool on real files in a temporary directory; the lock against real processes. */
describe('producer spool (real files)', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'spool-test-')), 'spool');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const id = (n: number): string => String(1_800_000_000_000_000_000n + BigInt(n));
  const tweet = (n: number): ObservedTweet => ({ id: id(n), authorId: '285532415', authorUsername: 'rt_russian' });
  const segments = (): string[] => readdirSync(dir).filter((name) => name.startsWith('segment-'));
  const spoolBytes = (): number => segments().reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  const capturingLog = (): Log & { warnings: string[] } => {
    const warnings: string[] = [];
    return { info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m), warnings };
  };
  const pendingAfterReopen = async (): Promise<string[]> => {
    const spool = await ProducerSpool.open({ dir });
    try {
      return spool.pending().map((t) => t.id);
    } finally {
      await spool.close();
    }
  };

  it('replays the unacknowledged posts in the order received, each once, across restarts', async () => {
    const first = await ProducerSpool.open({ dir, window: 2 });
    const writes = [1, 2, 3, 4, 5, 2].map((n) => first.append(tweet(n)));
    // Six posts wait for the disk: more than the window, so the stream reader would be held back.
    expect(first.hasRoom()).toBe(false);
    await Promise.all(writes);
    expect(first.hasRoom()).toBe(true);
    first.ack([id(2), id(4)]);
    await first.close();

    const second = await ProducerSpool.open({ dir });
    expect(second.pending()).toEqual([tweet(1), tweet(3), tweet(5)]);
    await second.append(tweet(6));
    second.ack([id(3)]);
    await second.close();

    expect(await pendingAfterReopen()).toEqual([id(1), id(5), id(6)]);
  });

  it('empties itself once everything in it is acknowledged', async () => {
    const spool = await ProducerSpool.open({ dir });
    await Promise.all(Array.from({ length: 100 }, (_, n) => spool.append(tweet(n))));
    expect(spoolBytes()).toBeGreaterThan(100 * 40);
    spool.ack(Array.from({ length: 99 }, (_, n) => id(n)));
    await spool.settled();
    expect(spoolBytes()).toBeGreaterThan(0);
    spool.ack([id(99)]);
    await spool.settled();
    expect({ bytes: spoolBytes(), segments: segments().length, compactions: spool.stats().compactions }).toEqual({
      bytes: 0,
      segments: 1,
      compactions: 1,
    });
    // Later posts go on in the emptied file.
    await spool.append(tweet(100));
    await spool.close();
    expect(await pendingAfterReopen()).toEqual([id(100)]);
  });

  it('under constant load, closes a segment past its size and deletes it once its posts are acknowledged', async () => {
    const spool = await ProducerSpool.open({ dir, segmentBytes: 300 });
    for (let n = 1; n <= 20; n++) await spool.append(tweet(n));
    const before = segments();
    expect(before.length).toBeGreaterThanOrEqual(4);
    // Never everything acknowledged at once (new posts keep coming), yet the old segments go.
    spool.ack(Array.from({ length: 10 }, (_, n) => id(n + 1)));
    await spool.settled();
    const after = segments();
    expect(after.length).toBeLessThan(before.length);
    expect(after[0] > before[0]).toBe(true);
    expect(spool.stats()).toMatchObject({ outstanding: 10, compactions: 0 });
    await spool.close();
    expect(await pendingAfterReopen()).toEqual(Array.from({ length: 10 }, (_, n) => id(n + 11)));
  });

  it('ignores a torn last line (and an unreadable one) with a warning, and writes on safely after it', async () => {
    const [whole, other] = [tweet(1), tweet(2)].map((post) => `${JSON.stringify({ post })}\n`);
    const torn = JSON.stringify({ post: tweet(3) }).slice(0, 25);
    mkdirSync(dir);
    writeFileSync(join(dir, 'segment-000000000007.jsonl'), `${whole}not json at all\n${other}${torn}`);

    const log = capturingLog();
    const spool = await ProducerSpool.open({ dir, log });
    expect(spool.pending()).toEqual([tweet(1), tweet(2)]);
    expect(log.warnings).toEqual([
      expect.stringContaining('segment-000000000007.jsonl: a torn last line of 25 bytes'),
      expect.stringContaining('segment-000000000007.jsonl:2: not JSON'),
    ]);
    await spool.append(tweet(4));
    await spool.close();

    const quiet = capturingLog();
    const again = await ProducerSpool.open({ dir, log: quiet });
    expect(again.pending().map((t) => t.id)).toEqual([id(1), id(2), id(4)]);
    expect(quiet.warnings).toEqual([]);
    await again.close();
  });

  it('refuses a second producer on the same directory, in this process and as `npm run producer`', async () => {
    const spool = await ProducerSpool.open({ dir });
    try {
      await expect(ProducerSpool.open({ dir })).rejects.toBeInstanceOf(SpoolLockedError);
      const lines: string[] = [];
      const second = startTsProcess({
        name: 'producer',
        script: 'src/producer/main.ts',
        env: { ...process.env, PRODUCER_SPOOL_DIR: dir, PRODUCER_METRICS_PORT: 'off' },
        onLine: (line) => lines.push(line),
      });
      expect(await second.exited).toBe(1);
      expect(lines.join('\n')).toContain(
        `Producer failed: PRODUCER_SPOOL_DIR: the spool directory ${dir} is in use by another producer (pid ${process.pid}`,
      );
    } finally {
      await spool.close();
    }
    // Released on close: the next one may open it.
    await expect(pendingAfterReopen()).resolves.toEqual([]);
  });

  it('takes over the lock of a producer killed with SIGKILL and replays what it had spooled', async () => {
    const ids = [id(1), id(2), id(3)];
    const lines: string[] = [];
    const holder = startTsProcess({
      name: 'spool-holder',
      script: 'test/producer/spool-holder.ts',
      args: [dir, ...ids],
      env: process.env,
      onLine: (line) => lines.push(line),
    });
    try {
      await waitForOutput({ output: () => lines.join('\n') }, 'spooled', 30_000);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: holder.child.pid });
      holder.child.kill('SIGKILL');
      await holder.exited;
    } finally {
      holder.child.kill('SIGKILL');
    }
    const log = capturingLog();
    const spool = await ProducerSpool.open({ dir, log });
    expect(spool.pending().map((t) => t.id)).toEqual(ids);
    expect(log.warnings).toEqual([expect.stringContaining(`is stale (pid ${holder.child.pid} is not running)`)]);
    await spool.close();
  });

  it('PRODUCER_SPOOL_DIR naming a file stops the producer, naming the variable', () => {
    const file = join(dir, '..', 'a-file');
    writeFileSync(file, '');
    expect(() => readProducerSettings({ PRODUCER_SPOOL_DIR: file }, [])).toThrow(
      `Invalid configuration: PRODUCER_SPOOL_DIR must be a directory, but "${file}" is a file`,
    );
  });
});
