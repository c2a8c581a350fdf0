import {
  DEFAULT_PLANNER_SETTINGS,
  NO_USAGE,
  planRefresh,
  type PlannerSettings,
  type PlannerTweet,
  type PlannerUsage,
  type XBudgetState,
} from '../../src/domain/refresh-planner';
import { isBilledRead, recordUsage } from '../../src/domain/refresh-usage';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** A tick on a minute boundary, mid-day (UTC), so day boundaries do not interfere unless a test wants them. */
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const S = DEFAULT_PLANNER_SETTINGS;

/** Ids of the same length, so their numeric order is their lexical order. */
const id = (n: number): string => String(1_000_000 + n);

/** `n` tweets of various ages, each looked up at `lookedUpAgoMs` before now. */
function tracked(n: number, lookedUpAgoMs = MIN): PlannerTweet[] {
  return Array.from({ length: n }, (_, i) => ({
    id: id(i),
    postedMs: NOW - (i % 500) * 10 * MIN - MIN,
    count: i % 37,
    lastLookupMs: NOW - lookedUpAgoMs,
    lastChangeMs: NOW - lookedUpAgoMs - (i % 7) * MIN,
  }));
}

/** X's window with `remaining` requests left and its reset `resetInMs` away. */
function xBudget(limit: number, remaining: number, resetInMs: number, now = NOW): XBudgetState {
  return { limit, remaining, resetMs: now + resetInMs, observedAtMs: now - MIN };
}

const PRO_FRESH = xBudget(450, 450, 15 * MIN);

