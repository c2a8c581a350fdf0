/** The X API v2 emulator: start it in-process with `startEmulator`, or run `npm run emulator`. */
export { startEmulator, DEFAULT_EMULATOR_TOKEN, type EmulatorOptions, type RunningEmulator } from './server';
export type { EmulatorAdmin, RequestLogEntry } from './admin';
export type { GroundTruth, GroundTruthTweet, PostedEvent, TweetStatus } from './model';
export { loadScenario, validateScenario, type Scenario, type ScenarioMinute, type ScenarioTweet } from './scenario';
export { type RateLimit, type EndpointKey } from './rate-limits';
export { DEFAULT_PLAN, PLAN_RATE_LIMITS, X_PLANS, parsePlan, planHasStream, type XPlan } from './plans';
export { PRICE_PER_POST_READ_USD, type UsageDay } from './usage';
export type { DecayModel } from './decay';
export { defaultCaFile } from './certificates';
