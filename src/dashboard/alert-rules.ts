/**
 * Viral-tweet alert rules, from configuration: `passes` fires when a tweet's count reaches a threshold, `gain`
 * fires when it gains at least that many retweets within `withinMinutes`. Each rule fires once per tweet.
 */
import { ConfigError } from '../config/env';

export type AlertRule = { name: string; passes: number } | { name: string; gain: number; withinMinutes: number };

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const positive = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Parses ALERT_RULES (a JSON array); throws a ConfigError naming `variable` for anything invalid. */
export function parseAlertRules(raw: string | undefined, variable: string): AlertRule[] {
  if (!raw?.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(variable, `must be a JSON array of rules: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(variable, 'must be a JSON array of rules');
  const rules = parsed.map((item, i) => parseRule(item, `${variable}[${i}]`));
  const names = new Set<string>();
  for (const rule of rules) {
    if (names.has(rule.name)) throw new ConfigError(variable, `names the rule "${rule.name}" twice`);
    names.add(rule.name);
  }
  return rules;
}

function parseRule(item: unknown, where: string): AlertRule {
  const o = (item ?? {}) as Record<string, unknown>;
  if (typeof o.name !== 'string' || !NAME.test(o.name))
    throw new ConfigError(where, 'needs a "name" of letters, digits, "_", "." or "-"');
  if (o.passes !== undefined) {
    if (!positive(o.passes)) throw new ConfigError(where, '"passes" must be a positive whole number');
    if (o.gain !== undefined) throw new ConfigError(where, 'has both "passes" and "gain": one rule, one condition');
    return { name: o.name, passes: o.passes };
  }
  if (!positive(o.gain)) throw new ConfigError(where, 'needs "passes" or "gain" (a positive whole number)');
  if (!positive(o.withinMinutes))
    throw new ConfigError(where, '"withinMinutes" must be a positive whole number with "gain"');
  return { name: o.name, gain: o.gain, withinMinutes: o.withinMinutes };
}

/** A line a person reads: what the rule means. */
export function describeRule(rule: AlertRule): string {
  return 'passes' in rule
    ? `${rule.name}: passes ${rule.passes} retweets`
    : `${rule.name}: +${rule.gain} retweets within ${rule.withinMinutes} min`;
}
