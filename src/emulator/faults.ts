/** A scripted failure for the next requests to the X endpoints (the admin API is never affected). */
export interface FailureFault {
  count: number;
  status: number;
  /** For 429: seconds until the advertised `x-rate-limit-reset`. */
  resetSeconds?: number;
}

/** Failures, delays and drops that tests switch on through the admin API. */
export class Faults {
  private failures: FailureFault[] = [];
  private delay: { ms: number; remaining: number } | undefined;

  /** Answers the next `count` requests with `status` (429 and 503 are the useful ones). */
  failNext(fault: FailureFault): void {
    this.failures.push({ ...fault });
  }

  /** Delays the next `count` requests (all of them when count is omitted) by `ms`. */
  delayNext(ms: number, count: number = Number.POSITIVE_INFINITY): void {
    this.delay = ms > 0 && count > 0 ? { ms, remaining: count } : undefined;
  }

  clear(): void {
    this.failures = [];
    this.delay = undefined;
  }

  /** Consumes the delay for one request (0 when none). */
  takeDelay(): number {
    if (!this.delay) return 0;
    const { ms } = this.delay;
    if (--this.delay.remaining <= 0) this.delay = undefined;
    return ms;
  }

  /** Consumes the failure for one request, if any is pending. */
  takeFailure(): FailureFault | undefined {
    const fault = this.failures[0];
    if (!fault) return undefined;
    if (--fault.count <= 0) this.failures.shift();
    return fault;
  }
}
