import type { RunningEmulator } from '../../src/emulator';

/**
 * Moves the emulator's simulated minutes from the test, half-way between tick boundaries, so that at every tick
 * boundary the test knows exactly which simulated minute X was in: no race between a tick's lookup and a minute
 * change, and the files can be compared with the ground truth of that minute.
 */
export class ScriptedClock {
  private timer?: NodeJS.Timeout;
  /** [real ms of the advance, elapsed simulated minutes after it], in order. */
  private readonly advances: Array<[number, number]> = [];
  private onAdvance?: (elapsed: number) => void;

  constructor(
    private readonly emulator: RunningEmulator,
    readonly tickMs: number,
  ) {}

  /** Starts advancing one simulated minute at every tick boundary + tickMs/2. */
  start(onAdvance?: (elapsed: number) => void): void {
    this.onAdvance = onAdvance;
    const now = Date.now();
    const firstAt = Math.floor(now / this.tickMs) * this.tickMs + this.tickMs / 2 + (now % this.tickMs >= this.tickMs / 2 ? this.tickMs : 0);
    this.schedule(firstAt);
  }

  private schedule(atMs: number): void {
    this.timer = setTimeout(() => {
      const elapsed = this.emulator.admin.advance(1);
      this.advances.push([Date.now(), elapsed]);
      this.onAdvance?.(elapsed);
      this.schedule(atMs + this.tickMs);
    }, Math.max(0, atMs - Date.now()));
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Simulated minutes elapsed at real time `atMs` (a tick boundary: never within a few hundred ms of an advance). */
  elapsedAt(atMs: number): number {
    let elapsed = 0;
    for (const [advancedAt, value] of this.advances) if (advancedAt <= atMs) elapsed = value;
    return elapsed;
  }
}
