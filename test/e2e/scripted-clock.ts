import type { RunningEmulator } from '../../src/emulator';

/**
 * Moves the emulator's simulated minutes from the test, between tick boundaries, so that at every tick
 * boundary the test knows exactly which simulated minute X was in: no race between a tick's lookup and a minute
 * change, and the files can be compared with the ground truth of that minute.
 */
export class ScriptedClock {
  private timer?: NodeJS.Timeout;
  /** [real ms of the advance, elapsed simulated minutes after it], in order. */
  private readonly advances: Array<[number, number]> = [];
  private onAdvance?: (elapsed: number) => void;

  /** `phase`: where in a tick the minute changes (0.75: at boundary + 3/4 tick, after the tick's file is written). */
  constructor(
    private readonly emulator: RunningEmulator,
    readonly tickMs: number,
    private readonly phase = 0.5,
  ) {}

  /** Starts advancing one simulated minute at every tick boundary + phase × tickMs. */
  start(onAdvance?: (elapsed: number) => void): void {
    this.onAdvance = onAdvance;
    const offset = this.tickMs * this.phase;
    const now = Date.now();
    const firstAt =
      Math.floor(now / this.tickMs) * this.tickMs + offset + (now % this.tickMs >= offset ? this.tickMs : 0);
    this.schedule(firstAt);
  }

  private schedule(atMs: number): void {
    this.timer = setTimeout(
      () => {
        const elapsed = this.emulator.admin.advance(1);
        this.advances.push([Date.now(), elapsed]);
        this.onAdvance?.(elapsed);
        this.schedule(atMs + this.tickMs);
      },
      Math.max(0, atMs - Date.now()),
    );
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
