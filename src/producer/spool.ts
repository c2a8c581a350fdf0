/**
 * The producer's spool: every post it receives (stream or timeline catch-up) is appended to a local file and
 * fsync'ed before the producer treats it as received, and marked acknowledged once Kafka has it. A restart
 * republishes what was never acknowledged, before it reads the stream: a post read during a broker outage survives
 * a SIGKILL even if X deletes it before the timeline catch-up could find it again.
 *
 * Format: JSON lines in numbered segment files, `{"post":<ObservedTweet>}` and `{"acked":["<id>",...]}`. Appends
 * are group-committed (whatever arrived while one fsync ran goes out in the next); acknowledgements are not
 * fsync'ed (one lost to a crash only means a harmless second publication). Once everything is acknowledged the
 * current segment is truncated; under constant load a segment is closed past `segmentBytes` and deleted once all
 * its posts are acknowledged, oldest first (a segment's acknowledgements live in later ones).
 */
import { mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { validateObservedTweet, type ObservedTweet } from '../domain/observed-tweet';
import { errorMessage, silentLog, type Log } from '../shared/log';
import { syncDirectory } from '../shared/sync-directory';
import { lockSpoolDir } from './spool-lock';

const SEGMENT = /^segment-(\d{12})\.jsonl$/;
const segmentFile = (index: number): string => `segment-${String(index).padStart(12, '0')}.jsonl`;

export interface SpoolOptions {
  /** Created if missing; one producer at a time (a lock file). */
  dir: string;
  log?: Log;
  /** Past this size the current segment is closed and a new one begun (default 4 MiB). */
  segmentBytes?: number;
  /** Posts handed to `append` but not yet on disk before `waitForRoom` holds the reader back (default 256). */
  window?: number;
}

export interface SpoolStats {
  /** Posts written since open (replayed ones excluded). */
  appended: number;
  /** Posts acknowledged since open. */
  acked: number;
  /** Posts on disk not yet acknowledged. */
  outstanding: number;
  /** Segment files now. */
  segments: number;
  /** Times the spool was emptied because everything in it was acknowledged. */
  compactions: number;
}

interface Entry {
  line: string;
  /** Set for a post: its id, and the caller waiting for it to be on disk. */
  post?: { id: string; resolve(): void; reject(error: unknown): void };
}

interface Current {
  index: number;
  handle: FileHandle;
  size: number;
}

/** What a spool's files hold: the unacknowledged posts in the order received, and what was wrong with them. */
export interface SpoolContents {
  pending: ObservedTweet[];
  /** Lines skipped as unreadable, each with its file and why (a torn last line: a kill while writing it). */
  skipped: string[];
}

/** Reads spool segments (oldest first): posts not acknowledged in any of them, first copy of each id only. */
export function parseSegments(segments: ReadonlyArray<{ name: string; text: string }>): SpoolContents {
  const posts: ObservedTweet[] = [];
  const acked = new Set<string>();
  const skipped: string[] = [];
  for (const { name, text } of segments) {
    const lines = text.split('\n');
    const tail = lines.pop() ?? '';
    if (tail !== '')
      skipped.push(
        `${name}: a torn last line of ${Buffer.byteLength(tail)} bytes (the producer was killed while writing it; that post was never reported received)`,
      );
    lines.forEach((line, i) => {
      if (line === '') return;
      let record: { post?: unknown; acked?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        return skipped.push(`${name}:${i + 1}: not JSON`);
      }
      if (Array.isArray(record.acked)) {
        for (const id of record.acked) if (typeof id === 'string') acked.add(id);
        return;
      }
      const checked = validateObservedTweet(record.post);
      if (checked.ok) posts.push(checked.value);
      else skipped.push(`${name}:${i + 1}: not a post (${checked.reason})`);
    });
  }
  const seen = new Set<string>();
  const pending = posts.filter((post) => !acked.has(post.id) && !seen.has(post.id) && seen.add(post.id));
  return { pending, skipped };
}

export class ProducerSpool {
  private readonly queue: Entry[] = [];
  private flushing: Promise<void> | undefined;
  private maintenanceDue = false;
  /** A write failed: the next one goes to a fresh segment (the failed one may end in a partial line). */
  private broken = false;
  private closed = false;
  /** Posts in `queue` or being written. */
  private unsynced = 0;
  private roomWaiters: Array<() => void> = [];
  /** Unacknowledged post id -> the segments holding a copy of it. */
  private readonly outstanding = new Map<string, number[]>();
  /** Segment index -> its unacknowledged posts; the current one included. */
  private readonly segments = new Map<number, number>();
  private readonly counters = { appended: 0, acked: 0, compactions: 0 };

  private constructor(
    readonly dir: string,
    private current: Current,
    private readonly replay: readonly ObservedTweet[],
    private readonly releaseLock: () => void,
    private readonly log: Log,
    private readonly segmentBytes: number,
    private readonly window: number,
  ) {
    this.segments.set(current.index, replay.length);
    for (const tweet of replay) this.outstanding.set(tweet.id, [current.index]);
  }

  /**
   * Locks `dir`, reads what the last run left, and rewrites its unacknowledged posts into a fresh segment (so no
   * append ever follows a torn line); `pending()` then lists them for the replay.
   */
  static async open(options: SpoolOptions): Promise<ProducerSpool> {
    const { dir } = options;
    const log = options.log ?? silentLog;
    await mkdir(dir, { recursive: true });
    const releaseLock = lockSpoolDir(dir, log);
    let handle: FileHandle | undefined;
    try {
      const indexes = (await readdir(dir))
        .map((name) => SEGMENT.exec(name))
        .filter((match) => match !== null)
        .map((match) => Number(match[1]))
        .sort((a, b) => a - b);
      const segments = await Promise.all(
        indexes.map(async (index) => ({
          name: segmentFile(index),
          text: await readFile(join(dir, segmentFile(index)), 'utf8'),
        })),
      );
      const { pending, skipped } = parseSegments(segments);
      for (const problem of skipped) log.warn(`Spool ${dir}: skipped ${problem}`);

      const index = (indexes.at(-1) ?? 0) + 1;
      handle = await open(join(dir, segmentFile(index)), 'a');
      const bytes = Buffer.from(pending.map((post) => `${JSON.stringify({ post })}\n`).join(''), 'utf8');
      if (bytes.length > 0) {
        await handle.appendFile(bytes);
        await handle.datasync();
      }
      await syncDirectory(dir);
      for (const old of indexes) await unlink(join(dir, segmentFile(old)));
      if (indexes.length > 0) await syncDirectory(dir);
      return new ProducerSpool(
        dir,
        { index, handle, size: bytes.length },
        pending,
        releaseLock,
        log,
        options.segmentBytes ?? 4 * 1024 * 1024,
        options.window ?? 256,
      );
    } catch (error) {
      await handle?.close().catch(() => undefined);
      releaseLock();
      throw error;
    }
  }

  /** The posts the last run received and Kafka never acknowledged, in the order received: republish them first. */
  pending(): readonly ObservedTweet[] {
    return this.replay;
  }

  /** Appends a post; resolves once it is on disk (fsync'ed), rejects if it could not be written. */
  append(tweet: ObservedTweet): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`the spool ${this.dir} is closed`));
    this.unsynced++;
    const written = new Promise<void>((resolve, reject) =>
      this.queue.push({ line: `${JSON.stringify({ post: tweet })}\n`, post: { id: tweet.id, resolve, reject } }),
    );
    this.flushing ??= this.drain();
    return written;
  }

  /** True while fewer than `window` posts wait for the disk. */
  hasRoom(): boolean {
    return this.unsynced < this.window;
  }

  /** Resolves when fewer than `window` posts wait for the disk (or the spool is closed). */
  async waitForRoom(): Promise<void> {
    while (!this.closed && !this.hasRoom()) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Kafka acknowledged these posts: they will not be replayed; the spool shrinks once nothing is outstanding. */
  ack(ids: readonly string[]): void {
    if (this.closed) return;
    const acked: string[] = [];
    for (const id of ids) {
      const holders = this.outstanding.get(id);
      if (!holders) continue;
      this.outstanding.delete(id);
      for (const index of holders) this.segments.set(index, (this.segments.get(index) ?? 1) - 1);
      acked.push(id);
    }
    if (acked.length === 0) return;
    this.counters.acked += acked.length;
    this.queue.push({ line: `${JSON.stringify({ acked })}\n` });
    this.maintenanceDue = true;
    this.flushing ??= this.drain();
  }

  /** Resolves once everything handed to the spool so far is written (or failed). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  stats(): SpoolStats {
    return { ...this.counters, outstanding: this.outstanding.size, segments: this.segments.size };
  }

  /** Writes what is queued, closes the file and releases the directory; later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settled();
    this.closed = true;
    for (const wake of this.roomWaiters.splice(0)) wake();
    await this.current.handle.close().catch(() => undefined);
    this.releaseLock();
  }

  /** The one writer: batches, segment rotation and compaction run here in turn, never two at once. */
  private async drain(): Promise<void> {
    try {
      // Nothing awaits between the last look at the queue and the end: an append meanwhile would be stranded.
      for (;;) {
        if (this.maintenanceDue) await this.maintainSafely();
        if (this.queue.length === 0) break;
        const batch = this.queue.splice(0);
        const posts = batch.flatMap((entry) => (entry.post ? [entry.post] : []));
        try {
          if (this.broken || this.current.size >= this.segmentBytes) await this.rotate();
          const bytes = Buffer.from(batch.map((entry) => entry.line).join(''), 'utf8');
          await this.current.handle.appendFile(bytes);
          this.current.size += bytes.length;
          if (posts.length > 0) await this.current.handle.datasync();
          const index = this.current.index;
          for (const post of posts) {
            const holders = this.outstanding.get(post.id);
            if (holders) holders.push(index);
            else this.outstanding.set(post.id, [index]);
            this.segments.set(index, (this.segments.get(index) ?? 0) + 1);
            post.resolve();
          }
          this.counters.appended += posts.length;
        } catch (error) {
          this.broken = true;
          const failure = new Error(`could not write the spool ${this.dir}: ${errorMessage(error)}`);
          for (const post of posts) post.reject(failure);
        } finally {
          this.unsynced -= posts.length;
          for (const wake of this.roomWaiters.splice(0)) wake();
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async maintainSafely(): Promise<void> {
    try {
      await this.maintain();
    } catch (error) {
      // Only disk space is at stake: the posts are safe, and the next acknowledgement tries again.
      this.log.warn(
        `Spool ${this.dir}: compaction failed (${errorMessage(error)}); retried at the next acknowledgement`,
      );
    }
  }

  /** Deletes fully acknowledged old segments (oldest first) and, once nothing is outstanding, empties the current one. */
  private async maintain(): Promise<void> {
    this.maintenanceDue = false;
    const old = [...this.segments.keys()].filter((index) => index !== this.current.index).sort((a, b) => a - b);
    let removed = false;
    for (const index of old) {
      if ((this.segments.get(index) ?? 0) > 0) break;
      await unlink(join(this.dir, segmentFile(index)));
      this.segments.delete(index);
      removed = true;
    }
    if (removed) await syncDirectory(this.dir);
    if (this.outstanding.size > 0 || this.unsynced > 0 || this.segments.size > 1 || this.broken) return;
    // Everything is acknowledged: the queue holds acknowledgement lines only, which the truncation makes moot.
    this.queue.splice(0);
    if (this.current.size === 0) return;
    await this.current.handle.truncate(0);
    this.current.size = 0;
    this.counters.compactions++;
  }

  private async rotate(): Promise<void> {
    const index = this.current.index + 1;
    const handle = await open(join(this.dir, segmentFile(index)), 'a');
    await syncDirectory(this.dir);
    const previous = this.current;
    this.current = { index, handle, size: 0 };
    this.segments.set(index, 0);
    this.broken = false;
    this.maintenanceDue = true;
    await previous.handle.close().catch(() => undefined);
  }
}
