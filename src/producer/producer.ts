/**
 * The tweets producer (the successor of `tweets_producer.py`): reads tweets from a source (the X filtered stream,
 * or a JSON-lines replay file) and publishes each to Kafka, keyed by tweet id, through an idempotent producer.
 *
 * It never loses a followed user's post to a gap: Kafka refusing records holds them in a bounded queue (retrying
 * forever); when the queue is full it stops reading the stream; and after every gap (its own start, a stream
 * reconnect, a pause) it catches up from the followed users' timelines, from marks it keeps on Kafka. With a spool,
 * what it received is on disk before it counts as received, and a restart republishes what Kafka never acknowledged
 * (a post deleted on X meanwhile is in no timeline to catch up from).
 */
import { abortableSleep } from '../shared/abortable-sleep';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { validateObservedTweet, type ObservedTweet } from '../domain/observed-tweet';
import { createLog, errorMessage, type Log } from '../shared/log';
import { KafkaCredentialsError } from '../kafka/security';
import { PublisherClosedError, TweetPublisher } from '../kafka/tweet-publisher';
import { topicPartitionCount } from '../kafka/topics';
import { TWEETS_TOPIC } from '../shared/names';
import { CatchUp, type NewestPostId, type ReadTimeline } from './catch-up';
import { loadProgress, saveProgress } from './progress-store';
import type { ProducerSpool } from './spool';
import { StreamClock } from './stream-clock';
import { Watermarks } from './watermarks';

/** What a source tells the producer about its connection. */
export interface SourceHooks {
  /** The source (re)connected: whatever was posted while it was not connected must be caught up. */
  onConnected?(): void;
  /** The source lost its connection (it reconnects by itself): for the stream-state metric. */
  onDisconnected?(): void;
}

/** Where tweets come from. Items are untrusted: each is validated as an `ObservedTweet` before it is published. */
export interface TweetSource {
  /** For logs: "the X filtered stream", "replay of tweets.jsonl". */
  readonly description: string;
  /** The tweets; the iteration ends when the source is exhausted or `signal` aborts. */
  tweets(signal: AbortSignal, hooks?: SourceHooks): AsyncIterable<unknown>;
}

/** Catch-up from timelines after gaps; the X stream mode has it, a replay does not. */
export interface CatchUpSettings {
  /** The compacted topic holding each followed user's mark. */
  progressTopic: string;
  /** The followed users now (it may change while running). */
  users: () => readonly string[];
  readTimeline: ReadTimeline;
  newestPostId: NewestPostId;
  /** Backoff while X fails during a catch-up. */
  retry?: { initialMs: number; maxMs: number };
}

export interface ProducerOptions {
  kafka: Kafka;
  source: TweetSource;
  topic?: string;
  catchUp?: CatchUpSettings;
  /** Records held in memory at most while Kafka refuses; then reading stops (default 10,000). */
  maxQueued?: number;
  /** Backoff while Kafka refuses (default 500 ms doubling to 30 s, forever). */
  kafkaRetry?: { initialMs: number; maxMs: number };
  /** On stop, how long unacknowledged records may still be sent (default 5 s). */
  stopGraceMs?: number;
  /**
   * Event-time watermarks (stream mode): every `intervalMs`, a mark of "now - `delayMs`" on every partition while
   * the stream is connected and no gap is being caught up. Off when absent (a replay has no event-time progress).
   */
  watermarks?: { intervalMs: number; delayMs: number };
  /**
   * Received posts are written here before they are published, and the posts a previous run left unacknowledged
   * are republished before the source is read. The caller opens and closes it.
   */
  spool?: ProducerSpool;
  /** Log `Received tweet #<id> from @<screen name>[<user id>]` per tweet, like the original (default true). */
  logEachTweet?: boolean;
  log?: Log;
}

