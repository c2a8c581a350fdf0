import { Random } from '../../src/emulator/random';

/** Everything the chaos run may SIGKILL. */
export const TARGETS = ['worker', 'bridge', 'producer', 'kafka', 'temporal'] as const;
export type Target = (typeof TARGETS)[number];

/** One kill: wait `afterMs` from the previous step's recovery, SIGKILL `target`, keep it down `downMs`, restart. */
export interface KillStep {
  target: Target;
  afterMs: number;
  downMs: number;
}

/**
 * The seeded kill plan: `killsPerTarget` kills of each target in a shuffled order, each at a random moment
 * (any phase of a tick) and down for a random while. Servers stay down longer: an outage, not a blip.
 */
export function planKills(seed: number, killsPerTarget: number, tickMs: number): KillStep[] {
  const random = new Random(seed ^ 0x5eed);
  const between = (min: number, max: number): number => Math.round(min + random.next() * (max - min));
  const steps: KillStep[] = [];
  for (let i = 0; i < killsPerTarget; i++) {
    for (const target of TARGETS) {
      const server = target === 'kafka' || target === 'temporal';
      steps.push({
        target,
        afterMs: between(0.3 * tickMs, 2.5 * tickMs),
        downMs: server ? between(tickMs, 4 * tickMs) : between(0, 2 * tickMs),
      });
    }
  }
  // Fisher-Yates with the seeded generator: the same seed, the same order.
  for (let i = steps.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [steps[i], steps[j]] = [steps[j], steps[i]];
  }
  return steps;
}
