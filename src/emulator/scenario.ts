import { readFileSync } from 'node:fs';
import { isSnowflakeId } from '../domain/tweet-id';

/** A scripted tweet; `id` is generated from the seed when absent. */
export interface ScenarioTweet {
  id?: string;
  authorId: string;
  text: string;
  /** Retweets it already had before the emulator started (counted, never streamed). */
  retweetCount?: number;
  /** Makes this post a retweet by `authorId` of that tweet (it then counts toward it, and shows in their timeline). */
  retweetOf?: string;
}

/** What happens in one simulated minute. */
export interface ScenarioMinute {
  minute: number;
  tweets?: ScenarioTweet[];
  /** New retweets by other accounts in this minute, by original tweet id; each one is streamed. */
  retweets?: Record<string, number>;
  /** Retweets taken back in this minute, by original tweet id: the count falls (never streamed). */
  unretweets?: Record<string, number>;
  /** Tweet ids deleted in this minute. */
  deletes?: string[];
  /** Tweet ids that become protected in this minute (lookups answer Authorization Error). */
  protect?: string[];
  /** User ids suspended in this minute: their posts become unavailable. */
  suspend?: string[];
}

/** A scenario file: exact tweets and retweet counts minute by minute, the ground truth a test can state. */
export interface Scenario {
  seed?: number;
  /** ISO time of minute 0. */
  startTime?: string;
  /** Also run the random simulation on top of the script (default false when a scenario is given). */
  simulate?: boolean;
  /** Accounts to know by name; followed users not listed get generated names. */
  users?: { id: string; username: string; name?: string }[];
  /** Users whose posts the random simulation generates (default: the project's followed users). */
  followedUserIds?: string[];
  minutes: ScenarioMinute[];
}

function fail(problem: string): never {
  throw new Error(`Invalid scenario: ${problem}`);
}

/** Checks a parsed scenario and returns it typed; errors say which entry is wrong. */
export function validateScenario(input: unknown): Scenario {
  if (typeof input !== 'object' || input === null) fail('not a JSON object');
  const scenario = input as Scenario;
  if (!Array.isArray(scenario.minutes)) fail('"minutes" must be an array');
  if (scenario.startTime !== undefined && Number.isNaN(Date.parse(scenario.startTime)))
    fail('"startTime" must be ISO-8601');
  for (const user of scenario.users ?? []) {
    if (!isSnowflakeId(user.id) || !/^[A-Za-z0-9_]{1,15}$/.test(user.username))
      fail(`bad user ${JSON.stringify(user)}`);
  }
  scenario.minutes.forEach((entry, index) => {
    const where = `minutes[${index}]`;
    if (!Number.isInteger(entry.minute) || entry.minute < 0) fail(`${where}.minute must be a whole number >= 0`);
    for (const tweet of entry.tweets ?? []) {
      if (tweet.id !== undefined && !isSnowflakeId(tweet.id))
        fail(`${where}: tweet id ${JSON.stringify(tweet.id)} is not a snowflake`);
      if (!isSnowflakeId(tweet.authorId)) fail(`${where}: authorId ${JSON.stringify(tweet.authorId)} is not a user id`);
      if (typeof tweet.text !== 'string') fail(`${where}: tweet text must be a string`);
      if (tweet.retweetOf !== undefined && !isSnowflakeId(tweet.retweetOf))
        fail(`${where}: retweetOf ${JSON.stringify(tweet.retweetOf)} is not a tweet id`);
    }
    for (const field of ['retweets', 'unretweets'] as const) {
      for (const [id, count] of Object.entries(entry[field] ?? {})) {
        if (!Number.isInteger(count) || count < 0) fail(`${where}.${field}[${id}] must be a whole number >= 0`);
      }
    }
    for (const field of ['deletes', 'protect', 'suspend'] as const) {
      const ids = entry[field];
      if (ids !== undefined && (!Array.isArray(ids) || !ids.every((id) => isSnowflakeId(id))))
        fail(`${where}.${field} must be an array of ids`);
    }
  });
  return scenario;
}

/** Reads and validates a scenario JSON file. */
export function loadScenario(file: string): Scenario {
  return validateScenario(JSON.parse(readFileSync(file, 'utf8')));
}