export interface ProducerStats {
  /** Items the source delivered. */
  received: number;
  /** Tweets the broker acknowledged (caught-up ones included). */
  published: number;
  /** Items skipped as not a tweet (no id, no author, wrong types). */
  skipped: number;
  /** Posts read from timelines after gaps. */
  caughtUp: number;
  /** Posts a previous run left unacknowledged in the spool, republished at start. */
  replayed: number;
  /** Catch-up runs started (one after each gap). */
  catchUpRuns: number;
  /** Times reading stopped because Kafka refused and the queue was full. */
  readingPauses: number;
  /** True while Kafka refuses records. */
  kafkaFailing: boolean;
}

export interface ProducerHandle {
  /** Stops reading the source, flushes what is in flight (within the grace), disconnects; resolves with the counts. */
  stop(): Promise<ProducerStats>;
  /** Settles when the producer ended by itself (source exhausted: resolves; source failure: rejects). */
  done: Promise<ProducerStats>;
  stats(): ProducerStats;
  /** Resolves when no catch-up is running (tests). */
  caughtUp(): Promise<void>;
  /** Users just added to the followed list: they get a baseline (their later posts are caught up after gaps). */
  followed(users: readonly string[]): void;
}

/** Runs `task` until it succeeds (Kafka may be down when the producer starts); undefined when stopped first. */
async function untilDone<T>(what: string, task: () => Promise<T>, stop: AbortSignal, log: Log): Promise<T | undefined> {
  for (let attempt = 0; !stop.aborted; attempt++) {
    try {
      return await task();
    } catch (error) {
      // Kafka being down passes; refused credentials do not: retrying would only hide the mistake.
      if (error instanceof KafkaCredentialsError) throw error;
      const delayMs = Math.min(30_000, 1000 * 2 ** attempt);
      if (attempt < 3 || attempt % 10 === 0)
        log.warn(`Could not ${what} (${errorMessage(error)}); retrying in ${delayMs} ms`);
      await abortableSleep(delayMs, stop);
    }
  }
  return undefined;
}

