/**
 * The dashboard's series, served on its own HTTP port: what it ingested, and the tracking status it polls (the
 * workflow's `status` query and the bridge's lag). The billed reads and cost here are the workflow's: stream posts
 * and lookups of every process, each post billed once a UTC day.
 */
import type { Registry } from 'prom-client';
import type { IngestStats } from '../dashboard/ingest';
import type { DashboardStatus, WorkflowStatus } from '../dashboard/status';
import { counterFrom, createProcessRegistry, gaugeFrom } from './registry';

export interface DashboardSources {
  status(): DashboardStatus;
  ingestStats(): IngestStats;
}

type Series = Array<[name: string, help: string, read: () => number]>;

/** A registry whose series are read from the dashboard's status and ingest counts at scrape time. */
export function createDashboardMetrics(sources: DashboardSources): Registry {
  const registry = createProcessRegistry();
  const ingest = () => sources.ingestStats();
  const status = () => sources.status();
  const counters: Series = [
    ['dashboard_changelog_records_total', 'Changelog records consumed', () => ingest().records],
    ['dashboard_counts_inserted_total', 'Count changes stored', () => ingest().inserted],
    ['dashboard_malformed_records_total', 'Changelog records that could not be read', () => ingest().malformed],
    ['dashboard_reports_total', 'Top-5 reports stored', () => ingest().reports],
  ];
  // NaN while not known (the workflow or Kafka did not answer the last poll): no value rather than a false zero.
  const workflow = (read: (w: WorkflowStatus) => number | undefined) => () => {
    const w = status().workflow;
    return (w && read(w)) ?? NaN;
  };
  const gauges: Series = [
    ['workflow_tracked_tweets', "Tracked tweets, from the workflow's status", workflow((w) => w.trackedTweets)],
    [
      'workflow_overdue_tweets',
      'Tracked tweets staler than the bound that the X budget cannot cover',
      workflow((w) => w.overdueTweets),
    ],
    [
      'workflow_billed_post_reads_today',
      'Posts X bills today (stream and lookups), from the workflow',
      workflow((w) => w.billedPostReadsToday),
    ],
    [
      'workflow_estimated_cost_usd_today',
      "X's estimated bill today in USD, from the workflow",
      workflow((w) => w.estimatedCostUsdToday),
    ],
    ['workflow_x_requests_today', 'Lookup requests the workflow sent to X today', workflow((w) => w.xRequestsToday)],
    ['kafka_bridge_lag', 'Records of `tweets` the bridge group has not committed', () => status().bridgeLag ?? NaN],
    ['kafka_dead_letters_retained', 'Records retained in the dead-letter topic', () => status().deadLetters ?? NaN],
  ];
  for (const [name, help, read] of counters) counterFrom(registry, name, help, read);
  for (const [name, help, read] of gauges) gaugeFrom(registry, name, help, read);
  return registry;
}