describe('planRefresh: budget', () => {
  it('looks up every tweet every tick while the budget covers them all', () => {
    const tweets = tracked(1_000);
    const plan = planRefresh(tweets, NOW, PRO_FRESH, NO_USAGE, S);
    expect(new Set(plan.lookup)).toEqual(new Set(tweets.map((t) => t.id)));
    expect(plan.lookup).toHaveLength(1_000);
    expect(plan.requests).toBe(10);
    expect(plan.budgetRequests).toBe(30); // 450 requests over 15 ticks
    expect(plan.overdue).toBe(0);
    expect(plan.retire).toEqual([]);
  });

  it("plans Basic's share of a window while X has not said its limit, and calls nothing overdue for it", () => {
    const tweets = tracked(20_000, 14 * MIN);
    const first = planRefresh(tweets, NOW, undefined, NO_USAGE, S);
    expect(first.requests).toBe(1);
    expect(first.budgetRequests).toBe(1);
    expect(first.lookup).toHaveLength(100);
    expect(first.overdue).toBe(0);
    const capped = planRefresh(
      tweets,
      NOW,
      undefined,
      { ...NO_USAGE, requestsThisWindow: 10, windowStartMs: NOW - MIN },
      { ...S, maxRequestsPer15Min: 10 },
    );
    expect(capped.requests).toBe(0);
  });

  it('fills whole requests of 100 ids up to the budget', () => {
    const plan = planRefresh(tracked(250), NOW, xBudget(450, 30, 15 * MIN), NO_USAGE, S);
    expect(plan.budgetRequests).toBe(2);
    expect(plan.requests).toBe(2);
    expect(plan.lookup).toHaveLength(200);
    expect(new Set(plan.lookup).size).toBe(200);
  });

  it('spreads what X says is left over the ticks until its reset, and assumes a full window after it', () => {
    const tweets = tracked(20_000);
    expect(planRefresh(tweets, NOW, xBudget(450, 100, 5 * MIN), NO_USAGE, S).requests).toBe(20);
    expect(planRefresh(tweets, NOW, xBudget(450, 100, 4.5 * MIN), NO_USAGE, S).requests).toBe(20); // 5 ticks left
    expect(planRefresh(tweets, NOW, xBudget(450, 3, 5 * MIN), NO_USAGE, S).requests).toBe(0);
    const afterReset = planRefresh(tweets, NOW, xBudget(450, 0, -MIN), NO_USAGE, S);
    expect(afterReset.requests).toBe(30);
    expect(afterReset.budgetRequests).toBe(30);
    // A 429 that came without a limit: nothing until its reset, then one request to learn the limit.
    expect(planRefresh(tweets, NOW, xBudget(0, 0, MIN), NO_USAGE, S).requests).toBe(0);
    expect(planRefresh(tweets, NOW, xBudget(0, 0, -MIN), NO_USAGE, S).requests).toBe(1);
  });

  it('keeps to the user cap on requests per 15 minutes, counted in our own window', () => {
    const tweets = tracked(20_000);
    const usage: PlannerUsage = { ...NO_USAGE, requestsThisWindow: 10, windowStartMs: NOW - 10 * MIN };
    const settings = { ...S, maxRequestsPer15Min: 15 };
    expect(planRefresh(tweets, NOW, PRO_FRESH, usage, settings).requests).toBe(1); // 5 left over 5 ticks
    const spent = { ...usage, requestsThisWindow: 15 };
    expect(planRefresh(tweets, NOW, PRO_FRESH, spent, settings).requests).toBe(0);
    const expired = { ...usage, windowStartMs: NOW - 15 * MIN };
    expect(planRefresh(tweets, NOW, PRO_FRESH, expired, settings).requests).toBe(1); // 15 over a fresh window
  });

  it('keeps to the daily cap on billed reads, where tweets already read today are free', () => {
    const readToday = tracked(300, 2 * MIN);
    const readYesterday = tracked(300, 13 * 60 * MIN).map((t, i) => ({ ...t, id: id(100_000 + i) }));
    const tweets = [...readYesterday, ...readToday];
    const usage: PlannerUsage = { ...NO_USAGE, postReadsToday: 1_000, utcDayStartMs: NOW - 12 * 60 * MIN };
    const spent = planRefresh(tweets, NOW, PRO_FRESH, usage, { ...S, maxPostReadsPerDay: 1_000 });
    // Nothing billable is left today: only the free re-reads, although the request budget would take them all.
    expect(spent.lookup.sort()).toEqual(readToday.map((t) => t.id).sort());
    const some = planRefresh(tweets, NOW, PRO_FRESH, usage, { ...S, maxPostReadsPerDay: 1_000 + 720 * 2 });
    // 1,440 reads left over the 720 ticks of the day's second half: 2 billed reads this tick.
    expect(some.lookup.filter((x) => Number(x) >= Number(id(100_000)))).toHaveLength(2);
    expect(some.lookup).toHaveLength(302);
    // Yesterday's reads do not count against today: 1,000 over 720 ticks, 2 this tick.
    const newDay = planRefresh(
      tweets,
      NOW,
      PRO_FRESH,
      { ...usage, utcDayStartMs: NOW - 36 * 60 * MIN },
      { ...S, maxPostReadsPerDay: 1_000 },
    );
    expect(newDay.lookup).toHaveLength(302);
  });
});

