import { ConfigError, type Env, processEnv, readInteger, readOptionalString, readString, readUrl } from '../config/env';

/** Where and how the X client talks to X (or to the emulator: only these variables differ). */
export interface XConfig {
  /** App-only bearer token. Non-enumerable, so logging or serialising the config never prints it. */
  readonly bearerToken: string;
  readonly baseUrl: URL;
  /** A PEM file of extra CAs to trust (the emulator's self-signed certificate). */
  readonly caFile?: string;
  /** Minutes of stream backfill to ask for on (re)connect (X Pro/Enterprise `backfill_minutes`); 0 = none. */
  readonly streamBackfillMinutes: number;
  /**
   * Whether the stream rules also ask for other accounts' retweets of the followed users (`retweets_of:`): live
   * counts between lookups, but every streamed retweet is a billed read. See the README's cost section.
   */
  readonly streamRetweets: boolean;
}

/** X's API origin, which twitter-api-v2 also hard-codes for every v2 request. */
export const DEFAULT_X_API_BASE_URL = 'https://api.x.com';

/** Reads X_BEARER_TOKEN, X_API_BASE_URL, X_API_CA_FILE, X_STREAM_BACKFILL_MINUTES and X_STREAM_RETWEETS. */
export function readXConfig(env: Env = processEnv()): XConfig {
  const streamRetweets = readString(env, 'X_STREAM_RETWEETS', 'off');
  if (streamRetweets !== 'on' && streamRetweets !== 'off')
    throw new ConfigError('X_STREAM_RETWEETS', `must be on or off, got "${streamRetweets}"`);
  return makeXConfig({
    streamRetweets: streamRetweets === 'on',
    bearerToken: readString(env, 'X_BEARER_TOKEN'),
    baseUrl: readUrl(env, 'X_API_BASE_URL', DEFAULT_X_API_BASE_URL),
    caFile: readOptionalString(env, 'X_API_CA_FILE'),
    streamBackfillMinutes: readInteger(env, 'X_STREAM_BACKFILL_MINUTES', 0, 0, 5),
  });
}

/** Builds a config whose bearer token stays out of JSON.stringify and util.inspect output. */
export function makeXConfig(fields: {
  bearerToken: string;
  baseUrl: URL | string;
  caFile?: string;
  streamBackfillMinutes?: number;
  streamRetweets?: boolean;
}): XConfig {
  const config = {
    streamRetweets: fields.streamRetweets ?? false,
    baseUrl: new URL(fields.baseUrl.toString()),
    streamBackfillMinutes: fields.streamBackfillMinutes ?? 0,
    ...(fields.caFile ? { caFile: fields.caFile } : {}),
  };
  Object.defineProperty(config, 'bearerToken', { value: fields.bearerToken, enumerable: false });
  return config as XConfig;
}
