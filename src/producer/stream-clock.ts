/**
 * The stream's event-time watermark, as the producer can vouch for it: X gives no event-time progress (its
 * keep-alives carry no time), so while the connection is up and no gap is being caught up, every post created more
 * than `delayMs` ago has been read (Flink's bounded out-of-orderness, on processing time). After a disconnection it
 * stays where it was until the timelines have filled the gap.
 */
export class StreamClock {
  private connected = false;
  private last = 0;

  constructor(private readonly delayMs: number) {}

  /** The stream (re)connected. */
  onConnected(): void {
    this.connected = true;
  }

  /** The connection ended (an error, a pause, a stop). */
  onDisconnected(): void {
    this.connected = false;
  }

  /** The watermark to publish now, or undefined when it cannot move (not connected, a gap being caught up). */
  advance(nowMs: number, catchingUp: boolean): number | undefined {
    if (!this.connected || catchingUp) return undefined;
    const mark = nowMs - this.delayMs;
    if (mark <= this.last) return undefined;
    this.last = mark;
    return mark;
  }
}
