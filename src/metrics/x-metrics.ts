/** X API series of one process: what its X client sent and what X answered, and the posts it read today. */
import { Gauge, type Registry } from 'prom-client';
import { UTC_DAY_MS } from '../domain/refresh-budget';
import { USD_PER_POST_READ } from '../workflows/tracking-state';
import type { XRequestEvent, XRequestObserver } from '../x/request-observer';
import { counter, gauge, PREFIX } from './registry';

/** Posts by how this process read them: REST answers (lookups, timelines) or the filtered stream. */
export type PostSource = 'lookup' | 'timeline' | 'stream';

export interface XMetrics extends XRequestObserver {
  /** Posts read outside a REST answer (the filtered stream): billed reads too. */
  postsRead(source: PostSource, ids: readonly string[]): void;
}

/**
 * Posts this process read in the current UTC day, each counted once: X bills a post read once per UTC day. The
 * set holds one day's ids at most (about 40 bytes each: 200,000 reads a day are 8 MB).
 */
class DailyReads {
  private dayStartMs = 0;
  private readonly ids = new Set<string>();

  add(ids: readonly string[], nowMs: number): void {
    this.roll(nowMs);
    for (const id of ids) this.ids.add(id);
  }

  count(nowMs: number): number {
    this.roll(nowMs);
    return this.ids.size;
  }

  private roll(nowMs: number): void {
    const day = Math.floor(nowMs / UTC_DAY_MS) * UTC_DAY_MS;
    if (day === this.dayStartMs) return;
    this.dayStartMs = day;
    this.ids.clear();
  }
}

const sourceOf = (endpoint: string): PostSource =>
  endpoint.endsWith('/tweets') && endpoint.includes('/users/') ? 'timeline' : 'lookup';

/** Registers the X series on `registry`; the result goes to `createXClient` as its request observer. */
export function createXMetrics(registry: Registry, now: () => number = Date.now): XMetrics {
  const registers = [registry];
  const requests = counter(
    registry,
    'x_requests_total',
    'REST requests to X by endpoint and status (2xx, an HTTP error code, or network)',
    ['endpoint', 'status'],
  );
  const rateLimited = counter(registry, 'x_rate_limited_total', 'Requests X refused with 429', ['endpoint']);
  const remaining = gauge(
    registry,
    'x_rate_limit_remaining',
    'Requests X says are left in the current window (x-rate-limit-remaining of the last answer): the X budget',
    ['endpoint'],
  );
  const limit = gauge(registry, 'x_rate_limit_limit', 'Requests X allows per window (x-rate-limit-limit)', [
    'endpoint',
  ]);
  const reset = gauge(
    registry,
    'x_rate_limit_reset_timestamp_seconds',
    'When the current X rate-limit window resets (x-rate-limit-reset), Unix seconds',
    ['endpoint'],
  );
  const posts = counter(registry, 'x_posts_read_total', 'Posts X delivered to this process, by source', ['source']);
  const today = new DailyReads();
  new Gauge({
    name: `${PREFIX}x_billed_post_reads_today`,
    help: 'Distinct posts this process read in the current UTC day (X bills a post once a day)',
    registers,
    collect() {
      this.set(today.count(now()));
    },
  });
  new Gauge({
    name: `${PREFIX}x_estimated_cost_usd_today`,
    help: `Billed post reads today times X's pay-per-use price ($${USD_PER_POST_READ} a post), this process's share`,
    registers,
    collect() {
      this.set(Math.round(today.count(now()) * USD_PER_POST_READ * 1000) / 1000);
    },
  });

  const postsRead = (source: PostSource, ids: readonly string[]): void => {
    if (ids.length === 0) return;
    posts.inc({ source }, ids.length);
    today.add(ids, now());
  };
  return {
    request: ({ endpoint, status, rateLimit, postIds }: XRequestEvent) => {
      requests.inc({ endpoint, status });
      if (status === '429') rateLimited.inc({ endpoint });
      if (rateLimit) {
        remaining.set({ endpoint }, rateLimit.remaining);
        limit.set({ endpoint }, rateLimit.limit);
        reset.set({ endpoint }, rateLimit.resetMs / 1000);
      }
      postsRead(sourceOf(endpoint), postIds);
    },
    postsRead,
  };
}
