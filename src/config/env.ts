import { existsSync } from 'node:fs';

/** Invalid configuration: the message always names the variable, so a user knows what to fix. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

let dotEnvLoaded = false;

/** The process environment, with `.env` from the working directory loaded under it once (real variables win). */
export function processEnv(): Env {
  if (!dotEnvLoaded) {
    dotEnvLoaded = true;
    // process.loadEnvFile never overrides variables that are already set.
    if (existsSync('.env')) process.loadEnvFile('.env');
  }
  return process.env;
}

/**
 * The trimmed value, or undefined when the variable is not set. Set but empty is an error: `KAFKA_BROKERS=` is a
 * typo or a broken script far more often than a wish for the default, and a silent default hides it.
 */
function present(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (!value) throw new ConfigError(name, 'is set but empty: give it a value, or unset it to use the default');
  return value;
}

/** A non-empty string, or the default. */
export function readString(env: Env, name: string, fallback?: string): string {
  const raw = present(env, name);
  if (raw) return raw;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(name, 'is required but not set');
}

/**
 * A string that may be absent. Empty counts as absent here: it is how a user overrides a value from `.env` (which
 * never replaces a variable that is set), e.g. `X_BEARER_TOKEN=` for the emulator instead of the real X API.
 */
export function readOptionalString(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** Fails when any of `names` is set but empty (settings read by a library rather than by the readers here). */
export function rejectEmpty(env: Env, names: readonly string[]): void {
  for (const name of names) present(env, name);
}

/** An integer within [min, max], or the default. */
export function readInteger(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = present(env, name);
  if (!raw) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A positive number (fractions allowed), or the default. */
export function readPositiveNumber(env: Env, name: string, fallback: number): number {
  const raw = present(env, name);
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(name, `must be a positive number, got "${raw}"`);
  return value;
}

/** An absolute http(s) URL, or the default. */
export function readUrl(env: Env, name: string, fallback: string): URL {
  const raw = readString(env, name, fallback);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(name, `must be http(s), got "${raw}"`);
  return url;
}

const HOST_PORT = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

/** A host:port address (a Temporal frontend, say), or the default. */
export function readHostPort(env: Env, name: string, fallback: string): string {
  const address = readString(env, name, fallback);
  if (!HOST_PORT.test(address)) throw new ConfigError(name, `must be host:port, got "${address}"`);
  return address;
}

/** A comma-separated list of host:port pairs (Kafka brokers, say). */
export function readHostPortList(env: Env, name: string, fallback: string): string[] {
  const items = readString(env, name, fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!HOST_PORT.test(item)) throw new ConfigError(name, `must list host:port pairs, got "${item}"`);
  }
  if (items.length === 0) throw new ConfigError(name, 'must list at least one host:port');
  return items;
}

/** A comma-separated list of X user ids. */
export function readIdList(env: Env, name: string, fallback: readonly string[]): string[] {
  const raw = present(env, name);
  if (!raw) return [...fallback];
  const ids = raw.split(/[\s,]+/).filter(Boolean);
  for (const id of ids)
    if (!/^\d{1,20}$/.test(id)) throw new ConfigError(name, `must list numeric user ids, got "${id}"`);
  return ids;
}
