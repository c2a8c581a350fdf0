/** The producer's series: the stream connection, what it published, its catch-ups after gaps, and its spool. */
import type { Registry } from 'prom-client';
import type { ProducerHandle, TweetSource } from '../producer/producer';
import type { ProducerSpool } from '../producer/spool';
import { counter, counterFrom, gauge, gaugeFrom } from './registry';
import type { XMetrics } from './x-metrics';

/** The producer's monotonic counts, each exported as a counter. */
type CountedStat = 'received' | 'published' | 'skipped' | 'catchUpRuns' | 'caughtUp' | 'readingPauses';

/**
 * The X stream source with its connection reported: `stream_connected` (1 while connected),
 * `stream_reconnects_total` (every connection after the first), and each post it delivers counted as a billed read
 * in the X series.
 */
export function instrumentSource(source: TweetSource, registry: Registry, x?: XMetrics): TweetSource {
  const connected = gauge(registry, 'producer_stream_connected', '1 while the X filtered stream is connected');
  const reconnects = counter(registry, 'producer_stream_reconnects_total', 'Connections to the stream after the first');
  let connections = 0;
  return {
    description: source.description,
    async *tweets(signal, hooks) {
      const inner = source.tweets(signal, {
        ...hooks,
        onConnected: () => {
          if (connections++ > 0) reconnects.inc();
          connected.set(1);
          hooks?.onConnected?.();
        },
        onDisconnected: () => {
          connected.set(0);
          hooks?.onDisconnected?.();
        },
      });
      try {
        for await (const item of inner) {
          const id = (item as { id?: unknown } | null)?.id;
          if (typeof id === 'string') x?.postsRead('stream', [id]);
          yield item;
        }
      } finally {
        connected.set(0); // reading stopped: a pause while Kafka refuses, the end of a session, or the stop
      }
    },
  };
}

/** Registers the producer's counts, read from its `stats()` at scrape time. */
export function observeProducer(registry: Registry, producer: Pick<ProducerHandle, 'stats'>): void {
  const stats = () => producer.stats();
  // Each counter reads one monotonic field of the producer's stats.
  const counters: Record<CountedStat, [name: string, help: string]> = {
    received: ['producer_tweets_received_total', 'Items the source delivered'],
    published: ['producer_tweets_published_total', 'Tweets Kafka acknowledged, caught-up ones included'],
    skipped: ['producer_items_skipped_total', 'Source items skipped as not a usable tweet'],
    catchUpRuns: ['producer_catch_up_runs_total', 'Timeline catch-ups started (one after each gap)'],
    caughtUp: ['producer_caught_up_tweets_total', 'Posts read from timelines after gaps and published'],
    readingPauses: ['producer_reading_pauses_total', 'Times reading stopped: Kafka refused and the queue was full'],
  };
  for (const [field, [name, help]] of Object.entries(counters)) {
    counterFrom(registry, name, help, () => stats()[field as CountedStat]);
  }
  gaugeFrom(registry, 'producer_kafka_failing', '1 while Kafka refuses records', () => (stats().kafkaFailing ? 1 : 0));
}

/** Registers the spool's depth: posts on disk that Kafka has not acknowledged yet (what a crash would republish). */
export function observeSpool(registry: Registry, spool: Pick<ProducerSpool, 'stats'>): void {
  const stats = () => spool.stats();
  const outstanding = () => stats().outstanding;
  gaugeFrom(registry, 'producer_spool_outstanding', 'Posts in the spool not yet acknowledged by Kafka', outstanding);
  gaugeFrom(registry, 'producer_spool_segments', 'Segment files of the spool', () => stats().segments);
  counterFrom(registry, 'producer_spool_appended_total', 'Posts written to the spool', () => stats().appended);
  counterFrom(
    registry,
    'producer_spool_compactions_total',
    'Times the spool was emptied, everything in it acknowledged',
    () => stats().compactions,
  );
}
