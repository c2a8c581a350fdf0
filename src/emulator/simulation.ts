import { DEFAULT_FOLLOWED_USER_IDS } from '../domain/followed-users';
import type { EmTweet, EmUser, GroundTruth, PostedEvent } from './model';
import { Random } from './random';
import type { Scenario, ScenarioMinute } from './scenario';

/** Knobs of the random simulation; every default is what `npm run emulator` uses. */
export interface SimulationOptions {
  seed?: number;
  /** ISO time of minute 0. */
  startTime?: string;
  followedUserIds?: readonly string[];
  /** Mean new tweets per followed user per simulated minute. */
  tweetsPerUserPerMinute?: number;
  /** Other accounts that retweet. */
  otherAccounts?: number;
  /** Pareto shape of a tweet's popularity: smaller means a heavier tail. */
  popularityAlpha?: number;
  /** Minimum popularity (expected retweets per minute when new). */
  popularityMin?: number;
  /** Popularity halves roughly every 0.7 x this many minutes. */
  retweetDecayMinutes?: number;
  /** Share of generated tweets that get deleted later. */
  deleteProbability?: number;
  /** Run the random process (default: true without a scenario, false with one). */
  simulate?: boolean;
  scenario?: Scenario;
}

const TWITTER_EPOCH_MS = 1288834974657n;
const DEFAULT_START = '2024-01-01T00:00:00.000Z';
const MINUTE_MS = 60_000;
const POPULARITY_CAP = 40;

interface Candidate {
  offsetMs: number;
  authorId: string;
  text: string;
  id?: string;
  retweetedId?: string;
  initialRetweets?: number;
}

/** A deterministic world of users and posts that advances one simulated minute at a time. */
export class Simulation {
  readonly users = new Map<string, EmUser>();
  readonly tweets = new Map<string, EmTweet>();
  readonly posted: EmTweet[] = [];
  readonly startTimeMs: number;
  readonly followedUserIds: readonly string[];
  private elapsed = 0;
  private sequence = 0;
  private readonly random: Random;
  private readonly otherIds: string[] = [];
  private readonly popularity = new Map<string, number>();
  private readonly deleteAt = new Map<string, number>();
  private readonly retweetMinutes = new Map<string, number[]>();
  private readonly script = new Map<number, ScenarioMinute[]>();
  private readonly listeners: ((tweet: EmTweet) => void)[] = [];
  private readonly options: Required<Omit<SimulationOptions, 'scenario' | 'startTime' | 'followedUserIds'>>;

  constructor(options: SimulationOptions = {}) {
    const scenario = options.scenario;
    this.options = {
      seed: options.seed ?? scenario?.seed ?? 1,
      tweetsPerUserPerMinute: options.tweetsPerUserPerMinute ?? 0.1,
      otherAccounts: options.otherAccounts ?? 500,
      popularityAlpha: options.popularityAlpha ?? 1.1,
      popularityMin: options.popularityMin ?? 0.02,
      retweetDecayMinutes: options.retweetDecayMinutes ?? 30,
      deleteProbability: options.deleteProbability ?? 0.05,
      simulate: options.simulate ?? scenario?.simulate ?? !scenario,
    };
    this.random = new Random(this.options.seed);
    this.startTimeMs = Date.parse(options.startTime ?? scenario?.startTime ?? DEFAULT_START);
    this.followedUserIds = [...(options.followedUserIds ?? scenario?.followedUserIds ?? DEFAULT_FOLLOWED_USER_IDS)];
    this.createUsers(scenario);
    for (const entry of scenario?.minutes ?? []) this.script.set(entry.minute, [...(this.script.get(entry.minute) ?? []), entry]);
    this.checkScriptReferences();
  }

  /** Minutes fully simulated so far; posts of minute m are released when this reaches m + 1. */
  get elapsedMinutes(): number {
    return this.elapsed;
  }

  /** Simulated wall-clock time now. */
  nowMs(): number {
    return this.startTimeMs + this.elapsed * MINUTE_MS;
  }

