/**
 * Catching up after a gap. Whenever the stream (re)connects, whatever was posted while no connection was open is
 * read from the followed users' timelines (`since_id` = the newest post of theirs already seen) and published; the
 * stream may deliver some of it too, which is harmless (the workflow dedupes). A user followed for the first time
 * gets a baseline instead: the newest post of their timeline, so only later posts are tracked, as with the stream,
 * and those of a bounded window before it (PRODUCER_BACKFILL_MINUTES: `newestPostId` answers an older mark).
 */
import type { ObservedTweet } from '../domain/observed-tweet';
import { errorMessage, type Log } from '../shared/log';
import { EMPTY_TIMELINE_MARK, type Watermarks } from './watermarks';

/** Posts of `user` newer than `sinceId` (all X serves when undefined), oldest first. */
export type ReadTimeline = (user: string, sinceId: string | undefined, signal: AbortSignal) => Promise<ObservedTweet[]>;
/** The id of the newest post of `user`, undefined for an empty timeline. */
export type NewestPostId = (user: string, signal: AbortSignal) => Promise<string | undefined>;

export interface CatchUpOptions {
  watermarks: Watermarks;
  readTimeline: ReadTimeline;
  newestPostId: NewestPostId;
  /** The followed users now. */
  users: () => readonly string[];
  /** Publishes one tweet; resolves once Kafka acknowledged it. */
  publish: (tweet: ObservedTweet) => Promise<void>;
  /** Resolves when the publisher has room again (backpressure). */
  waitForRoom: () => Promise<void>;
  /** A baseline was set: save it soon. */
  onBaseline: (user: string, id: string) => void;
  /** A catch-up finished and released its holds: marks may be saved. */
  onDone: () => void;
  /** Backoff while X fails (default 1 s doubling to 60 s). */
  retry?: { initialMs: number; maxMs: number };
  log: Log;
}

export interface CatchUpStats {
  runs: number;
  /** Posts read from timelines and published. */
  published: number;
  baselines: number;
}

export class CatchUp {
  private current: { abort: AbortController; done: Promise<void> } | undefined;
  private readonly counters: CatchUpStats = { runs: 0, published: 0, baselines: 0 };
  private stopped = false;
  private following: Promise<void> = Promise.resolve();
  private readonly followAborts = new Set<AbortController>();

  constructor(private readonly options: CatchUpOptions) {}

  stats(): CatchUpStats {
    return { ...this.counters };
  }

  /** True while a gap is being caught up: the stream's watermark must not move past it meanwhile. */
  busy(): boolean {
    return this.current !== undefined;
  }

  /** Resolves when no catch-up is running (for tests and a clean stop). */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
  }

  /**
   * A gap just ended (the stream connected): holds the users' saved marks and snapshots their `since_id` NOW,
   * before the new connection delivers anything, then catches up in the background. A run still going is replaced.
   */
  trigger(): void {
    if (this.stopped) return;
    const users = [...this.options.users()];
    const release = this.options.watermarks.hold(users);
    // Decided now, not when the run reaches the user: the new connection may deliver a post of a user with no mark
    // before that, and a catch-up from nothing would republish their whole timeline.
    const since = new Map(
      users.map((user) => [
        user,
        this.options.watermarks.knows(user) ? { id: this.options.watermarks.sinceId(user) } : undefined,
      ]),
    );
    const previous = this.current;
    previous?.abort.abort();
    const abort = new AbortController();
    const done = (async () => {
      await previous?.done;
      try {
        await this.run(users, since, abort.signal);
      } finally {
        release();
        this.options.onDone();
      }
    })().catch((error: unknown) => this.options.log.warn(`Timeline catch-up ended: ${errorMessage(error)}`));
    const entry = { abort, done };
    this.current = entry;
    void done.then(() => {
      if (this.current === entry) this.current = undefined;
    });
  }

  /**
   * Gives every user without a mark a baseline (the newest post of their timeline), retrying while X fails. Done
   * before the stream opens, so a post made between this and the connection is caught up, not mistaken for history.
   */
  async baselineUnknown(users: readonly string[], signal: AbortSignal): Promise<void> {
    for (const user of users) {
      if (signal.aborted) return;
      if (this.options.watermarks.knows(user)) continue;
      const newest = await this.retrying(
        `the newest post of user ${user}`,
        () => this.options.newestPostId(user, signal),
        signal,
      );
      if (signal.aborted || this.options.watermarks.knows(user)) continue;
      const baseline = newest ?? EMPTY_TIMELINE_MARK;
      this.options.watermarks.setBaseline(user, baseline);
      this.options.onBaseline(user, baseline);
      this.counters.baselines++;
    }
  }

  /** Users just followed (the stream rules already include them): baseline them now. */
  follow(users: readonly string[]): void {
    if (this.stopped) return;
    const abort = new AbortController();
    const previous = this.following;
    this.following = (async () => {
      await previous;
      await this.baselineUnknown(users, abort.signal);
    })().catch((error: unknown) =>
      this.options.log.warn(`Baseline of newly followed users failed: ${errorMessage(error)}`),
    );
    this.followAborts.add(abort);
    void this.following.then(() => this.followAborts.delete(abort));
  }

  /** Abandons the run in progress (its users stay held: their marks are not saved past the gap). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort.abort();
    for (const abort of this.followAborts) abort.abort();
    await this.current?.done;
    await this.following;
  }

  /** `since`: per user, the mark to catch up from (`id` undefined: the whole timeline), or undefined for a baseline. */
  private async run(
    users: string[],
    since: Map<string, { id: string | undefined } | undefined>,
    signal: AbortSignal,
  ): Promise<void> {
    const { watermarks, log } = this.options;
    this.counters.runs++;
    const acks: Promise<void>[] = [];
    let caughtUp = 0;
    for (const user of users) {
      if (signal.aborted) return;
      const mark = since.get(user);
      if (!mark) {
        // Normally baselined before the stream opened; a user followed since then gets it here.
        await this.baselineUnknown([user], signal);
        continue;
      }
      const tweets = await this.retrying(
        `the timeline of user ${user}`,
        () => this.options.readTimeline(user, mark.id, signal),
        signal,
      );
      if (signal.aborted || !tweets) return;
      for (const tweet of tweets) {
        watermarks.noteReceived(tweet.authorId, tweet.id);
        acks.push(this.options.publish(tweet));
        await this.options.waitForRoom();
      }
      caughtUp += tweets.length;
    }
    // The holds are released (by the caller) only once every caught-up post is acknowledged, or the run abandoned.
    const acked = await Promise.race([
      Promise.all(acks).then(() => true),
      new Promise<false>((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true })),
    ]);
    if (!acked) return;
    this.counters.published += caughtUp;
    if (caughtUp > 0)
      log.info(`Caught up ${caughtUp} post(s) of ${users.length} followed user(s) from their timelines`);
  }

  /** Calls `task` until it succeeds, backing off while X fails; undefined when aborted first. */
  private async retrying<T>(what: string, task: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    const { initialMs, maxMs } = this.options.retry ?? { initialMs: 1000, maxMs: 60_000 };
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await task();
      } catch (error) {
        if (signal.aborted) return undefined;
        const delayMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
        if (attempt < 3 || attempt % 10 === 0)
          this.options.log.warn(`Could not read ${what} (${errorMessage(error)}); retrying in ${delayMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
    return undefined;
  }
}
