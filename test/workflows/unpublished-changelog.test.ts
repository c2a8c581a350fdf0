import type { RefreshResult, UnpublishedCounts } from '../../src/activities/types';
import { resolveOptions } from '../../src/workflows/options';
import { TrackingState } from '../../src/workflows/tracking-state';

/**
 * The workflow's side of changelog rows Kafka has not confirmed (plain state, no Temporal): what a refresh hands
 * back goes into the next refresh input and through Continue-As-New, within the bound of what it keeps.
 */
const T0 = Date.UTC(2026, 10, 26, 12, 0);
const TICK = 60_000;
const FACTS = { historyLength: 10, historySize: 1_000, continueAsNewSuggested: false };

/** One tick's rows of `n` tweets, encoded as the activity encodes them (about 30 characters a row). */
function tick(i: number, n: number): UnpublishedCounts {
  const rows = Array.from({ length: n }, (_, k) => `${1_870_000_000_000_000_000n + BigInt(k)}:${k}:1:285532415`);
  return { tickMs: T0 + i * TICK, rows: rows.join(',') };
}

const result = (unpublished?: UnpublishedCounts[]): RefreshResult => ({
  changed: '',
  notLookedUp: '',
  gone: [],
  invalid: [],
  requests: 0,
  refused: 0,
  printed: '',
  ...(unpublished ? { unpublished } : {}),
});

it('hands unconfirmed rows to the next refresh, carries them across Continue-As-New, forgets them once confirmed', () => {
  const state = new TrackingState(resolveOptions({}));
  state.applyRefresh(result([tick(0, 3)]), T0, T0 + 1_000);
  expect(state.refreshInput(T0 + TICK, T0 + TICK).unpublished).toEqual([tick(0, 3)]);
  expect(state.status(T0 + TICK, FACTS).changelogBacklogTicks).toBe(1);

  const next = new TrackingState(resolveOptions({}), state.carry(T0 + TICK));
  expect(next.refreshInput(T0 + TICK, T0 + TICK).unpublished).toEqual([tick(0, 3)]);
  next.applyRefresh(result(), T0 + TICK, T0 + TICK + 1_000);
  expect(next.refreshInput(T0 + 2 * TICK, T0 + 2 * TICK).unpublished).toBeUndefined();
  expect(next.carry(T0 + 2 * TICK).unpublishedCounts).toBeUndefined();
  expect(next.status(T0 + 2 * TICK, FACTS)).toMatchObject({ changelogBacklogTicks: 0, changelogRowsDropped: 0 });
});

it('keeps at most 256 KiB of them: the oldest ticks are dropped and their rows counted', () => {
  const state = new TrackingState(resolveOptions({}));
  // 6 ticks of 2,000 rows (about 60 KB each): more than the bound holds.
  const ticks = Array.from({ length: 6 }, (_, i) => tick(i, 2_000));
  const each = ticks[0].rows.length;
  const keep = Math.floor((256 * 1024) / each);
  expect(keep).toBeLessThan(ticks.length);
  state.applyRefresh(result(ticks), T0 + 5 * TICK, T0 + 5 * TICK + 1_000);
  const kept = state.refreshInput(T0 + 6 * TICK, T0 + 6 * TICK).unpublished!;
  expect(kept.map((u) => u.tickMs)).toEqual(ticks.slice(ticks.length - keep).map((u) => u.tickMs));
  expect(state.status(T0 + 6 * TICK, FACTS)).toMatchObject({
    changelogBacklogTicks: keep,
    changelogRowsDropped: (ticks.length - keep) * 2_000,
  });
});
