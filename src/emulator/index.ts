/** The X API v2 emulator: start it in-process with `startEmulator`, or run `npm run emulator`. */
export { startEmulator, DEFAULT_EMULATOR_TOKEN, type EmulatorOptions, type RunningEmulator } from './server';
export type { EmulatorAdmin, RequestLogEntry } from './admin';
export type { GroundTruth, GroundTruthTweet, PostedEvent } from './model';
export { loadScenario, validateScenario, type Scenario, type ScenarioMinute, type ScenarioTweet } from './scenario';
export { X_RATE_LIMITS, type RateLimit, type EndpointKey } from './rate-limits';
export { defaultCaFile } from './certificates';
