import type { EndpointKey } from './rate-limits';

/** A scripted failure for the next requests to the X endpoints (the admin API is never affected). */
export interface FailureFault {
  count: number;
  status: number;
  /** For 429: seconds until the advertised `x-rate-limit-reset`. */
  resetSeconds?: number;
  /** Only requests to this endpoint (default: any X endpoint). */
  endpoint?: EndpointKey;
}

/** Requests to hang: accepted, then never answered (a half-open connection), so clients must time out. */
export interface HangFault {
  count: number;
  /** Only requests to this endpoint (default: tweet lookups, where a client timeout matters). */
  endpoint: EndpointKey;
}

/** Failures, delays, hangs and refused ids that tests switch on through the admin API. */
export class Faults {
  private failures: FailureFault[] = [];
  private hangs: HangFault[] = [];
  private delay: { ms: number; remaining: number } | undefined;
  private readonly rejected = new Set<string>();

  /** Answers the next `count` requests (to `endpoint`, if given) with `status` (429 and 503 are the useful ones). */
  failNext(fault: FailureFault): void {
    this.failures.push({ ...fault });
  }

  /** Hangs the next `count` requests to `endpoint`. */
  hangNext(fault: HangFault): void {
    if (fault.count > 0) this.hangs.push({ ...fault });
  }

  /** Delays the next `count` requests (all of them when count is omitted) by `ms`. */
  delayNext(ms: number, count: number = Number.POSITIVE_INFINITY): void {
    this.delay = ms > 0 && count > 0 ? { ms, remaining: count } : undefined;
  }

  /** Well-formed ids that `GET /2/tweets` refuses with 400 as if they were malformed, until cleared. */
  rejectIds(ids: readonly string[]): void {
    for (const id of ids) this.rejected.add(id);
  }

  isRejected(id: string): boolean {
    return this.rejected.has(id);
  }

  clear(): void {
    this.failures = [];
    this.hangs = [];
    this.delay = undefined;
    this.rejected.clear();
  }

  /** Consumes the delay for one request (0 when none). */
  takeDelay(): number {
    if (!this.delay) return 0;
    const { ms } = this.delay;
    if (--this.delay.remaining <= 0) this.delay = undefined;
    return ms;
  }

  /** Consumes the first pending failure that applies to `endpoint`, if any. */
  takeFailure(endpoint: EndpointKey | undefined): FailureFault | undefined {
    return take(this.failures, (fault) => fault.endpoint === undefined || fault.endpoint === endpoint);
  }

  /** Consumes a hang for a request to `endpoint`; true when the request must never be answered. */
  takeHang(endpoint: EndpointKey | undefined): boolean {
    return take(this.hangs, (fault) => fault.endpoint === endpoint) !== undefined;
  }
}

function take<T extends { count: number }>(queue: T[], applies: (fault: T) => boolean): T | undefined {
  const index = queue.findIndex(applies);
  if (index < 0) return undefined;
  const fault = queue[index];
  if (--fault.count <= 0) queue.splice(index, 1);
  return fault;
}