/** Waits for `promise`, or less if `signal` aborts first; its listener is removed either way (this runs per post). */
async function unlessAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort!: () => void;
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Starts publishing the source's tweets to `tweets`; Kafka may be down at first (it waits, reading nothing). */
export function startProducer(options: ProducerOptions): Promise<ProducerHandle> {
  const log = options.log ?? createLog('producer');
  const logEachTweet = options.logEachTweet ?? true;
  const topic = options.topic ?? TWEETS_TOPIC;
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    // One request in flight keeps the idempotent producer's per-partition sequence simple; batching makes up for it.
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Each attempt gives up after about 10 s; the publisher then backs off and retries forever.
    retry: { initialRetryTime: 300, retries: 5 },
  });
  const stopping = new AbortController();
  const counters = { received: 0, skipped: 0, readingPauses: 0, replayed: 0 };
  let publisher: TweetPublisher | undefined;
  let catchUp: CatchUp | undefined;
  const stats = (): ProducerStats => ({
    ...counters,
    published: publisher?.acknowledged() ?? 0,
    caughtUp: catchUp?.stats().published ?? 0,
    catchUpRuns: catchUp?.stats().runs ?? 0,
    kafkaFailing: publisher?.isFailing() ?? false,
  });

  const followed = new Set<string>();
  /** The spool's left-over posts being republished (by object: the same id may also come in again, fresh). */
  const replayed = new WeakSet<ObservedTweet>();
  /** Stream posts on their way to the disk, not yet handed to the publisher. */
  let inTransit = 0;
  const maxQueued = options.maxQueued ?? 10_000;
  const refreshFollowed = (): Set<string> => {
    followed.clear();
    for (const user of options.catchUp?.users() ?? []) followed.add(user);
    return followed;
  };

  const run = async (): Promise<ProducerStats> => {
    if (!(await untilDone('connect to Kafka', () => producer.connect().then(() => true), stopping.signal, log)))
      return stats();
    let watermarks = new Watermarks();
    const settings = options.catchUp;
    if (settings) {
      const loaded = await untilDone(
        `read ${settings.progressTopic}`,
        () => loadProgress(options.kafka, settings.progressTopic),
        stopping.signal,
        log,
      );
      if (!loaded) {
        await producer.disconnect().catch(() => undefined);
        return stats();
      }
      watermarks = new Watermarks(loaded);
      log.info(`Progress of ${loaded.size} followed user(s) read from ${settings.progressTopic}`);
    }

    // Marks are saved after the acks, a little later and together; a failed save is retried with the next one.
    const baselines = new Map<string, string>();
    let saveTimer: NodeJS.Timeout | undefined;
    let saving: Promise<void> = Promise.resolve();
    const scheduleSave = (delayMs = 500): void => {
      if (!settings || saveTimer || stopping.signal.aborted) return;
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        saving = saving.then(async () => {
          const marks = new Map([...baselines, ...watermarks.dueForSave()]);
          try {
            await saveProgress(producer, settings.progressTopic, marks);
            watermarks.markSaved(marks);
            for (const [user, id] of marks) if (baselines.get(user) === id) baselines.delete(user);
          } catch {
            scheduleSave(5000);
          }
        });
      }, delayMs);
    };

    const activePublisher = new TweetPublisher(producer, topic, {
      maxQueued,
      retry: options.kafkaRetry,
      log,
      onAcked: (tweets) => {
        options.spool?.ack(tweets.map((tweet) => tweet.id));
        if (!settings) return;
        // A replayed post moves no mark: the gap it may have come from was perhaps never caught up.
        for (const tweet of tweets)
          if (followed.has(tweet.authorId) && !replayed.has(tweet)) watermarks.noteAcked(tweet.authorId, tweet.id);
        scheduleSave();
      },
    });
    publisher = activePublisher;
    const clock = options.watermarks ? new StreamClock(options.watermarks.delayMs) : undefined;
    const partitions = clock
      ? await untilDone(
          `read the partitions of ${topic}`,
          () => topicPartitionCount(options.kafka, topic),
          stopping.signal,
          log,
        )
      : undefined;
    const watermarkTimer =
      clock && partitions
        ? setInterval(() => {
            const watermarkMs = clock.advance(Date.now(), catchUp?.busy() ?? false);
            if (watermarkMs !== undefined) activePublisher.publishWatermark({ watermarkMs, partitions });
          }, options.watermarks!.intervalMs)
        : undefined;
    stopping.signal.addEventListener('abort', () => clearInterval(watermarkTimer), { once: true });
    const publish = (tweet: ObservedTweet): Promise<void> => {
      const acked = activePublisher.publish(tweet);
      // A rejection only means the producer stopped first; the mark was not saved, so a restart catches it up.
      acked.catch((error: unknown) => {
        if (!(error instanceof PublisherClosedError))
          log.error(`Tweet ${tweet.id} not published: ${errorMessage(error)}`, { tweetId: tweet.id, topic });
      });
      return acked;
    };
    // On disk before anything else happens to it; never rejects: a spool that cannot be written is reported, and
    // the post goes on to Kafka without its durable copy rather than being held back.
    let spoolErrorAtMs = 0;
    const spoolWritten = async (tweet: ObservedTweet): Promise<void> => {
      try {
        await options.spool?.append(tweet);
      } catch (error) {
        if (Date.now() - spoolErrorAtMs >= 10_000) {
          spoolErrorAtMs = Date.now();
          log.error(`${errorMessage(error)}: publishing without a durable copy until it can be written again`);
        }
      }
    };
    const waitForRoom = async (): Promise<void> => {
      await options.spool?.waitForRoom();
      await activePublisher.waitForRoom();
    };

    // What the last run received and Kafka never acknowledged goes first, before anything is read.
    const leftOver = options.spool?.pending() ?? [];
    if (leftOver.length > 0)
      log.info(
        `Republishing ${leftOver.length} post(s) from the spool that Kafka had not acknowledged before the last stop`,
      );
    for (const tweet of leftOver) {
      if (stopping.signal.aborted) break;
      replayed.add(tweet);
      counters.replayed++;
      void publish(tweet).catch(() => undefined);
      if (!activePublisher.hasRoom()) await unlessAborted(activePublisher.waitForRoom(), stopping.signal);
    }

    if (settings) {
      refreshFollowed();
      catchUp = new CatchUp({
        watermarks,
        readTimeline: settings.readTimeline,
        newestPostId: settings.newestPostId,
        users: () => [...refreshFollowed()],
        publish: async (tweet) => {
          // Read from a timeline rather than the stream, but received all the same (once on disk): logged like the stream's.
          await spoolWritten(tweet);
          if (logEachTweet)
            log.info(`Received tweet #${tweet.id} from @${tweet.authorUsername ?? '?'}[${tweet.authorId}] (timeline)`, {
              tweetId: tweet.id,
              authorId: tweet.authorId,
              source: 'timeline',
            });
          return publish(tweet);
        },
        waitForRoom,
        onBaseline: (user, id) => {
          baselines.set(user, id);
          scheduleSave(0);
        },
        onDone: () => scheduleSave(),
        retry: settings.retry,
        log,
      });
    }

    if (catchUp && settings) {
      // Before the stream opens: users never seen get a baseline, so the first gap already has a mark to start from.
      await catchUp.baselineUnknown(settings.users(), stopping.signal);
      // Saved before reading: a crash right after start must find the baselines, or it would take new ones later.
      const initial = new Map(baselines);
      if (
        initial.size > 0 &&
        (await untilDone(
          `save baselines to ${settings.progressTopic}`,
          () => saveProgress(producer, settings.progressTopic, initial),
          stopping.signal,
          log,
        ))
      ) {
        watermarks.markSaved(initial);
        for (const user of initial.keys()) baselines.delete(user);
      }
    }

    let failure: unknown;
    let sourceFailures = 0;
    while (!stopping.signal.aborted) {
      const session = new AbortController();
      const onStop = (): void => session.abort();
      stopping.signal.addEventListener('abort', onStop, { once: true });
      let paused = false;
      try {
        for await (const item of options.source.tweets(session.signal, {
          onConnected: () => {
            catchUp?.trigger();
            clock?.onConnected();
          },
          onDisconnected: () => clock?.onDisconnected(),
        })) {
          counters.received++;
          const checked = validateObservedTweet(item);
          if (!checked.ok) {
            counters.skipped++;
            log.warn(
              `Skipped a stream item that is not a usable tweet (${checked.reason}): ${JSON.stringify(item)?.slice(0, 200)}`,
            );
            continue;
          }
          const tweet = checked.value;
          // Received once it is on disk: a kill from then on cannot lose it. Writes complete in order, so the
          // publication order is the stream's; the stream is read at most the spool's window ahead of the disk.
          inTransit++;
          const received = spoolWritten(tweet).then(() => {
            inTransit--;
            if (logEachTweet)
              log.info(`Received tweet #${tweet.id} from @${tweet.authorUsername ?? '?'}[${tweet.authorId}]`, {
                tweetId: tweet.id,
                authorId: tweet.authorId,
              });
            if (followed.has(tweet.authorId)) watermarks.noteReceived(tweet.authorId, tweet.id);
            void publish(tweet).catch(() => undefined);
          });
          // The room checks below must see every post read so far in the publisher: wait for the disk when the
          // publisher may be full (or the disk is a window behind); otherwise read on while it writes.
          const spoolFull = options.spool !== undefined && !options.spool.hasRoom();
          if (spoolFull || inTransit + activePublisher.unacknowledged() >= maxQueued)
            await unlessAborted(received, session.signal);
          if (activePublisher.hasRoom()) continue;
          if (!catchUp) {
            // A replay cannot be re-read from where it was: backpressure only, the file waits.
            await activePublisher.waitForRoom();
            continue;
          }
          // Backpressure while Kafka is only slower than the stream; once it refuses, a pause (below).
          while (!activePublisher.hasRoom() && !activePublisher.isFailing() && !session.signal.aborted) {
            await Promise.race([activePublisher.waitForRoom(), abortableSleep(500, session.signal)]);
          }
          if (activePublisher.hasRoom() || session.signal.aborted) continue;
          // Kafka refuses and the queue is full: stop reading (closing the connection) rather than buffer without
          // bound; what is posted meanwhile is caught up from the timelines when reading resumes.
          paused = true;
          counters.readingPauses++;
          log.warn(
            `Kafka is refusing records and ${activePublisher.unacknowledged()} are waiting: stopped reading ${options.source.description} until it accepts them`,
          );
          break;
        }
      } catch (error) {
        if (!session.signal.aborted) {
          // X down or refusing for a while (rules sync, 5xx, network): try again later; a bad token ends the producer.
          if ((error as { retryable?: boolean } | null)?.retryable === true) {
            sourceFailures++;
            const delayMs = Math.min(60_000, 1000 * 2 ** Math.min(sourceFailures, 10));
            log.warn(`${options.source.description} failed (${errorMessage(error)}): reconnecting in ${delayMs} ms`);
            await abortableSleep(delayMs, stopping.signal);
            continue;
          }
          failure = error;
        }
      } finally {
        stopping.signal.removeEventListener('abort', onStop);
        session.abort();
        clock?.onDisconnected();
      }
      sourceFailures = 0;
      if (failure || stopping.signal.aborted) break;
      if (!paused) break; // the source is exhausted (a replay)
      // Resume once Kafka acknowledges again and there is room: not merely room, which a request in flight makes
      // while the broker is still down (reconnecting then would churn the stream connection all through the outage).
      await Promise.race([
        activePublisher.waitUntilAccepting().then(() => activePublisher.waitForRoom()),
        new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true })),
      ]);
      if (!stopping.signal.aborted)
        log.info(`Kafka accepts records again: reading ${options.source.description} again, catching up the gap`);
    }
    return await finish(failure);

    async function finish(error?: unknown): Promise<ProducerStats> {
      clearInterval(watermarkTimer);
      await catchUp?.stop();
      // Posts still on their way to the disk reach the publisher first (one more turn runs their callbacks).
      await options.spool?.settled();
      await new Promise((resolve) => setImmediate(resolve));
      if (publisher) {
        const flushed = await publisher.flush(options.stopGraceMs ?? 5_000);
        if (!flushed) {
          log.warn(
            `${publisher.unacknowledged()} tweet(s) not acknowledged by Kafka within the grace period: dropped from memory; ` +
              (options.spool
                ? `they stay in the spool and are republished at the next start`
                : `followed users' posts among them are caught up from their timelines at the next start`),
          );
        }
        await publisher.close();
        clearTimeout(saveTimer);
        // A save in progress while Kafka is down would hold the exit for its retries: wait briefly only.
        await Promise.race([saving, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
        if (flushed && settings) {
          const marks = new Map([...baselines, ...watermarks.dueForSave()]);
          await saveProgress(producer, settings.progressTopic, marks).catch(() => undefined);
        }
      }
      await producer.disconnect().catch(() => undefined);
      if (error) throw new Error(`The producer stopped: ${errorMessage(error)}`);
      return stats();
    }
  };

  log.info(`Producer publishing ${options.source.description} to ${topic}`, { topic });
  const done = run();
  done.catch(() => undefined);
  return Promise.resolve({
    stop: async () => {
      stopping.abort();
      return await done;
    },
    done,
    stats,
    caughtUp: async () => {
      await catchUp?.idle();
    },
    followed: (users) => {
      refreshFollowed();
      catchUp?.follow(users);
    },
  });
}
