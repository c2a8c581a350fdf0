/** How a tweet's retweet rate falls with age. */
export type DecayModel = 'exponential' | 'power-law';

/** The shape of retweet velocity: rate(age) = popularity × decay(age). */
export interface RetweetDecay {
  model: DecayModel;
  /** Time constant τ in minutes. */
  minutes: number;
  /** Exponent β of the power law (1 + age/τ)^-β; ignored for the exponential. */
  exponent: number;
}

/** The share of a new tweet's retweet rate left at `ageMinutes`: e^(-age/τ) or (1 + age/τ)^-β. */
export function decayFactor(decay: RetweetDecay, ageMinutes: number): number {
  const x = Math.max(0, ageMinutes) / decay.minutes;
  return decay.model === 'exponential' ? Math.exp(-x) : Math.pow(1 + x, -decay.exponent);
}

/** Expected retweets per unit popularity over a tweet's first `ageMinutes` (the integral of `decayFactor`). */
export function decayIntegral(decay: RetweetDecay, ageMinutes: number): number {
  const a = Math.max(0, ageMinutes);
  const tau = decay.minutes;
  if (decay.model === 'exponential') return tau * (1 - Math.exp(-a / tau));
  if (Math.abs(decay.exponent - 1) < 1e-9) return tau * Math.log(1 + a / tau);
  return (tau / (decay.exponent - 1)) * (1 - Math.pow(1 + a / tau, 1 - decay.exponent));
}