  /** Calls `listener` for each post as it is released. */
  onPost(listener: (tweet: EmTweet) => void): void {
    this.listeners.push(listener);
  }

  /** Simulates whole minutes until `minutes` have elapsed. */
  advanceTo(minutes: number): void {
    while (this.elapsed < minutes) this.runMinute(this.elapsed++);
  }

  /** The original tweets posted up to and including `minute` (default: the last elapsed one), with counts then. */
  groundTruth(minute: number = this.elapsed - 1): GroundTruth {
    const tweets = this.posted
      .filter((tweet) => !tweet.retweetedId && tweet.minute <= minute)
      .map((tweet) => ({
        id: tweet.id,
        authorId: tweet.authorId,
        authorUsername: this.users.get(tweet.authorId)?.username ?? '',
        text: tweet.text,
        createdAt: tweet.createdAt,
        minute: tweet.minute,
        retweetCount: tweet.initialRetweets + (this.retweetMinutes.get(tweet.id) ?? []).filter((m) => m <= minute).length,
        deleted: tweet.deletedAtMinute !== undefined && tweet.deletedAtMinute <= minute,
      }));
    return { minute, tweets };
  }

  /** Every released post, in release order. */
  postedEvents(): PostedEvent[] {
    return this.posted.map((tweet) => ({
      minute: tweet.minute,
      id: tweet.id,
      authorId: tweet.authorId,
      createdAt: tweet.createdAt,
      ...(tweet.retweetedId ? { retweetedId: tweet.retweetedId } : {}),
    }));
  }

  private createUsers(scenario: Scenario | undefined): void {
    const created = new Date(this.startTimeMs - 365 * 24 * 3600_000).toISOString();
    for (const user of scenario?.users ?? []) {
      this.users.set(user.id, { id: user.id, username: user.username, name: user.name ?? user.username, createdAt: created });
    }
    this.followedUserIds.forEach((id, index) => {
      if (!this.users.has(id)) this.users.set(id, { id, username: `followed_${index + 1}`, name: `Followed ${index + 1}`, createdAt: created });
    });
    // Retweeters get ids far from the followed ones so a `from:` rule never matches them by accident.
    for (let i = 0; i < this.options.otherAccounts; i++) {
      const id = String(1_500_000_000_000_000_000n + BigInt(i) * 7919n);
      this.otherIds.push(id);
      this.users.set(id, { id, username: `fan_${i + 1}`, name: `Fan ${i + 1}`, createdAt: created });
    }
    for (const entry of scenario?.minutes ?? []) {
      for (const tweet of entry.tweets ?? []) {
        if (!this.users.has(tweet.authorId)) {
          this.users.set(tweet.authorId, { id: tweet.authorId, username: `user_${tweet.authorId}`.slice(0, 15), name: tweet.authorId, createdAt: created });
        }
      }
    }
  }

  private checkScriptReferences(): void {
    const definedAt = new Map<string, number>();
    for (const entry of this.script.values()) for (const e of entry) for (const t of e.tweets ?? []) if (t.id) definedAt.set(t.id, e.minute);
    for (const entries of this.script.values()) {
      for (const entry of entries) {
        for (const id of [...Object.keys(entry.retweets ?? {}), ...(entry.deletes ?? [])]) {
          const at = definedAt.get(id);
          if (at === undefined || at > entry.minute) {
            throw new Error(`Invalid scenario: minute ${entry.minute} refers to tweet ${id}, not scripted at or before it`);
          }
        }
      }
    }
  }

  private nextId(createdAtMs: number): string {
    const sequence = BigInt(this.sequence++ % 4_194_304);
    return String(((BigInt(createdAtMs) - TWITTER_EPOCH_MS) << 22n) + sequence);
  }

