/** The worker's own series (Temporal's are on the core runtime's endpoint): ticks, their lag, tracked tweets. */
import { Histogram, type Registry } from 'prom-client';
import type { ActivityMetrics } from '../activities';
import { counter, gauge, PREFIX } from './registry';

/** Tick lag buckets, seconds: a healthy file is written well within a second; 45 s is 3/4 of a 60 s tick. */
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 45, 60, 120];

/** Registers the tick series on `registry`; the result goes to `createActivities` as its metrics. */
export function createTickMetrics(registry: Registry): ActivityMetrics {
  const registers = [registry];
  const written = counter(registry, 'ticks_written_total', 'Tick files (counts-<tick>.txt) written');
  const lag = new Histogram({
    name: `${PREFIX}tick_lag_seconds`,
    help: "Seconds from a tick's boundary to its file being written",
    buckets: LAG_BUCKETS,
    registers,
  });
  const lastLag = gauge(registry, 'last_tick_lag_seconds', 'Tick lag of the last file written');
  const lastTick = gauge(
    registry,
    'last_tick_timestamp_seconds',
    'Boundary of the last tick whose file was written, Unix seconds (alert when it falls behind time())',
  );
  const tracked = gauge(registry, 'tracked_tweets', 'Tweets in the last file written (the tracked tweets)');
  const reports = counter(registry, 'reports_written_total', 'Top-5 reports written');
  const unconfirmed = gauge(
    registry,
    'changelog_unconfirmed_ticks',
    'Ticks whose counts changelog rows Kafka had not confirmed at the last refresh (the workflow keeps them)',
  );
  return {
    tickWritten: ({ tickMs, writtenAtMs, tweets }) => {
      const seconds = Math.max(0, writtenAtMs - tickMs) / 1000;
      written.inc();
      lag.observe(seconds);
      lastLag.set(seconds);
      lastTick.set(tickMs / 1000);
      tracked.set(tweets);
    },
    reportWritten: () => reports.inc(),
    changelogUnconfirmed: (ticks) => unconfirmed.set(ticks),
  };
}