describe('planRefresh: staleness bound', () => {
  /** Runs `ticks` ticks of a world where X's 15-minute window holds `limit` requests; returns the worst staleness. */
  function simulate(tweets: PlannerTweet[], limit: number, ticks: number, settings: PlannerSettings = S) {
    let budget: XBudgetState | undefined = xBudget(limit, limit, 15 * MIN);
    let worstStaleness = 0;
    let worstOverdue = 0;
    for (let k = 0; k < ticks; k++) {
      const now = NOW + k * MIN;
      if (now >= budget.resetMs) budget = { limit, remaining: limit, resetMs: now + 15 * MIN, observedAtMs: now };
      const plan = planRefresh(tweets, now, budget, NO_USAGE, settings);
      expect(plan.requests).toBeLessThanOrEqual(budget.remaining);
      budget = { ...budget, remaining: budget.remaining - plan.requests, observedAtMs: now };
      const looked = new Set(plan.lookup);
      for (const t of tweets) {
        if (looked.has(t.id)) t.lastLookupMs = now;
        worstStaleness = Math.max(worstStaleness, now - (t.lastLookupMs ?? t.postedMs));
      }
      worstOverdue = Math.max(worstOverdue, plan.overdue);
    }
    return { worstStaleness, worstOverdue };
  }

  it('looks up every one of 20,000 tweets at least every 15 minutes on legacy Pro (30 requests a tick)', () => {
    // The worst start: every tweet last looked up in the same minute, so all their deadlines fall together.
    // 31 ticks: two full cycles through the tweets and a window reset.
    const { worstStaleness, worstOverdue } = simulate(tracked(20_000, MIN), 450, 31);
    expect(worstStaleness).toBeLessThanOrEqual(S.stalenessBoundMs);
    expect(worstOverdue).toBe(0);
  });

  it('reports as overdue exactly the tweets the budget cannot keep within the bound', () => {
    // 1,000 tweets due next tick, one request (100 ids) a tick now and next: 800 cannot make it.
    const tweets = tracked(1_000, 14 * MIN);
    const plan = planRefresh(tweets, NOW, xBudget(15, 15, 15 * MIN), NO_USAGE, S);
    expect(plan.requests).toBe(1);
    expect(plan.overdue).toBe(800);
    const basic = simulate(tracked(5_000, MIN), 15, 20);
    expect(basic.worstOverdue).toBeGreaterThan(0);
    expect(basic.worstStaleness).toBeGreaterThan(S.stalenessBoundMs);
  });

  it('looks up a tweet about to exceed the bound before a tweet expected to change more', () => {
    const quietDue: PlannerTweet = {
      id: id(1),
      postedMs: NOW - 3 * DAY,
      count: 4,
      lastLookupMs: NOW - 15 * MIN,
      lastChangeMs: NOW - 2 * DAY,
    };
    const hot: PlannerTweet = {
      id: id(2),
      postedMs: NOW - 10 * MIN,
      count: 200,
      lastLookupMs: NOW - 2 * MIN,
      lastChangeMs: NOW - 2 * MIN,
    };
    const plan = planRefresh([hot, quietDue], NOW, xBudget(15, 15, 15 * MIN), NO_USAGE, { ...S, idsPerRequest: 1 });
    expect(plan.lookup).toEqual([quietDue.id]);
  });
});

describe('planRefresh: priority by expected change', () => {
  const settings = { ...S, idsPerRequest: 1 };
  const lookedUp = NOW - 2 * MIN;
  const oldQuiet: PlannerTweet = {
    id: id(1),
    postedMs: NOW - 5 * DAY,
    count: 300,
    lastLookupMs: lookedUp,
    lastChangeMs: NOW - 4 * DAY,
  };
  const oldMoving: PlannerTweet = {
    id: id(2),
    postedMs: NOW - 5 * DAY,
    count: 300,
    lastLookupMs: lookedUp,
    lastChangeMs: lookedUp,
  };
  const young: PlannerTweet = {
    id: id(3),
    postedMs: NOW - 20 * MIN,
    count: 30,
    lastLookupMs: lookedUp,
    lastChangeMs: lookedUp,
  };
  const youngQuiet: PlannerTweet = {
    id: id(4),
    postedMs: NOW - 20 * MIN,
    count: 30,
    lastLookupMs: lookedUp,
    lastChangeMs: NOW - 12 * MIN,
  };
  const neverLooked: PlannerTweet = { id: id(5), postedMs: NOW - 3 * DAY, count: 0 };

  it('orders never looked up, then young and moving, then quiet and old', () => {
    const plan = planRefresh(
      [oldQuiet, oldMoving, young, youngQuiet, neverLooked],
      NOW,
      xBudget(450, 450, 15 * MIN),
      NO_USAGE,
      { ...settings, idsPerRequest: 1, maxRequestsPer15Min: 75 },
    );
    expect(plan.lookup).toEqual([neverLooked.id, young.id, youngQuiet.id, oldMoving.id, oldQuiet.id]);
  });

  it('gives a small budget to the tweets expected to change most', () => {
    const plan = planRefresh(
      [oldQuiet, oldMoving, young, youngQuiet],
      NOW,
      xBudget(30, 30, 15 * MIN),
      NO_USAGE,
      settings,
    );
    expect(plan.lookup).toEqual([young.id, youngQuiet.id]);
    expect(plan.overdue).toBe(0);
  });

  it('looks a tweet up again sooner the longer ago it was looked up', () => {
    const earlier = { ...young, id: id(9), lastLookupMs: NOW - 6 * MIN, lastChangeMs: NOW - 6 * MIN };
    const plan = planRefresh([young, earlier], NOW, xBudget(15, 15, 15 * MIN), NO_USAGE, settings);
    expect(plan.lookup).toEqual([earlier.id]);
  });
});