  private runMinute(minute: number): void {
    const candidates: Candidate[] = [];
    const deletes: string[] = [];
    for (const entry of this.script.get(minute) ?? []) {
      (entry.tweets ?? []).forEach((tweet, index) =>
        candidates.push({ offsetMs: 1000 + index * 10, authorId: tweet.authorId, text: tweet.text, id: tweet.id, initialRetweets: tweet.retweetCount ?? 0 }),
      );
      for (const [id, count] of Object.entries(entry.retweets ?? {})) {
        for (let i = 0; i < count; i++) candidates.push(this.retweetCandidate(id));
      }
      deletes.push(...(entry.deletes ?? []));
    }
    if (this.options.simulate) this.simulateMinute(minute, candidates, deletes);
    // Stable sort: equal offsets keep their scripted order.
    candidates.sort((a, b) => a.offsetMs - b.offsetMs);
    for (const candidate of candidates) this.release(minute, candidate);
    for (const id of deletes) {
      const tweet = this.tweets.get(id);
      if (tweet && tweet.deletedAtMinute === undefined) tweet.deletedAtMinute = minute;
    }
  }

  private retweetCandidate(originalId: string): Candidate {
    // Retweets land in the second half of the minute, after any original posted in the same minute.
    return { offsetMs: 30_000 + this.random.int(30_000), authorId: this.otherIds[this.random.int(this.otherIds.length)], text: '', retweetedId: originalId };
  }

  private simulateMinute(minute: number, candidates: Candidate[], deletes: string[]): void {
    const o = this.options;
    for (const authorId of this.followedUserIds) {
      const count = this.random.poisson(o.tweetsPerUserPerMinute);
      for (let i = 0; i < count; i++) {
        candidates.push({ offsetMs: this.random.int(30_000), authorId, text: `Post ${this.sequence + candidates.length} by ${this.users.get(authorId)?.username}` });
      }
    }
    for (const [id, popularity] of this.popularity) {
      const tweet = this.tweets.get(id) as EmTweet;
      const age = minute - tweet.minute;
      if (tweet.deletedAtMinute !== undefined || age > 8 * o.retweetDecayMinutes) {
        this.popularity.delete(id);
        continue;
      }
      const retweets = this.random.poisson(popularity * Math.exp(-age / o.retweetDecayMinutes));
      for (let i = 0; i < retweets; i++) candidates.push(this.retweetCandidate(id));
      if (this.deleteAt.get(id) === minute) deletes.push(id);
    }
  }

  private release(minute: number, candidate: Candidate): void {
    const createdAtMs = this.startTimeMs + minute * MINUTE_MS + candidate.offsetMs;
    const original = candidate.retweetedId ? this.tweets.get(candidate.retweetedId) : undefined;
    // A retweet of a tweet deleted earlier cannot happen.
    if (candidate.retweetedId && (!original || original.deletedAtMinute !== undefined)) return;
    const tweet: EmTweet = {
      id: candidate.id ?? this.nextId(createdAtMs),
      authorId: candidate.authorId,
      text: original ? `RT @${this.users.get(original.authorId)?.username}: ${original.text}`.slice(0, 280) : candidate.text,
      createdAt: new Date(createdAtMs).toISOString(),
      minute,
      retweetCount: 0,
      initialRetweets: candidate.initialRetweets ?? 0,
    };
    if (original) {
      tweet.retweetedId = original.id;
      original.retweetCount++;
      const minutes = this.retweetMinutes.get(original.id);
      if (minutes) minutes.push(minute);
      else this.retweetMinutes.set(original.id, [minute]);
    } else {
      tweet.retweetCount = tweet.initialRetweets;
      if (!candidate.id && this.options.simulate) this.drawFate(tweet);
    }
    this.tweets.set(tweet.id, tweet);
    this.posted.push(tweet);
    for (const listener of this.listeners) listener(tweet);
  }

  /** Popularity and deletion are drawn once, at posting, so the whole future follows from the seed. */
  private drawFate(tweet: EmTweet): void {
    const o = this.options;
    this.popularity.set(tweet.id, Math.min(POPULARITY_CAP, this.random.pareto(o.popularityMin, o.popularityAlpha)));
    if (this.random.next() < o.deleteProbability) {
      this.deleteAt.set(tweet.id, tweet.minute + 1 + this.random.int(2 * o.retweetDecayMinutes));
    }
  }
}
