import { decodeIds, encodeIds } from '../domain/compact-counts';

/**
 * The last `capacity` retweet ids counted from the stream, oldest first: a redelivered record (a bridge restart
 * replays its uncommitted batch) is recognised and never counted twice. Carried through Continue-As-New.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  /** Insertion order; `head` skips the evicted prefix instead of shifting the array. */
  private order: string[] = [];
  private head = 0;

  constructor(
    private readonly capacity: number,
    carried = '',
  ) {
    for (const id of decodeIds(carried)) this.add(id);
  }

  /** Adds `id`; false when it was already there (a duplicate). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    this.order.push(id);
    while (this.ids.size > this.capacity) this.ids.delete(this.order[this.head++]);
    if (this.head > this.capacity) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  encode(): string {
    return encodeIds(this.order.slice(this.head));
  }
}
