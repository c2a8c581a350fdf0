/**
 * Expected change of a tracked tweet's retweet count since X last answered for it: the planner's measure of how
 * much a lookup is worth. Retweet velocity decays with age, and a count that stopped moving is likely to stay put.
 */

/** The facts the estimate uses (a subset of the planner's tweet). */
export interface ChangeFacts {
  postedMs: number;
  count: number;
  lastLookupMs?: number;
  lastChangeMs?: number;
}

/**
 * Smoothing of the age-average rate: a tweet seconds old with 0 retweets still gets a finite, non-zero rate, and
 * a few retweets in its first minute do not make it look like the hottest tweet tracked.
 */
const AGE_SMOOTHING_MS = 5 * 60_000;
const PRIOR_RETWEETS = 1;

/**
 * Estimated retweets per ms at the last lookup. The age average (count / age) is what a tweet's history says;
 * a count that has not moved for `quiet` ms bounds the rate by about 1 / quiet (a Poisson process at rate r goes
 * that long without an event with probability e^(-r quiet)), so the two combine harmonically: a recent change
 * keeps the age average, a long silence takes over as tweets go quiet. Measured on the emulator (bench:refresh,
 * 3 seeds): without the silence term the mean error is 10-15% lower but the worst tweet's error 2-8 times higher;
 * the mean is far within its target either way, so the worst case decides.
 */
export function estimatedRatePerMs(t: ChangeFacts): number {
  const seenAt = t.lastLookupMs ?? t.postedMs;
  const age = Math.max(0, seenAt - t.postedMs);
  const ageRate = (t.count + PRIOR_RETWEETS) / (age + AGE_SMOOTHING_MS);
  // Undefined lastChangeMs: the count has not moved since the tweet was posted.
  const quiet = t.lastLookupMs === undefined ? 0 : Math.max(0, t.lastLookupMs - (t.lastChangeMs ?? t.postedMs));
  return 1 / (1 / ageRate + quiet);
}

/** Expected retweets the known count misses at `nowMs`: estimated rate x time since X last answered. */
export function expectedChange(t: ChangeFacts, nowMs: number): number {
  return estimatedRatePerMs(t) * Math.max(0, nowMs - (t.lastLookupMs ?? t.postedMs));
}

/**
 * What looking the tweet up now is worth: the expected error it has accrued over time, rate x age x (age + tick)
 * / 2 in retweet-ticks. Ranking by it (not by the expected change itself) looks a tweet up about every
 * 1 / sqrt(rate) rather than every 1 / rate, which is what minimises the mean error for a fixed number of lookups
 * (the mean error of a tweet refreshed every T is rate x T / 2; minimising the sum under sum(1 / T) = capacity gives
 * T proportional to 1 / sqrt(rate): the square-root rule of refresh scheduling).
 */
export function refreshValue(t: ChangeFacts, nowMs: number, tickMs: number): number {
  const age = Math.max(0, nowMs - (t.lastLookupMs ?? t.postedMs));
  return (estimatedRatePerMs(t) * age * (age + tickMs)) / (2 * tickMs);
}
