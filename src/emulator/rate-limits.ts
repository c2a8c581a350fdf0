/** A limit of `limit` requests per `windowSeconds`, as X applies per endpoint and app. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** The endpoints the emulator limits separately. */
export type EndpointKey = 'tweets' | 'timeline' | 'users' | 'rules-get' | 'rules-post' | 'stream';

/** The outcome of counting one request: the headers to send and whether to answer 429. */
export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

/** Fixed windows per endpoint, opened by the first request, like X's `x-rate-limit-*` headers describe. */
export class RateLimiter {
  private readonly windows = new Map<EndpointKey, { startMs: number; used: number }>();

  constructor(
    private limits: Record<EndpointKey, RateLimit>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Switches to other limits (a plan change) and opens fresh windows, as a new X app would have. */
  setLimits(limits: Record<EndpointKey, RateLimit>): void {
    this.limits = limits;
    this.windows.clear();
  }

  /** The limits in force. */
  current(): Record<EndpointKey, RateLimit> {
    return this.limits;
  }

  /** Counts a request to `key` and returns the headers for its response. */
  take(key: EndpointKey): RateDecision {
    const { limit, windowSeconds } = this.limits[key];
    const nowMs = this.now();
    let window = this.windows.get(key);
    if (!window || nowMs >= window.startMs + windowSeconds * 1000) {
      window = { startMs: nowMs, used: 0 };
      this.windows.set(key, window);
    }
    const allowed = window.used < limit;
    if (allowed) window.used++;
    const headers = {
      'x-rate-limit-limit': String(limit),
      'x-rate-limit-remaining': String(limit - window.used),
      // X sends the reset as epoch seconds; rounding up keeps "retry at reset" from arriving a moment early.
      'x-rate-limit-reset': String(Math.ceil((window.startMs + windowSeconds * 1000) / 1000)),
    };
    return { allowed, headers };
  }
}
