/** What `npm run emulator` reads from the environment (X_EMULATOR_*, X_BEARER_TOKEN, X_API_CA_FILE), validated. */
import { ConfigError, type Env, readInteger, readOptionalString, readPositiveNumber } from '../config/env';
import { defaultCaFile } from './certificates';
import type { DecayModel } from './decay';
import { DEFAULT_PLAN, parsePlan, type XPlan } from './plans';
import { DEFAULT_EMULATOR_TOKEN, type EmulatorOptions } from './server';

export interface EmulatorSettings {
  options: EmulatorOptions & { plan: XPlan; seed: number; minuteSeconds: number };
  /** The token came from X_BEARER_TOKEN (it may be real: never echo it). */
  tokenFromEnv: boolean;
  manualClock: boolean;
}

export function readEmulatorSettings(env: Env): EmulatorSettings {
  const tokenFromEnv = readOptionalString(env, 'X_BEARER_TOKEN');
  const plan = parsePlanVariable(env);
  // Kept for benchmarks that measure our code rather than X's window: it overrides the plan's lookup limit.
  const lookupLimit = readOptionalString(env, 'X_EMULATOR_LOOKUP_LIMIT')
    ? readInteger(env, 'X_EMULATOR_LOOKUP_LIMIT', 1, 1)
    : undefined;
  const manualClock = readChoice(env, 'X_EMULATOR_CLOCK', ['real', 'manual'], 'real') === 'manual';
  const minuteSeconds = manualClock ? 0 : readPositiveNumber(env, 'X_EMULATOR_MINUTE_SECONDS', 60);
  const seed = readInteger(env, 'X_EMULATOR_SEED', 1, 0, 2 ** 32 - 1);
  const initialTweets = readOptionalString(env, 'X_EMULATOR_INITIAL_TWEETS')
    ? readInteger(env, 'X_EMULATOR_INITIAL_TWEETS', 0, 0, 1_000_000)
    : undefined;
  const monthlyCap = readOptionalString(env, 'X_EMULATOR_MONTHLY_POST_CAP')
    ? readInteger(env, 'X_EMULATOR_MONTHLY_POST_CAP', 1, 1)
    : undefined;
  const options = {
    port: readInteger(env, 'X_EMULATOR_PORT', 8443, 0, 65535),
    seed,
    minuteSeconds,
    heartbeatSeconds: readPositiveNumber(env, 'X_EMULATOR_HEARTBEAT_SECONDS', 20),
    tweetsPerUserPerMinute: readPositiveNumber(env, 'X_EMULATOR_TWEETS_PER_MINUTE', 0.08),
    ...(initialTweets !== undefined ? { initialTweets } : {}),
    initialMaxAgeMinutes: readInteger(env, 'X_EMULATOR_INITIAL_MAX_AGE_MINUTES', 180, 1),
    retweetDecay: readChoice(env, 'X_EMULATOR_DECAY', ['exponential', 'power-law'], 'exponential') as DecayModel,
    retweetDecayMinutes: readPositiveNumber(env, 'X_EMULATOR_DECAY_MINUTES', 60),
    retweetDecayExponent: readPositiveNumber(env, 'X_EMULATOR_DECAY_EXPONENT', 1.5),
    scenarioFile: readOptionalString(env, 'X_EMULATOR_SCENARIO'),
    bearerToken: tokenFromEnv ?? DEFAULT_EMULATOR_TOKEN,
    caFile: readOptionalString(env, 'X_API_CA_FILE') ?? defaultCaFile(),
    plan,
    ...(lookupLimit !== undefined ? { rateLimits: { tweets: { limit: lookupLimit, windowSeconds: 900 } } } : {}),
    ...(monthlyCap !== undefined ? { monthlyPostCap: monthlyCap } : {}),
    streamLingerSeconds: readInteger(env, 'X_EMULATOR_STREAM_LINGER_SECONDS', 20, 0, 3600),
  };
  return { options, tokenFromEnv: tokenFromEnv !== undefined, manualClock };
}

function parsePlanVariable(env: Env): ReturnType<typeof parsePlan> {
  const raw = readOptionalString(env, 'X_EMULATOR_PLAN') ?? DEFAULT_PLAN;
  try {
    return parsePlan(raw, 'X_EMULATOR_PLAN');
  } catch {
    throw new ConfigError('X_EMULATOR_PLAN', `must be one of pay-per-use, pro, basic, got "${raw}"`);
  }
}

function readChoice(env: Env, name: string, choices: readonly string[], fallback: string): string {
  const raw = readOptionalString(env, name) ?? fallback;
  if (!choices.includes(raw)) throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw;
}
