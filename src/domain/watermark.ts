/**
 * Event-time progress of the stream, as Flink's watermarks: "every post created before T that the producer read has
 * been written to this partition before this mark". The producer writes a mark to every partition of `tweets`
 * (idle ones too), the bridge forwards the marks once the tweets before them were delivered, and the workflow closes
 * a tick's file when the lowest mark over all partitions passes the tick's boundary.
 */
import type { Validation } from './observed-tweet';

/** The marks one bridge instance forwards: partition → watermark (epoch ms), and the topic's partition count. */
export interface WatermarkReport {
  partitions: number;
  marks: Record<string, number>;
}

const MAX_PARTITIONS = 10_000;

const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Checks an untrusted report (a signal argument). */
export function validateWatermarkReport(input: unknown): Validation<WatermarkReport> {
  if (typeof input !== 'object' || input === null) return { ok: false, reason: 'not an object' };
  const { partitions, marks } = input as Record<string, unknown>;
  if (!Number.isInteger(partitions) || (partitions as number) < 1 || (partitions as number) > MAX_PARTITIONS) {
    return { ok: false, reason: `partitions must be an integer from 1 to ${MAX_PARTITIONS}` };
  }
  if (typeof marks !== 'object' || marks === null || Array.isArray(marks))
    return { ok: false, reason: 'marks must be an object' };
  const clean: Record<string, number> = {};
  for (const [partition, mark] of Object.entries(marks)) {
    const index = Number(partition);
    if (!Number.isInteger(index) || index < 0 || index >= (partitions as number) || String(index) !== partition) {
      return {
        ok: false,
        reason: `marks has a partition outside 0..${(partitions as number) - 1}: ${JSON.stringify(partition)}`,
      };
    }
    if (!isTime(mark)) return { ok: false, reason: `the mark of partition ${partition} must be epoch milliseconds` };
    clean[partition] = mark;
  }
  return { ok: true, value: { partitions: partitions as number, marks: clean } };
}

/**
 * The marks of every partition, each only ever moving forward. The low watermark is the smallest over ALL
 * partitions: one that never reported holds it back (its tweets may still be on the way).
 */
export class PartitionWatermarks {
  private partitions = 0;
  private readonly marks = new Map<number, number>();

  /** Applies a report; true when the low watermark moved. */
  apply(report: WatermarkReport): boolean {
    const before = this.low();
    // A topic only ever gains partitions; a smaller count is an older report.
    this.partitions = Math.max(this.partitions, report.partitions);
    for (const [partition, mark] of Object.entries(report.marks)) {
      const index = Number(partition);
      this.marks.set(index, Math.max(this.marks.get(index) ?? 0, mark));
    }
    return this.low() !== before;
  }

  /** The lowest mark over all partitions; undefined until every partition has one. */
  low(): number | undefined {
    if (this.partitions === 0) return undefined;
    let low = Number.POSITIVE_INFINITY;
    for (let p = 0; p < this.partitions; p++) {
      const mark = this.marks.get(p);
      if (mark === undefined) return undefined;
      low = Math.min(low, mark);
    }
    return low;
  }

  /** The state as a report, to carry through Continue-As-New. */
  toReport(): WatermarkReport | undefined {
    if (this.partitions === 0) return undefined;
    return { partitions: this.partitions, marks: Object.fromEntries([...this.marks].map(([p, m]) => [String(p), m])) };
  }
}
