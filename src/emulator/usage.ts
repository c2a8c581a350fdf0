import type { EndpointKey } from './rate-limits';

/** X's pay-per-use price of one post read, in US dollars. */
export const PRICE_PER_POST_READ_USD = 0.005;

/** What one UTC day cost, as X's pay-per-use billing counts it. */
export interface UsageDay {
  /** UTC day (YYYY-MM-DD) of simulated time. */
  day: string;
  /** Requests to each X endpoint, answered or refused. */
  requests: Record<EndpointKey, number>;
  /** Requests answered 429 (rate limit, usage cap, too many connections). */
  refused: number;
  /** Posts returned (lookup and timeline `data`) or delivered by the stream, billed or not. */
  postReads: number;
  /** Posts billed: a post read again the same day is billed once; every streamed post is billed. */
  billedPostReads: number;
  estimatedCostUsd: number;
}

const emptyRequests = (): Record<EndpointKey, number> => ({
  tweets: 0,
  timeline: 0,
  users: 0,
  'rules-get': 0,
  'rules-post': 0,
  stream: 0,
});

/**
 * The emulator's billing ground truth. Days and months are those of simulated time, so a benchmark that steps
 * the clock through a simulated day sees one day's bill (with the real-time clock they follow the wall clock).
 */
export class UsageLedger {
  private readonly days = new Map<string, UsageDay & { seen: Set<string> }>();
  private readonly billedByMonth = new Map<string, number>();

  constructor(
    private readonly nowMs: () => number,
    /** Billed post reads allowed per calendar month before X answers UsageCapExceeded. */
    private monthlyPostCap: number = Number.POSITIVE_INFINITY,
  ) {}

  setMonthlyPostCap(cap: number): void {
    this.monthlyPostCap = cap;
  }

  /** True when this month's billed post reads reached the cap. */
  capReached(): boolean {
    return (this.billedByMonth.get(this.today().slice(0, 7)) ?? 0) >= this.monthlyPostCap;
  }

  countRequest(endpoint: EndpointKey): void {
    this.entry().requests[endpoint]++;
  }

  countRefused(): void {
    this.entry().refused++;
  }

  /** Bills posts returned by a lookup or a timeline page: once per post per day. */
  readPosts(ids: readonly string[]): void {
    const day = this.entry();
    for (const id of ids) {
      day.postReads++;
      if (!day.seen.has(id)) {
        day.seen.add(id);
        this.bill(day, 1);
      }
    }
  }

  /** Bills a post the filtered stream delivered: always, and a lookup of it later that day is then free. */
  streamPost(id: string): void {
    const day = this.entry();
    day.postReads++;
    day.seen.add(id);
    this.bill(day, 1);
  }

  /** The totals of `day` (default: today in simulated time). */
  usage(day: string = this.today()): UsageDay {
    const entry = this.days.get(day);
    if (!entry)
      return { day, requests: emptyRequests(), refused: 0, postReads: 0, billedPostReads: 0, estimatedCostUsd: 0 };
    const { day: name, requests, refused, postReads, billedPostReads, estimatedCostUsd } = entry;
    return { day: name, requests: { ...requests }, refused, postReads, billedPostReads, estimatedCostUsd };
  }

  /** Every day with activity, oldest first. */
  allDays(): UsageDay[] {
    return [...this.days.keys()].sort().map((day) => this.usage(day));
  }

  private bill(day: UsageDay, posts: number): void {
    day.billedPostReads += posts;
    // Counted in thousandths of a dollar (integers), so the total never drifts by float rounding.
    day.estimatedCostUsd = (day.billedPostReads * Math.round(PRICE_PER_POST_READ_USD * 1000)) / 1000;
    const month = day.day.slice(0, 7);
    this.billedByMonth.set(month, (this.billedByMonth.get(month) ?? 0) + posts);
  }

  private today(): string {
    return new Date(this.nowMs()).toISOString().slice(0, 10);
  }

  private entry(): UsageDay & { seen: Set<string> } {
    const day = this.today();
    let entry = this.days.get(day);
    if (!entry) {
      entry = {
        day,
        requests: emptyRequests(),
        refused: 0,
        postReads: 0,
        billedPostReads: 0,
        estimatedCostUsd: 0,
        seen: new Set(),
      };
      this.days.set(day, entry);
    }
    return entry;
  }
}
