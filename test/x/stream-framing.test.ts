import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate } from '../../src/emulator/certificates';
import {
  createXClient,
  makeXConfig,
  type StreamedTweet,
  streamTweets,
  type XClient,
  type XStreamEvent,
} from '../../src/x';
import { waitUntil } from '../emulator/https-client';

/**
 * A raw HTTPS server that plays X's filtered stream with byte splits the test chooses, so every way a TCP/TLS read
 * can cut X's framing (`{json}\r\n` per post, bare `\r\n` heartbeats) reaches the client exactly as written.
 */
const AUTHOR = '285532415';
const TOKEN = 'framing-test-token';
const post = (n: number, text: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      data: { id: String(1_790_000_000_000_000_000n + BigInt(n)), text, author_id: AUTHOR, edit_history_tweet_ids: [] },
      includes: { users: [{ id: AUTHOR, name: 'Имя', username: 'rianru' }] },
      matching_rules: [{ id: '1', tag: 'retweet-tracker' }],
    }),
    'utf8',
  );
const CRLF = Buffer.from('\r\n');
const TEXTS = ['Привет, мир 🌍', 'naïve café — 東京 😀😀', 'plain ascii', 'Ёлка 🎄 ещё', 'последний пост ✅'];

let server: Server;
let baseUrl: string;
let caDir: string;
let caFile: string;
let client: XClient;
/** What each new connection writes: a list of byte chunks, each flushed on its own. */
let scripts: Buffer[][] = [];
let connections = 0;
/** The query of each connection, to check what a reconnect asked for. */
let queries: URLSearchParams[] = [];

