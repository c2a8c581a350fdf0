/**
 * The changelog records the real pipeline would publish for the e2e scenario (test/fixtures/e2e-scenario.json):
 * at each minute's tick, every tracked tweet whose count changed, with its delta, and at minute 15 the top-5
 * report. Built from the scenario file alone, the way the emulator's ground truth is, not from dashboard code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportEntry } from '../../src/activities/types';
import type { CountRecord, ReportRecord } from '../../src/kafka/changelog-record';

interface Scenario {
  startTime: string;
  users: Array<{ id: string; username: string }>;
  minutes: Array<{
    minute: number;
    tweets?: Array<{ id: string; authorId: string; text: string; retweetCount: number }>;
    retweets?: Record<string, number>;
    deletes?: string[];
  }>;
}

export interface ScenarioChangelog {
  points: CountRecord[];
  report: ReportRecord;
  /** Final count per tweet id. */
  finalCounts: Map<string, number>;
  minuteMs(minute: number): number;
}

/** Replays the scenario minute by minute into changelog points. */
export function scenarioChangelog(reportAtMinute = 15): ScenarioChangelog {
  const scenario = JSON.parse(readFileSync(join(__dirname, '../fixtures/e2e-scenario.json'), 'utf8')) as Scenario;
  const start = Date.parse(scenario.startTime);
  const minuteMs = (minute: number) => start + minute * 60_000;
  const names = new Map(scenario.users.map((u) => [u.id, u.username]));
  const counts = new Map<string, number>();
  const published = new Map<string, number>();
  const info = new Map<string, { authorId: string; text: string }>();
  const gone = new Set<string>();
  const points: CountRecord[] = [];
  let report: ReportRecord | undefined;
  for (const m of scenario.minutes) {
    for (const t of m.tweets ?? []) {
      counts.set(t.id, t.retweetCount);
      info.set(t.id, { authorId: t.authorId, text: t.text });
    }
    for (const [id, n] of Object.entries(m.retweets ?? {}))
      if (!gone.has(id)) counts.set(id, (counts.get(id) ?? 0) + n);
    for (const id of m.deletes ?? []) gone.add(id);
    for (const [id, count] of counts) {
      const before = published.get(id) ?? 0;
      if (count === before) continue;
      points.push({
        tweetId: id,
        minuteMs: minuteMs(m.minute),
        count,
        delta: count - before,
        authorId: info.get(id)!.authorId,
      });
      published.set(id, count);
    }
    if (m.minute === reportAtMinute) {
      const ranked = [...counts]
        .filter(([id]) => !gone.has(id))
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const entries: ReportEntry[] = ranked.slice(0, 5).map(([tweetId, retweets], i) => {
        const { authorId, text } = info.get(tweetId)!;
        return { rank: i + 1, tweetId, retweets, authorId, screenName: names.get(authorId) ?? authorId, text };
      });
      report = { atMs: minuteMs(m.minute), entries };
    }
  }
  if (!report) throw new Error(`the scenario has no minute ${reportAtMinute}`);
  return { points, report, finalCounts: counts, minuteMs };
}
