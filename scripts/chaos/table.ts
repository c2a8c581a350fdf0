import type { ChaosReport } from './report';
import { TARGETS } from './plan';

/** The verdict as the table `npm run chaos` prints: one check a row, its figure and pass/FAIL. */
export function formatReport(r: ChaosReport): string {
  const v = r.verdict;
  const row = (check: string, value: string | number | boolean, pass: boolean): [string, string, string] => [
    check,
    String(value),
    pass ? 'pass' : 'FAIL',
  ];
  const rows: Array<[string, string, string]> = [
    row(
      'kills (worker bridge producer kafka temporal)',
      TARGETS.map((t) => r.kills[t]).join(' '),
      TARGETS.every((t) => r.kills[t] > 0),
    ),
    row('lost tweets (truth not in last file / checkpoint)', r.lostTweets, r.lostTweets === 0),
    row('double counts (live tweet above X in last file)', r.doubleCounts, r.doubleCounts === 0),
    row('under counts (live tweet below X in last file)', v.underCounts, v.underCounts === 0),
    row('duplicate minutes (files, sidecars, tick history)', r.duplicateMinutes, r.duplicateMinutes === 0),
    row(
      'unexplained gaps (missing minute, no outage)',
      `${r.unexplainedGaps} of ${v.gaps.length} gaps`,
      r.unexplainedGaps === 0,
    ),
    row('last file equals ground truth', r.finalEqualsTruth, r.finalEqualsTruth),
    row(
      'dead letters: injected found / unexpected',
      `${v.deadLetters.expected - v.deadLetters.missing.length}/${v.deadLetters.expected} / ${v.deadLetters.unexpected.length}`,
      v.deadLetters.missing.length === 0 && v.deadLetters.unexpected.length === 0,
    ),
    row('processes or ports left behind', r.leftProcesses, r.leftProcesses === 0),
  ];
  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((cells) => cells[i].length), ['check', 'value', 'result'][i].length),
  );
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const s = r.status;
  const facts = [
    `seed ${r.seed}, ${r.tickSeconds} s ticks, ${r.durationSeconds} s in all; ${r.files} minute files, ${r.truthTweets} tweets, ${r.retweetsStreamed} retweets released by X (counted beyond that: ${v.retweetsCountedTwice})`,
    s
      ? `workflow: tick ${s.tickNumber}, missed ${s.missedTicks}, failed ${s.failedTicks}, retweets counted ${s.retweetsSeen}, redeliveries deduped ${s.duplicateRetweets}, run ${s.runNumber} (${r.historyRuns} runs read)`
      : '',
    `settled ${r.settledAfterSeconds === undefined ? 'never' : `${r.settledAfterSeconds} s`} after the last restart; unexpected exits: ${r.unexpectedExits.length ? r.unexpectedExits.map((e) => `${e.name} (${e.code})`).join(', ') : 'none'}`,
    `verdict: ${r.ok ? 'PASS' : 'FAIL'}`,
  ].filter(Boolean);
  return [line(['check', 'value', 'result']), rule, ...rows.map(line), '', ...facts].join('\n');
}

/** The evidence behind each failing row, for the reader of a failed run. */
export function formatDetails(r: ChaosReport): string {
  const v = r.verdict;
  const out: string[] = [];
  if (v.lostIds.length) out.push(`lost tweet ids: ${v.lostIds.slice(0, 20).join(', ')}`);
  for (const t of r.lostTweetTrail) {
    out.push(
      `lost ${t.id} (user ${t.authorId}, minute ${t.minute}, released ${t.releasedAt ? new Date(t.releasedAt).toISOString() : '?'}, ` +
        `${t.status}${t.goneAtMinute === undefined ? '' : ` from minute ${t.goneAtMinute}`}): ` +
        `received by a producer: ${t.receivedByProducer}, in Kafka: ${t.inKafka}; around: ${t.duringOutages.join(', ') || 'no producer/Kafka outage'}`,
    );
  }
  for (const m of v.mismatches.slice(0, 20)) out.push(`count mismatch ${m.tweetId}: file ${m.file}, X ${m.truth}`);
  for (const m of v.goneMismatches.slice(0, 10))
    out.push(`(info) ${m.status} tweet ${m.tweetId}: file ${m.file}, X ${m.truth}`);
  if (v.unknownIds.length) out.push(`ids in the last file X never had: ${v.unknownIds.slice(0, 20).join(', ')}`);
  for (const d of v.duplicateDetails) out.push(`duplicate: ${d}`);
  for (const g of v.gaps) out.push(`gap ${new Date(g.minuteMs).toISOString()}: ${g.explainedBy ?? 'UNEXPLAINED'}`);
  for (const l of v.deadLetters.unexpected) out.push(`unexpected dead letter key=${l.key} reason=${l.reason}`);
  for (const k of v.deadLetters.missing) out.push(`injected record ${k} not in the dead-letter topic`);
  for (const e of r.unexpectedExits)
    out.push(
      `${e.name} exited on its own (${e.code}) at ${new Date(e.at).toISOString()}; last lines:\n    ${e.lastLines.slice(-6).join('\n    ')}`,
    );
  for (const l of r.leftovers) out.push(`left behind: ${l}`);
  if (r.runDir) out.push(`minute files and logs kept in ${r.runDir}`);
  return out.join('\n');
}
