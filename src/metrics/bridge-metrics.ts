/** The bridge's series: what it consumed and signalled, its pauses, and the lag of the partitions it owns. */
import { Gauge, type Registry } from 'prom-client';
import type { Admin, Kafka } from 'kafkajs';
import type { BridgeHandle, PauseReason } from '../bridge/bridge';
import { consumerLag } from '../kafka/consumer-lag';
import { counterFrom, gaugeFrom, PREFIX } from './registry';

export interface BridgeMetricsOptions {
  bridge: Pick<BridgeHandle, 'stats' | 'partitions'>;
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** A scrape waits this long for Kafka's offsets at most, then shows the last lag read (default 3 s). */
  lagTimeoutMs?: number;
}

const PAUSE_REASONS: readonly PauseReason[] = ['temporal-unavailable', 'workflow-closed'];

/**
 * Registers the bridge's series, read from its `stats()` at scrape time. The lag is read from Kafka at scrape time
 * too, for the partitions this instance owns, so the lag of several bridges of one group adds up with `sum()`.
 * Returns what disconnects the admin client the lag is read with.
 */
export function observeBridge(registry: Registry, options: BridgeMetricsOptions): { close(): Promise<void> } {
  const { bridge, kafka, groupId, topic } = options;
  const stats = () => bridge.stats();
  const counters: Array<[name: string, help: string, read: () => number]> = [
    ['bridge_records_received_total', 'Records read from Kafka (redeliveries included)', () => stats().received],
    ['bridge_tweets_delivered_total', 'Tweets in signals Temporal acknowledged: tweets/s', () => stats().delivered],
    ['bridge_signals_total', 'Signals Temporal acknowledged (rate() = signals/s)', () => stats().signals],
    ['bridge_failed_signal_attempts_total', 'Signal attempts that failed', () => stats().failedSignalAttempts],
    ['bridge_dead_letters_total', 'Records written to the dead-letter topic', () => stats().deadLettered],
    ['bridge_dead_letter_failures_total', 'Failed attempts to write dead letters', () => stats().deadLetterFailures],
  ];
  for (const [name, help, read] of counters) counterFrom(registry, name, help, read);
  gaugeFrom(
    registry,
    'bridge_dead_letter_blocked_partitions',
    'Partitions held because their dead letters cannot be written',
    () => stats().deadLetterBlockedPartitions.length,
  );
  new Gauge({
    name: `${PREFIX}bridge_paused`,
    help: 'Whether consumption is paused (1) and why: temporal-unavailable or workflow-closed',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const paused = stats().paused;
      for (const reason of PAUSE_REASONS) this.set({ reason }, paused === reason ? 1 : 0);
    },
  });

  let admin: Admin | undefined;
  let connecting: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> =>
    (connecting ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      admin = client;
      return client;
    })().catch((error: unknown) => {
      connecting = undefined; // the next scrape tries again
      throw error;
    }));
  const timeoutMs = options.lagTimeoutMs ?? 3_000;
  new Gauge({
    name: `${PREFIX}bridge_consumer_lag`,
    help: 'Records of the topic not committed by the group yet, per partition this instance owns',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      try {
        const lag = await Promise.race([
          connected().then((client) => consumerLag(client, groupId, topic)),
          new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
        ]);
        if (!lag) return; // Kafka slow: the last values stand rather than a scrape that times out
        this.reset(); // partitions given away at a rebalance disappear
        for (const partition of bridge.partitions()) {
          this.set({ topic, partition: String(partition) }, lag.get(partition) ?? 0);
        }
      } catch {
        // Kafka unreachable: the last values stand; the bridge itself reports the outage in its log.
      } finally {
        clearTimeout(timer);
      }
    },
  });
  return { close: async () => void (await admin?.disconnect().catch(() => undefined)) };
}
