/**
 * The tweets producer (the successor of `tweets_producer.py`): reads tweets from a source (the X filtered stream,
 * or a JSON-lines replay file) and publishes each to Kafka, keyed by tweet id, through an idempotent producer.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { validateObservedTweet } from '../domain/observed-tweet';
import { consoleLog, errorMessage, type Log } from '../kafka/log';
import { TweetPublisher } from '../kafka/tweet-publisher';
import { TWEETS_TOPIC } from '../shared/names';

/** Where tweets come from. Items are untrusted: each is validated as an `ObservedTweet` before it is published. */
export interface TweetSource {
  /** For logs: "the X filtered stream", "replay of tweets.jsonl". */
  readonly description: string;
  /** The tweets; the iteration ends when the source is exhausted or `signal` aborts. */
  tweets(signal: AbortSignal): AsyncIterable<unknown>;
}

export interface ProducerOptions {
  kafka: Kafka;
  source: TweetSource;
  topic?: string;
  /** Log `Received tweet #<id> from @<screen name>[<user id>]` per tweet, like the original (default true). */
  logEachTweet?: boolean;
  log?: Log;
}

export interface ProducerStats {
  /** Items the source delivered. */
  received: number;
  /** Tweets the broker acknowledged. */
  published: number;
  /** Items skipped as not a tweet (no id, no author, wrong types). */
  skipped: number;
}

export interface ProducerHandle {
  /** Stops reading the source, flushes what is in flight, disconnects; resolves with the final counts. */
  stop(): Promise<ProducerStats>;
  /** Settles when the producer ended by itself (source exhausted: resolves; source or Kafka failure: rejects). */
  done: Promise<ProducerStats>;
  stats(): ProducerStats;
}

/** Connects an idempotent producer and starts publishing the source's tweets to `tweets`. */
export async function startProducer(options: ProducerOptions): Promise<ProducerHandle> {
  const log = options.log ?? consoleLog;
  const logEachTweet = options.logEachTweet ?? true;
  const producer = options.kafka.producer({
    idempotent: true,
    // One request in flight keeps the idempotent producer's per-partition sequence simple; batching makes up for it.
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const publisher = new TweetPublisher(producer, options.topic ?? TWEETS_TOPIC);
  const abort = new AbortController();
  const counters = { received: 0, skipped: 0 };
  const stats = (): ProducerStats => ({ ...counters, published: publisher.acknowledged() });
  let failure: unknown;

  const run = async (): Promise<ProducerStats> => {
    try {
      for await (const item of options.source.tweets(abort.signal)) {
        counters.received++;
        const checked = validateObservedTweet(item);
        if (!checked.ok) {
          counters.skipped++;
          log.warn(`Skipped a stream item that is not a usable tweet (${checked.reason}): ${JSON.stringify(item)?.slice(0, 200)}`);
          continue;
        }
        const tweet = checked.value;
        if (logEachTweet) log.info(`Received tweet #${tweet.id} from @${tweet.authorUsername ?? '?'}[${tweet.authorId}]`);
        publisher.publish(tweet).catch((error: unknown) => {
          // A record Kafka refused after its retries: stop rather than lose tweets silently.
          failure ??= error;
          abort.abort();
        });
        await publisher.waitForRoom();
        if (failure) break;
      }
    } catch (error) {
      if (!abort.signal.aborted) failure ??= error;
    } finally {
      await publisher.flush();
      await producer.disconnect();
    }
    if (failure) throw new Error(`The producer stopped: ${errorMessage(failure)}`);
    return stats();
  };

  log.info(`Producer publishing ${options.source.description} to ${publisher.topic}`);
  const done = run();
  done.catch(() => undefined);
  return {
    stop: async () => {
      abort.abort();
      return await done;
    },
    done,
    stats,
  };
}
