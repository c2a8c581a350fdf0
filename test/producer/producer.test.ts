import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import type { Log } from '../../src/shared/log';
import { decodeTweetRecord, encodeTweetRecord } from '../../src/kafka/tweet-record';
import { startProducer, type TweetSource } from '../../src/producer/producer';
import { replaySource } from '../../src/producer/sources';
import {
  createTopic,
  deleteTopics,
  eventually,
  readRecords,
  sampleTweet,
  testKafka,
  type ReadRecord,
} from '../kafka/helpers';

const run = promisify(execFile);

function capturingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}

const decoded = (records: ReadRecord[]): ObservedTweet[] =>
  records.map((r) => {
    const result = decodeTweetRecord(r.key === null ? null : Buffer.from(r.key), r.value);
    if (!result.ok) throw new Error(`bad record: ${result.reason}`);
    if (!result.tweet) throw new Error('a watermark record where a tweet was expected');
    return result.tweet;
  });
const byId = (a: ObservedTweet, b: ObservedTweet): number => a.id.localeCompare(b.id);

describe('tweets producer (real broker)', () => {
  let kafka: Kafka;
  const topics: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'producer-test-'));

  beforeAll(async () => {
    kafka = await testKafka();
  });
  afterAll(() => deleteTopics(kafka, topics));

  async function topic(): Promise<string> {
    const name = await createTopic(kafka, 'producer', 3);
    topics.push(name);
    return name;
  }

  it('replays a JSON-lines file: each tweet published keyed by its id; lines without id or author logged and skipped', async () => {
    const name = await topic();
    const tweets = [sampleTweet(), sampleTweet({ retweetedOf: undefined }), sampleTweet()];
    const file = join(dir, 'replay.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(tweets[0]),
        'not json at all',
        JSON.stringify({ id: '1234567890123456789', authorUsername: 'nobody' }),
        '',
        // A `tweets` record value is accepted too (the version field is ignored).
        encodeTweetRecord(tweets[1]).value,
        JSON.stringify({ authorId: '42' }),
        JSON.stringify(tweets[2]),
      ].join('\n'),
    );
    const log = capturingLog();
    const producer = await startProducer({ kafka, source: replaySource(file, log), topic: name, log });
    const stats = await producer.done;
    expect(stats).toMatchObject({ received: 5, published: 3, skipped: 2, caughtUp: 0, kafkaFailing: false });

    const records = await readRecords(kafka, name, 3);
    expect(records.map((r) => r.key).sort()).toEqual(tweets.map((t) => t.id).sort());
    expect(decoded(records).sort(byId)).toEqual([...tweets].sort(byId));
    const t = tweets[0];
    expect(log.lines).toContain(`Received tweet #${t.id} from @${t.authorUsername}[${t.authorId}]`);
    expect(log.lines.filter((l) => l.startsWith('WARN Skipped'))).toHaveLength(2);
    expect(log.lines.some((l) => l.includes('replay.jsonl:2: not JSON'))).toBe(true);
  });

  it('stop() ends an endless source and flushes every tweet it had received before disconnecting', async () => {
    const name = await topic();
    const sent: ObservedTweet[] = [];
    let reachedPause!: () => void;
    const paused = new Promise<void>((resolve) => (reachedPause = resolve));
    const source: TweetSource = {
      description: 'an endless test stream',
      async *tweets(signal) {
        for (let i = 0; i < 500; i++) {
          const tweet = sampleTweet();
          sent.push(tweet);
          yield tweet;
        }
        reachedPause();
        // Like the X stream: nothing more until the connection is closed.
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    };
    const producer = await startProducer({ kafka, source, topic: name, logEachTweet: false, log: capturingLog() });
    await paused;
    const stats = await producer.stop();
    expect(stats).toMatchObject({ received: 500, published: 500, skipped: 0, kafkaFailing: false });
    const records = await readRecords(kafka, name, 500);
    expect(decoded(records).sort(byId)).toEqual([...sent].sort(byId));
  });

  it('`npm run producer -- --replay file` publishes the file to KAFKA_TWEETS_TOPIC and exits 0', async () => {
    const name = await topic();
    const tweets = [sampleTweet(), sampleTweet()];
    const file = join(dir, 'cli.jsonl');
    writeFileSync(file, tweets.map((t) => JSON.stringify(t)).join('\n') + '\n');
    const { stdout, stderr } = await run(
      process.execPath,
      [require.resolve('tsx/cli'), 'src/producer/main.ts', '--replay', file],
      {
        env: { ...process.env, KAFKA_TWEETS_TOPIC: name },
        timeout: 60_000,
      },
    );
    // Its log lines go to stderr (JSON lines: not a terminal); stdout is for the product's output, none here.
    expect(stdout).toBe('');
    expect(stderr).toContain(
      `Received tweet #${tweets[0].id} from @${tweets[0].authorUsername}[${tweets[0].authorId}]`,
    );
    expect(stderr).toContain('Producer stopped: 2 tweets published, 0 skipped');
    const records = await eventually('records', () => readRecords(kafka, name, 2));
    expect(decoded(records).sort(byId)).toEqual([...tweets].sort(byId));
  });

  it('refuses an unknown argument, naming it', async () => {
    await expect(
      run(process.execPath, [require.resolve('tsx/cli'), 'src/producer/main.ts', '--replya', 'x'], { timeout: 60_000 }),
    ).rejects.toMatchObject({
      code: 1,
      // As it appears in a JSON log line, quotes escaped.
      stderr: expect.stringContaining(JSON.stringify('Unknown argument "--replya"').slice(1, -1)) as unknown,
    });
  });
});
