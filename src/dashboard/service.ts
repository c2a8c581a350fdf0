/** The dashboard service: store, changelog consumers, status poller, alert webhook and HTTP server, wired. */
import type { AddressInfo } from 'node:net';
import { createKafka } from '../kafka/client';
import { ensureChangelogTopics } from '../kafka/changelog';
import type { Log } from '../shared/log';
import type { DashboardConfig } from './config';
import { EventHub } from './events';
import { ChangelogIngest } from './ingest';
import { createDashboardServer } from './server';
import { StatusPoller } from './status';
import { DashboardStore } from './store';
import { WebhookNotifier } from './webhook';

export interface RunningDashboard {
  url: string;
  store: DashboardStore;
  /** Resolves if a consumer gave up: the process should exit and be restarted. */
  crashed: Promise<Error>;
  /** Stops serving, consuming and polling, then closes the store (one shutdown path). */
  stop(): Promise<void>;
}

/** Pages hear of new counts at most this often: a replay of history is thousands of batches a second. */
const COUNTS_EVENT_MS = 500;

/** Starts every part of the dashboard and resolves once it serves. */
export async function startDashboard(config: DashboardConfig, log: Log): Promise<RunningDashboard> {
  const store = await DashboardStore.open({ path: config.dbPath, alertRules: config.alertRules });
  const kafka = createKafka(config.kafka);
  await ensureChangelogTopics(kafka, config.topics);
  const hub = new EventHub();
  const notifier = config.webhookUrl
    ? new WebhookNotifier({ url: config.webhookUrl, store, rules: config.alertRules, log })
    : undefined;
  const poller = new StatusPoller(config, kafka, (status) => hub.send('status', status), log);

  let countsTimer: NodeJS.Timeout | undefined;
  const ingest = new ChangelogIngest({
    kafka,
    groupId: config.groupId,
    topics: config.topics,
    store,
    log,
    onCounts: (result) => {
      if (result.fired.length) {
        for (const a of result.fired)
          log.info(`alert ${a.rule} fired for tweet ${a.tweetId} at ${a.count} retweets`, {
            rule: a.rule,
            tweetId: a.tweetId,
          });
        hub.send('alert', result.fired);
        notifier?.wake();
      }
      if (result.inserted && !countsTimer)
        countsTimer = setTimeout(() => ((countsTimer = undefined), hub.send('counts')), COUNTS_EVENT_MS);
    },
    onReport: (report) => hub.send('report', { atMs: report.atMs }),
  });

  const server = createDashboardServer({
    store,
    hub,
    // A demo with a fast clock ticks every few seconds: its "last minute" is its last tick.
    tickMs: () => config.tickMs ?? (poller.current().workflow?.tickSeconds ?? 60) * 1000,
    rules: config.alertRules,
    instanceId: config.instanceId,
    status: () => poller.current(),
    ingestStats: () => ingest.stats,
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  await ingest.start();
  poller.start();
  notifier?.start();
  log.info(`dashboard ${config.instanceId} listening on ${url} (store ${config.dbPath}, group ${config.groupId})`, {
    url,
    groupId: config.groupId,
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearTimeout(countsTimer);
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ingest.stop();
      await Promise.all([poller.stop(), notifier?.stop()]);
      await store.close();
    })());
  return { url, store, crashed: ingest.crashed, stop };
}