describe('planRefresh: horizon', () => {
  const posted = NOW - 8 * DAY;
  it('gives a tweet past the horizon one last lookup, then retires it', () => {
    const due: PlannerTweet = { id: id(1), postedMs: posted, count: 9, lastLookupMs: posted + 7 * DAY - MIN };
    const done: PlannerTweet = { id: id(2), postedMs: posted, count: 9, lastLookupMs: posted + 7 * DAY + MIN };
    const young: PlannerTweet = { id: id(3), postedMs: NOW - MIN, count: 0, lastLookupMs: NOW - MIN };
    const plan = planRefresh([done, due, young], NOW, PRO_FRESH, NO_USAGE, S);
    expect(plan.retire).toEqual([done.id]);
    expect(plan.lookup.sort()).toEqual([due.id, young.id]);
  });
});

describe('planRefresh: determinism', () => {
  it('gives the same plan for the same tweets in any order, ties broken by id', () => {
    const tweets = tracked(5_000, 3 * MIN);
    const shuffled = [...tweets].sort((a, b) => ((Number(a.id) * 7919) % 5_003) - ((Number(b.id) * 7919) % 5_003));
    const budget = xBudget(450, 200, 10 * MIN);
    const a = planRefresh(tweets, NOW, budget, NO_USAGE, S);
    const b = planRefresh(shuffled, NOW, budget, NO_USAGE, S);
    expect(b).toEqual(a);
    expect(a.lookup).toHaveLength(2_000);
    // Identical tweets but for their id: the lower id first.
    const twin = (n: number): PlannerTweet => ({
      id: String(n),
      postedMs: NOW - 30 * MIN,
      count: 5,
      lastLookupMs: NOW - 4 * MIN,
      lastChangeMs: NOW - 4 * MIN,
    });
    const tie = planRefresh([twin(900), twin(1_000), twin(95)], NOW, xBudget(15, 15, 15 * MIN), NO_USAGE, {
      ...S,
      idsPerRequest: 2,
    });
    expect(tie.lookup).toEqual(['95', '900']);
  });
});

describe('recordUsage', () => {
  it('counts requests in our 15-minute window and billed reads per UTC day', () => {
    const first = recordUsage(NO_USAGE, NOW, 3, 250);
    expect(first).toEqual({
      requestsThisWindow: 3,
      windowStartMs: NOW,
      postReadsToday: 250,
      utcDayStartMs: NOW - 12 * 60 * MIN,
    });
    const second = recordUsage(first, NOW + 14 * MIN, 2, 0);
    expect(second.requestsThisWindow).toBe(5);
    const nextWindow = recordUsage(second, NOW + 15 * MIN, 4, 10);
    expect(nextWindow).toMatchObject({ requestsThisWindow: 4, windowStartMs: NOW + 15 * MIN, postReadsToday: 260 });
    const nextDay = recordUsage(nextWindow, NOW + 12 * 60 * MIN, 1, 7);
    expect(nextDay).toMatchObject({ postReadsToday: 7, utcDayStartMs: NOW + 12 * 60 * MIN });
  });

  it('bills a read once per UTC day', () => {
    expect(isBilledRead(undefined, NOW)).toBe(true);
    expect(isBilledRead(NOW - 11 * 60 * MIN, NOW)).toBe(false);
    expect(isBilledRead(NOW - 13 * 60 * MIN, NOW)).toBe(true);
  });
});