async function writeChunks(res: ServerResponse, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    res.write(chunk);
    // A pause per chunk makes each write its own TLS record and its own 'data' event at the client.
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

beforeAll(async () => {
  caDir = mkdtempSync(join(tmpdir(), 'framing-'));
  const certificate = await createCertificate(join(caDir, 'ca.pem'));
  caFile = certificate.caFile;
  server = createServer(
    { key: certificate.key, cert: certificate.cert },
    (req: IncomingMessage, res: ServerResponse) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}` || !req.url?.startsWith('/2/tweets/search/stream')) {
        res.writeHead(404).end();
        return;
      }
      queries.push(new URL(req.url, baseUrl).searchParams);
      const script = scripts[connections++] ?? [];
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.socket?.setNoDelay(true);
      void writeChunks(res, script);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createXClient(makeXConfig({ bearerToken: TOKEN, baseUrl, caFile }));
});

afterAll(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(caDir, { recursive: true, force: true });
});

beforeEach(() => {
  connections = 0;
  queries = [];
});

/** Streams until `expected` posts arrived (or 8 s passed), then stops; returns what came and every event. */
async function collect(
  expected: number,
  backfillMinutes = 0,
): Promise<{ tweets: StreamedTweet[]; events: XStreamEvent[] }> {
  const controller = new AbortController();
  const tweets: StreamedTweet[] = [];
  const events: XStreamEvent[] = [];
  const consumer = (async () => {
    const options = {
      signal: controller.signal,
      keepAliveTimeoutMs: 5_000,
      backfillMinutes,
      reconnectDelayMs: () => 50,
      onEvent: (e: XStreamEvent) => events.push(e),
    };
    for await (const tweet of streamTweets(client, options)) tweets.push(tweet);
  })();
  try {
    await waitUntil(() => tweets.length >= expected, 8_000, `${expected} posts`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    controller.abort();
    await consumer;
  }
  return { tweets, events };
}

test('posts split anywhere, including inside UTF-8 characters and before their CRLF, all arrive in order with no parse error', async () => {
  const frames = TEXTS.map((text, i) => post(i, text));
  const [a, b, c, d, e] = frames;
  const cut = (buf: Buffer, at: number): [Buffer, Buffer] => [buf.subarray(0, at), buf.subarray(at)];
  // Byte offset inside the first multi-byte character of each text ("П" is 2 bytes, "ï" 2 bytes, "Ё" 2 bytes).
  const inside = (buf: Buffer, char: string): number => buf.indexOf(Buffer.from(char, 'utf8')) + 1;
  const emoji = (buf: Buffer): number => buf.indexOf(Buffer.from('🌍', 'utf8')) + 2; // mid 4-byte emoji
  const [a1, a2] = cut(a, inside(a, 'П'));
  const [a2x, a2y] = cut(a2, emoji(a2));
  const [b1, b2] = cut(b, inside(b, 'ï'));
  const [d1, d2] = cut(d, inside(d, 'Ё'));
  scripts = [
    [
      CRLF, // heartbeat
      a1,
      a2x,
      a2y, // a post cut twice, inside a Cyrillic letter and inside an emoji
      CRLF, // its terminator alone: the read boundary twitter-api-v2 mistakes for a heartbeat
      b1,
      Buffer.concat([b2, Buffer.from('\r')]), // a CRLF cut between \r and \n
      Buffer.concat([Buffer.from('\n'), c, CRLF, d1]), // end of one frame, a whole one, the start of another
      Buffer.concat([d2, CRLF, CRLF]), // ...its end, then a heartbeat in the same chunk
      Buffer.concat([e, CRLF]),
    ],
  ];
  const { tweets, events } = await collect(TEXTS.length);
  expect(events.filter((ev) => ev.type === 'stream-error' || ev.type === 'reconnect-error')).toEqual([]);
  expect(tweets.map((t) => t.text)).toEqual(TEXTS);
  expect(tweets.map((t) => t.authorUsername)).toEqual(TEXTS.map(() => 'rianru'));
  expect(connections).toBe(1);
  expect(events.filter((ev) => ev.type === 'keep-alive').length).toBeGreaterThanOrEqual(2);
});

test('a stream cut into 24-byte reads, whatever they cut through, delivers the same posts', async () => {
  // Three posts and a heartbeat, cut every 24 bytes: through characters, keys, CRLFs.
  const whole = Buffer.concat([post(10, TEXTS[0]), CRLF, CRLF, post(11, TEXTS[1]), CRLF, post(12, TEXTS[3]), CRLF]);
  const chunks: Buffer[] = [];
  for (let at = 0; at < whole.length; at += 24) chunks.push(whole.subarray(at, at + 24));
  scripts = [chunks];
  const { tweets, events } = await collect(3);
  expect(events.filter((ev) => ev.type === 'stream-error')).toEqual([]);
  expect(tweets.map((t) => t.text)).toEqual([TEXTS[0], TEXTS[1], TEXTS[3]]);
});

test('an unparseable frame is reported with its length and costs only itself: the next frames on the connection arrive', async () => {
  const garbage = Buffer.from('{"data":{"id":"1","text":"trunc');
  scripts = [
    [
      Buffer.concat([post(20, 'before'), CRLF]),
      Buffer.concat([garbage, CRLF]),
      Buffer.concat([post(21, 'after, same connection'), CRLF]),
    ],
  ];
  const { tweets, events } = await collect(2);
  expect(events.filter((ev) => ev.type === 'stream-error')).toEqual([
    {
      type: 'stream-error',
      message: `unparseable stream frame of ${garbage.length} bytes: it is lost (no backfill); reading on at the next frame`,
    },
  ]);
  expect(tweets.map((t) => t.text)).toEqual(['before', 'after, same connection']);
  expect(connections).toBe(1);
});

test('with backfill, an unparseable frame makes the client reconnect asking X to replay, and the lost post arrives once', async () => {
  const lost = post(31, 'lost, then replayed');
  const broken = lost.subarray(0, lost.length - 5);
  scripts = [
    [
      Buffer.concat([post(30, 'first'), CRLF]),
      Buffer.concat([broken, CRLF]),
      Buffer.concat([post(32, 'never read on the old connection'), CRLF]),
    ],
    // X replays the last minutes on the new connection: duplicates included.
    [
      Buffer.concat([post(30, 'first'), CRLF, lost, CRLF, post(32, 'never read on the old connection'), CRLF]),
      Buffer.concat([post(33, 'new'), CRLF]),
    ],
  ];
  const { tweets, events } = await collect(4, 2);
  expect(events.filter((ev) => ev.type === 'stream-error')).toEqual([
    {
      type: 'stream-error',
      message: `unparseable stream frame of ${broken.length} bytes: reconnecting with backfill_minutes=2 to recover it`,
    },
  ]);
  expect(connections).toBe(2);
  expect(queries[1].get('backfill_minutes')).toBe('2');
  expect(tweets.map((t) => t.text)).toEqual([
    'first',
    'lost, then replayed',
    'never read on the old connection',
    'new',
  ]);
});
