import type { CountsChangelog } from '../kafka/changelog';
import type { CountChange } from '../kafka/changelog-record';
import type { UnpublishedCounts } from './types';

/**
 * True when `publish` settled within `ms`. The file is the product: a Kafka outage must not fail its tick, it only
 * delays the changelog (which keeps retrying in order, see src/kafka/changelog.ts). A failed publish counts as not
 * settled.
 */
export async function settlesWithin(publish: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      publish.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rows of one tick, as the workflow carries them: `id:count:delta:author,...` (author may be empty). */
export function encodeChanges(rows: readonly CountChange[]): string {
  return rows.map((r) => `${r.tweetId}:${r.count}:${r.delta}:${r.authorId ?? ''}`).join(',');
}

export function decodeChanges(text: string): CountChange[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const [tweetId, count, delta, authorId] = entry.split(':');
    return { tweetId, count: Number(count), delta: Number(delta), ...(authorId ? { authorId } : {}) };
  });
}

/**
 * Sends ticks' rows through the changelog, each (workflow, tick) once while it is queued: during an outage the
 * workflow hands every unconfirmed tick to each next tick, and the worker's queue must not grow with each of them.
 */
export class CountsPublisher {
  private readonly queued = new Map<string, Promise<void>>();

  constructor(private readonly changelog: CountsChangelog) {}

  /**
   * Publishes the earlier ticks' unconfirmed rows, then this tick's, and waits until Kafka confirms them, at most
   * `waitMs`: the file is the product, and a Kafka outage must not fail its tick. Returns what is still unconfirmed,
   * for the workflow to keep; the changelog goes on sending it while this worker lives.
   */
  async publish(
    workflowId: string,
    ticks: ReadonlyArray<{ tickMs: number; rows: CountChange[] }>,
    waitMs: number,
  ): Promise<UnpublishedCounts[]> {
    const pending = ticks.filter((tick) => tick.rows.length > 0);
    const confirmed = new Set<number>();
    const sends = pending.map((tick) => this.send(workflowId, tick).then(() => confirmed.add(tick.tickMs)));
    await settlesWithin(Promise.all(sends), waitMs);
    return pending
      .filter((tick) => !confirmed.has(tick.tickMs))
      .map((tick) => ({ tickMs: tick.tickMs, rows: encodeChanges(tick.rows) }));
  }

  private send(workflowId: string, tick: { tickMs: number; rows: CountChange[] }): Promise<void> {
    const key = `${workflowId}:${tick.tickMs}`;
    const queued = this.queued.get(key);
    if (queued) return queued;
    const sent = this.changelog.publishCounts(tick.tickMs, tick.rows);
    this.queued.set(key, sent);
    const forget = () => this.queued.delete(key);
    sent.then(forget, forget);
    return sent;
  }
}
