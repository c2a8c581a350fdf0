/**
 * Delivers fired alerts to ALERT_WEBHOOK_URL: one POST per alert, retried with exponential backoff until the
 * webhook answers 2xx. Fired alerts are rows of the store, so a restart resumes the deliveries it owed and never
 * fires an alert again; the `Idempotency-Key` header lets a receiver drop the rare repeat of a delivery whose
 * acknowledgement was lost to a crash.
 */
import type { Log } from '../shared/log';
import { errorMessage } from '../shared/log';
import type { AlertRule } from './alert-rules';
import { describeRule } from './alert-rules';
import { undeliveredAlerts, type AlertRow } from './queries';
import type { DashboardStore } from './store';

export interface AlertPayload {
  alertId: string;
  rule: string;
  condition: string;
  tweetId: string;
  screenName: string | null;
  count: number;
  minuteMs: number;
  firedAtMs: number;
  tweetUrl: string;
}

export interface WebhookOptions {
  url: string;
  store: DashboardStore;
  rules: AlertRule[];
  log: Log;
  /** First retry delay; doubled per attempt up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** The JSON posted for an alert. */
export function alertPayload(alert: AlertRow, rules: AlertRule[]): AlertPayload {
  const rule = rules.find((r) => r.name === alert.rule);
  return {
    alertId: `${alert.rule}:${alert.tweetId}`,
    rule: alert.rule,
    condition: rule ? describeRule(rule) : alert.rule,
    tweetId: alert.tweetId,
    screenName: alert.screenName,
    count: alert.count,
    minuteMs: alert.minuteMs,
    firedAtMs: alert.firedAtMs,
    tweetUrl: `https://x.com/i/web/status/${alert.tweetId}`,
  };
}

/** One delivery loop: woken after an ingest fired alerts, asleep otherwise. */
export class WebhookNotifier {
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;
  /** Set by a wake-up that came while a round was running: the next round starts at once. */
  private woken = false;

  constructor(private readonly options: WebhookOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** New alerts are in the store: deliver them now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      try {
        const pending = await undeliveredAlerts(this.options.store.reader);
        for (const alert of pending) {
          if (!this.running) return;
          await this.deliver(alert);
        }
        this.failures = 0;
      } catch (error) {
        this.failures++;
        this.options.log.warn(`alert webhook: ${errorMessage(error)}; retrying`);
      }
      const { backoffMs = 500, maxBackoffMs = 30_000 } = this.options;
      await this.sleep(this.failures ? Math.min(maxBackoffMs, backoffMs * 2 ** (this.failures - 1)) : undefined);
    }
  }

  private async deliver(alert: AlertRow): Promise<void> {
    const payload = alertPayload(alert, this.options.rules);
    let error: string | undefined;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': payload.alertId },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (!response.ok) error = `HTTP ${response.status}`;
    } catch (e) {
      error = errorMessage(e);
    }
    await this.options.store.markAlert(alert.rule, alert.tweetId, error ? { error } : { deliveredAtMs: Date.now() });
    // Deliveries stay in fired order: a failure ends this round, and the loop backs off before the next.
    if (error) throw new Error(`${payload.alertId} not delivered (${error})`);
  }

  /** Waits for a wake-up, or `ms` when given. */
  private async sleep(ms: number | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      if (this.woken && ms === undefined) return resolve();
      this.wakeUp = resolve;
      if (ms !== undefined) timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.wakeUp = undefined;
  }
}
