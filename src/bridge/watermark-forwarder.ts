/**
 * Forwards the producer's watermarks to the workflow, each only once the tweets before it in its partition were
 * acknowledged by Temporal: a watermark promises "everything before me has arrived", so it must never overtake the
 * tweets it covers. Sent when this instance's lowest mark crosses a step (default each second), so signals stay few.
 */
import { errorMessage, type Log } from '../shared/log';
import type { WatermarkReport } from '../domain/watermark';

export interface WatermarkForwarderOptions {
  /** Delivers a report to the workflow; a failure is retried with the next mark. */
  send(report: WatermarkReport): Promise<void>;
  /** Forward when the low mark crosses a multiple of this (ms). */
  stepMs: number;
  /** The partitions this instance owns now: the others' marks, left from before a rebalance, no longer count. */
  owned(): readonly number[];
  log: Log;
}

export class WatermarkForwarder {
  private partitions = 0;
  private readonly marks = new Map<number, number>();
  /** Per partition, the promise of its last queued mark: marks are applied in partition order. */
  private readonly tails = new Map<number, Promise<void>>();
  private sentStep = Number.NEGATIVE_INFINITY;
  private sending = false;
  private failing = false;

  constructor(private readonly options: WatermarkForwarderOptions) {}

  /** Records `watermarkMs` of `partition` once `delivered` (the tweets read before it) settles successfully. */
  after(delivered: Promise<void>, partition: number, partitions: number, watermarkMs: number): void {
    const tail = (this.tails.get(partition) ?? Promise.resolve())
      .then(() => delivered)
      .then(
        () => this.apply(partition, partitions, watermarkMs),
        // Not delivered (a stop, a rebalance): the records come again to whoever owns the partition next.
        () => undefined,
      );
    this.tails.set(partition, tail);
  }

  private apply(partition: number, partitions: number, watermarkMs: number): void {
    this.partitions = Math.max(this.partitions, partitions);
    this.marks.set(partition, Math.max(this.marks.get(partition) ?? 0, watermarkMs));
    void this.maybeSend();
  }

  private async maybeSend(): Promise<void> {
    if (this.sending) return;
    const owned = new Set(this.options.owned());
    for (const partition of [...this.marks.keys()]) if (!owned.has(partition)) this.marks.delete(partition);
    if (this.marks.size === 0) return;
    const low = Math.min(...this.marks.values());
    const step = Math.floor(low / this.options.stepMs);
    if (step <= this.sentStep) return;
    this.sending = true;
    const report: WatermarkReport = {
      partitions: this.partitions,
      marks: Object.fromEntries([...this.marks].map(([p, m]) => [String(p), m])),
    };
    try {
      await this.options.send(report);
      this.sentStep = step;
      if (this.failing) this.options.log.info('Watermarks reach the workflow again');
      this.failing = false;
    } catch (error) {
      // Soft state: a tick waits at most its allowed lateness without one. Retried with the next mark.
      if (!this.failing)
        this.options.log.warn(`Could not forward watermarks (${errorMessage(error)}); retrying with the next one`);
      this.failing = true;
    } finally {
      this.sending = false;
    }
    // Marks that crossed another step while this one was in flight go now, not with the next mark.
    if (!this.failing) await this.maybeSend();
  }
}
