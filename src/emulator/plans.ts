import type { EndpointKey, RateLimit } from './rate-limits';

/** X API access plans the emulator can imitate. */
export type XPlan = 'pay-per-use' | 'pro' | 'basic';

export const X_PLANS: readonly XPlan[] = ['pay-per-use', 'pro', 'basic'];

/** The default since 2026: new apps are on pay-per-use. */
export const DEFAULT_PLAN: XPlan = 'pay-per-use';

const WINDOW = 900;
const limits = (
  tweets: number,
  timeline: number,
  users: number,
  rulesGet: number,
  rulesPost: number,
  stream: number,
): Record<EndpointKey, RateLimit> => ({
  tweets: { limit: tweets, windowSeconds: WINDOW },
  timeline: { limit: timeline, windowSeconds: WINDOW },
  users: { limit: users, windowSeconds: WINDOW },
  'rules-get': { limit: rulesGet, windowSeconds: WINDOW },
  'rules-post': { limit: rulesPost, windowSeconds: WINDOW },
  stream: { limit: stream, windowSeconds: WINDOW },
});

/**
 * App-auth limits per 15 minutes. Lookups (3,500 / 450 / 15) are X's published figures for each plan; the
 * timeline's 1,500 is X's per-app figure on pay-per-use and Pro, and 10 on Basic is our choice (X publishes a
 * small per-app figure for Basic). Basic has no filtered stream at all (403), so its stream limits never apply.
 */
export const PLAN_RATE_LIMITS: Record<XPlan, Record<EndpointKey, RateLimit>> = {
  'pay-per-use': limits(3500, 1500, 300, 450, 100, 50),
  pro: limits(450, 1500, 300, 450, 100, 50),
  basic: limits(15, 10, 100, 5, 5, 5),
};

/** Whether the plan includes the filtered stream (X: Pro and pay-per-use do, Basic does not). */
export function planHasStream(plan: XPlan): boolean {
  return plan !== 'basic';
}

/** Parses a plan name; the error names `source` (the variable or field it came from). */
export function parsePlan(value: string, source: string): XPlan {
  if ((X_PLANS as readonly string[]).includes(value)) return value as XPlan;
  throw new Error(`Invalid configuration: ${source} must be one of ${X_PLANS.join(', ')}, got "${value}"`);
}
