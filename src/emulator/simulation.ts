import { DEFAULT_FOLLOWED_USER_IDS } from '../domain/followed-users';
import { DEFAULT_ACCOUNT_NAMES } from './accounts';
import { type DecayModel, decayFactor, decayIntegral, type RetweetDecay } from './decay';
import type { EmTweet, EmUser, GroundTruth, GroundTruthTweet, PostedEvent, TweetStatus } from './model';
import { Random } from './random';
import type { Scenario, ScenarioMinute } from './scenario';

/** Knobs of the random simulation; every default is what `npm run emulator` uses. */
export interface SimulationOptions {
  seed?: number;
  /** ISO time of minute 0. */
  startTime?: string;
  /**
   * How long a simulated minute is on X's clock (created_at, ids, "now"), default 60,000 ms. A fast demo sets its
   * real minute length here, so X's timestamps and the tracker's ticks share one time axis (event time).
   */
  minuteMs?: number;
  followedUserIds?: readonly string[];
  /** Mean new posts per followed user per simulated minute (news accounts: a few an hour). */
  tweetsPerUserPerMinute?: number;
  /** Other accounts that retweet. */
  otherAccounts?: number;
  /** Pareto shape of a tweet's popularity: smaller means a heavier tail. */
  popularityAlpha?: number;
  /** Minimum popularity (expected retweets per minute when new). */
  popularityMin?: number;
  /** How retweet velocity falls with age: `exponential` e^(-age/τ) or `power-law` (1 + age/τ)^-β. */
  retweetDecay?: DecayModel;
  /** τ of the decay, in minutes. */
  retweetDecayMinutes?: number;
  /** β of the power law. */
  retweetDecayExponent?: number;
  /** Share of generated tweets that get deleted later. */
  deleteProbability?: number;
  /** Share of generated tweets that become protected later (lookups then answer Authorization Error). */
  protectProbability?: number;
  /** Un-retweets per retweet: counts fall by about this share of their growth (un-retweets, suspended fans). */
  unretweetShare?: number;
  /** Share of followed users' posts that are retweets of another followed user's recent tweet. */
  followedRetweetShare?: number;
  /** Tweets that already exist at minute 0 (ages spread evenly over `initialMaxAgeMinutes`); never streamed. */
  initialTweets?: number;
  initialMaxAgeMinutes?: number;
  /** Run the random process (default: true without a scenario, false with one). */
  simulate?: boolean;
  scenario?: Scenario;
}

const TWITTER_EPOCH_MS = 1288834974657n;
const DEFAULT_START = '2024-01-01T00:00:00.000Z';
const MINUTE_MS = 60_000;
const POPULARITY_CAP = 40;
/** A tweet whose expected retweets per minute fall below this stops being simulated (keeps 100k tweets cheap). */
const DEAD_RATE = 1e-4;

interface Candidate {
  offsetMs: number;
  authorId: string;
  text: string;
  id?: string;
  retweetedId?: string;
  initialRetweets?: number;
}

type Knobs = Required<
  Omit<
    SimulationOptions,
    | 'scenario'
    | 'startTime'
    | 'minuteMs'
    | 'followedUserIds'
    | 'retweetDecay'
    | 'retweetDecayMinutes'
    | 'retweetDecayExponent'
  >
>;

/** A deterministic world of users and posts that advances one simulated minute at a time. */
export class Simulation {
  readonly users = new Map<string, EmUser>();
  readonly tweets = new Map<string, EmTweet>();
  /** Every released post, in release order (seeded tweets are not released: they existed before minute 0). */
  readonly posted: EmTweet[] = [];
  /** Tweets that already existed at minute 0, oldest first. */
  readonly seeded: EmTweet[] = [];
  readonly startTimeMs: number;
  /** A simulated minute on X's clock, ms. */
  readonly minuteMs: number;
  readonly followedUserIds: readonly string[];
  readonly decay: RetweetDecay;
  private elapsed = 0;
  private sequence = 0;
  private readonly random: Random;
  private readonly otherIds: string[] = [];
  private readonly popularity = new Map<string, number>();
  private readonly deleteAt = new Map<string, number>();
  private readonly protectAt = new Map<string, number>();
  /** Count changes per original after its initial count: [minute, +1 or -1]. */
  private readonly countEvents = new Map<string, [number, number][]>();
  /** Streamed retweet posts per original, so an un-retweet removes one. */
  private readonly retweetPosts = new Map<string, string[]>();
  private readonly recentFollowedOriginals: string[] = [];
  /** Each author's posts (seeded and released), in id order. */
  private readonly byAuthor = new Map<string, EmTweet[]>();
  private readonly script = new Map<number, ScenarioMinute[]>();
  private readonly listeners: ((tweet: EmTweet) => void)[] = [];
  private readonly options: Knobs;

  constructor(options: SimulationOptions = {}) {
    const scenario = options.scenario;
    const simulate = options.simulate ?? scenario?.simulate ?? !scenario;
    this.followedUserIds = [...(options.followedUserIds ?? scenario?.followedUserIds ?? DEFAULT_FOLLOWED_USER_IDS)];
    const tweetsPerUserPerMinute = options.tweetsPerUserPerMinute ?? 0.08;
    const initialMaxAgeMinutes = options.initialMaxAgeMinutes ?? 180;
    this.options = {
      seed: options.seed ?? scenario?.seed ?? 1,
      tweetsPerUserPerMinute,
      otherAccounts: options.otherAccounts ?? 500,
      popularityAlpha: options.popularityAlpha ?? 1.1,
      popularityMin: options.popularityMin ?? 0.05,
      deleteProbability: options.deleteProbability ?? 0.05,
      protectProbability: options.protectProbability ?? 0.01,
      unretweetShare: options.unretweetShare ?? 0.03,
      followedRetweetShare: options.followedRetweetShare ?? 0.1,
      // By default the random world starts with the last 3 hours of posts, so retweets flow from the first minute.
      initialTweets:
        options.initialTweets ??
        (simulate ? Math.round(tweetsPerUserPerMinute * this.followedUserIds.length * initialMaxAgeMinutes) : 0),
      initialMaxAgeMinutes,
      simulate,
    };
    this.decay = {
      model: options.retweetDecay ?? 'exponential',
      minutes: options.retweetDecayMinutes ?? 60,
      exponent: options.retweetDecayExponent ?? 1.5,
    };
    this.random = new Random(this.options.seed);
    this.startTimeMs = Date.parse(options.startTime ?? scenario?.startTime ?? DEFAULT_START);
    this.minuteMs = options.minuteMs ?? MINUTE_MS;
    this.createUsers(scenario);
    for (const entry of scenario?.minutes ?? [])
      this.script.set(entry.minute, [...(this.script.get(entry.minute) ?? []), entry]);
    this.checkScriptReferences();
    this.seed(this.options.initialTweets);
  }

  /** Minutes fully simulated so far; posts of minute m are released when this reaches m + 1. */
  get elapsedMinutes(): number {
    return this.elapsed;
  }

  /** Simulated wall-clock time now. */
  nowMs(): number {
    return this.startTimeMs + this.elapsed * this.minuteMs;
  }

  /** Calls `listener` for each post as it is released. */
  onPost(listener: (tweet: EmTweet) => void): void {
    this.listeners.push(listener);
  }

  /** Simulates whole minutes until `minutes` have elapsed. */
  advanceTo(minutes: number): void {
    while (this.elapsed < minutes) this.runMinute(this.elapsed++);
  }

  /** What a lookup of `tweet` answers at `minute`. */
  statusAt(tweet: EmTweet, minute: number = this.elapsed - 1): TweetStatus {
    if (tweet.deletedAtMinute !== undefined && tweet.deletedAtMinute <= minute) return 'deleted';
    const suspendedAt = this.users.get(tweet.authorId)?.suspendedAtMinute;
    if (suspendedAt !== undefined && suspendedAt <= minute) return 'suspended';
    if (tweet.protectedAtMinute !== undefined && tweet.protectedAtMinute <= minute) return 'protected';
    return 'live';
  }

  /**
   * The original tweets posted up to and including `minute` (default: the last elapsed one), with their counts
   * then; seeded tweets first. `ids` narrows it to those tweets (cheap for a benchmark tracking 100k).
   */
  groundTruth(minute: number = this.elapsed - 1, ids?: readonly string[]): GroundTruth {
    const source = ids
      ? ids.flatMap((id) => {
          const tweet = this.tweets.get(id);
          return tweet && !tweet.retweetedId && tweet.minute <= minute ? [tweet] : [];
        })
      : [...this.seeded, ...this.posted.filter((tweet) => !tweet.retweetedId && tweet.minute <= minute)];
    return { minute, tweets: source.map((tweet) => this.truthOf(tweet, minute)) };
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

  /** Posts by `userId` (originals and retweets, seeded ones included) live at the current minute, newest first. */
  timelineOf(userId: string): EmTweet[] {
    return (this.byAuthor.get(userId) ?? []).filter((tweet) => this.statusAt(tweet) === 'live').reverse();
  }

  private truthOf(tweet: EmTweet, minute: number): GroundTruthTweet {
    // The current count is kept on the tweet; only older minutes replay the count changes.
    const retweetCount =
      minute >= this.elapsed - 1
        ? tweet.retweetCount
        : tweet.initialRetweets +
          (this.countEvents.get(tweet.id) ?? []).reduce((sum, [m, delta]) => (m <= minute ? sum + delta : sum), 0);
    const status = this.statusAt(tweet, minute);
    return {
      id: tweet.id,
      authorId: tweet.authorId,
      authorUsername: this.users.get(tweet.authorId)?.username ?? '',
      text: tweet.text,
      createdAt: tweet.createdAt,
      minute: tweet.minute,
      retweetCount,
      deleted: status === 'deleted',
      status,
    };
  }

  private createUsers(scenario: Scenario | undefined): void {
    const created = new Date(this.startTimeMs - 365 * 24 * 3600_000).toISOString();
    for (const user of scenario?.users ?? []) {
      this.users.set(user.id, {
        id: user.id,
        username: user.username,
        name: user.name ?? user.username,
        createdAt: created,
      });
    }
    this.followedUserIds.forEach((id, index) => {
      const known = DEFAULT_ACCOUNT_NAMES[id] ?? { username: `followed_${index + 1}`, name: `Followed ${index + 1}` };
      if (!this.users.has(id)) this.users.set(id, { id, ...known, createdAt: created });
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
          this.users.set(tweet.authorId, {
            id: tweet.authorId,
            username: `user_${tweet.authorId}`.slice(0, 15),
            name: tweet.authorId,
            createdAt: created,
          });
        }
      }
    }
  }

  private checkScriptReferences(): void {
    const definedAt = new Map<string, number>();
    for (const entry of this.script.values())
      for (const e of entry) for (const t of e.tweets ?? []) if (t.id) definedAt.set(t.id, e.minute);
    for (const entries of this.script.values()) {
      for (const entry of entries) {
        const referenced = [
          ...Object.keys(entry.retweets ?? {}),
          ...Object.keys(entry.unretweets ?? {}),
          ...(entry.deletes ?? []),
          ...(entry.protect ?? []),
          ...(entry.tweets ?? []).flatMap((t) => (t.retweetOf ? [t.retweetOf] : [])),
        ];
        for (const id of referenced) {
          const at = definedAt.get(id);
          if (at === undefined || at > entry.minute) {
            throw new Error(
              `Invalid scenario: minute ${entry.minute} refers to tweet ${id}, not scripted at or before it`,
            );
          }
        }
        for (const userId of entry.suspend ?? []) {
          if (!this.users.has(userId))
            throw new Error(`Invalid scenario: minute ${entry.minute} suspends unknown user ${userId}`);
        }
      }
    }
  }

  private nextId(createdAtMs: number): string {
    const sequence = BigInt(this.sequence++ % 4_194_304);
    return String(((BigInt(createdAtMs) - TWITTER_EPOCH_MS) << 22n) + sequence);
  }

  /** Creates `count` tweets posted before minute 0, with the retweets they got so far and their future fate. */
  private seed(count: number): void {
    if (count <= 0 || this.followedUserIds.length === 0) return;
    const o = this.options;
    const spanMs = o.initialMaxAgeMinutes * MINUTE_MS;
    for (let i = 0; i < count; i++) {
      // Evenly spread ages (oldest first), jittered so ids differ between seeds.
      const ageMs = Math.max(1000, Math.round(((count - i - this.random.next()) / count) * spanMs));
      const createdAtMs = this.startTimeMs - Math.round((ageMs * this.minuteMs) / MINUTE_MS);
      const authorId = this.followedUserIds[this.random.int(this.followedUserIds.length)];
      const id = this.nextId(createdAtMs);
      const minute = Math.floor(-ageMs / MINUTE_MS);
      const tweet: EmTweet = {
        id,
        authorId,
        text: `Post ${id.slice(-6)} by ${this.users.get(authorId)?.username}`,
        createdAt: new Date(createdAtMs).toISOString(),
        minute,
        retweetCount: 0,
        initialRetweets: 0,
      };
      const popularity = this.drawFate(tweet);
      tweet.initialRetweets = this.random.poisson(popularity * decayIntegral(this.decay, ageMs / MINUTE_MS));
      tweet.retweetCount = tweet.initialRetweets;
      // Every seeded tweet starts live: a deletion or protection drawn for before minute 0 never happens.
      this.tweets.set(id, tweet);
      this.seeded.push(tweet);
      this.index(tweet);
    }
  }

  private runMinute(minute: number): void {
    const candidates: Candidate[] = [];
    const deletes: string[] = [];
    const unretweets: string[] = [];
    for (const entry of this.script.get(minute) ?? []) {
      (entry.tweets ?? []).forEach((tweet, index) =>
        candidates.push({
          offsetMs: tweet.retweetOf ? 30_000 + index * 10 : 1000 + index * 10,
          authorId: tweet.authorId,
          text: tweet.text,
          id: tweet.id,
          initialRetweets: tweet.retweetCount ?? 0,
          ...(tweet.retweetOf ? { retweetedId: tweet.retweetOf } : {}),
        }),
      );
      for (const [id, count] of Object.entries(entry.retweets ?? {})) {
        for (let i = 0; i < count; i++) candidates.push(this.retweetCandidate(id));
      }
      for (const [id, count] of Object.entries(entry.unretweets ?? {}))
        for (let i = 0; i < count; i++) unretweets.push(id);
      deletes.push(...(entry.deletes ?? []));
      for (const id of entry.protect ?? []) this.setProtected(id, minute);
      for (const userId of entry.suspend ?? []) {
        const user = this.users.get(userId) as EmUser;
        user.suspendedAtMinute ??= minute;
      }
    }
    if (this.options.simulate) this.simulateMinute(minute, candidates, deletes, unretweets);
    // Stable sort: equal offsets keep their scripted order.
    candidates.sort((a, b) => a.offsetMs - b.offsetMs);
    for (const candidate of candidates) this.release(minute, candidate);
    for (const id of unretweets) this.unretweet(id, minute);
    for (const id of deletes) {
      const tweet = this.tweets.get(id);
      if (tweet && tweet.deletedAtMinute === undefined) tweet.deletedAtMinute = minute;
    }
  }

  private retweetCandidate(originalId: string): Candidate {
    // Retweets land in the second half of the minute, after any original posted in the same minute.
    return {
      offsetMs: 30_000 + this.random.int(30_000),
      authorId: this.otherIds[this.random.int(this.otherIds.length)],
      text: '',
      retweetedId: originalId,
    };
  }

  private simulateMinute(minute: number, candidates: Candidate[], deletes: string[], unretweets: string[]): void {
    const o = this.options;
    for (const authorId of this.followedUserIds) {
      if (this.users.get(authorId)?.suspendedAtMinute !== undefined) continue;
      const count = this.random.poisson(o.tweetsPerUserPerMinute);
      for (let i = 0; i < count; i++) {
        const retweetOf = this.random.next() < o.followedRetweetShare ? this.pickRecentOriginal(authorId) : undefined;
        if (retweetOf)
          candidates.push({ offsetMs: 30_000 + this.random.int(30_000), authorId, text: '', retweetedId: retweetOf });
        else
          candidates.push({
            offsetMs: this.random.int(30_000),
            authorId,
            text: `Post ${this.sequence + candidates.length} by ${this.users.get(authorId)?.username}`,
          });
      }
    }
    for (const [id, popularity] of this.popularity) {
      const tweet = this.tweets.get(id) as EmTweet;
      const age = minute - tweet.minute;
      const rate = popularity * decayFactor(this.decay, age);
      if (this.statusAt(tweet, minute) === 'deleted' || (rate < DEAD_RATE && age > this.decay.minutes)) {
        this.popularity.delete(id);
        continue;
      }
      if (this.statusAt(tweet, minute) === 'live') {
        const retweets = this.random.poisson(rate);
        for (let i = 0; i < retweets; i++) candidates.push(this.retweetCandidate(id));
        const undone = this.random.poisson(rate * o.unretweetShare);
        for (let i = 0; i < undone; i++) unretweets.push(id);
      }
      if (this.deleteAt.get(id) === minute) deletes.push(id);
      if (this.protectAt.get(id) === minute) this.setProtected(id, minute);
    }
  }

  /** A live original by another followed user from the last few dozen, for a followed user to retweet. */
  private pickRecentOriginal(authorId: string): string | undefined {
    const recent = this.recentFollowedOriginals.slice(-50).filter((id) => {
      const tweet = this.tweets.get(id) as EmTweet;
      return tweet.authorId !== authorId && this.statusAt(tweet) === 'live';
    });
    return recent.length ? recent[this.random.int(recent.length)] : undefined;
  }

  private setProtected(id: string, minute: number): void {
    const tweet = this.tweets.get(id);
    if (tweet && tweet.protectedAtMinute === undefined) tweet.protectedAtMinute = minute;
  }

  /** Takes one retweet back: the count falls, and the newest streamed retweet post is gone. */
  private unretweet(originalId: string, minute: number): void {
    const original = this.tweets.get(originalId);
    if (!original || original.retweetCount <= 0) return;
    original.retweetCount--;
    this.recordCount(originalId, minute, -1);
    const postId = this.retweetPosts.get(originalId)?.pop();
    const post = postId ? this.tweets.get(postId) : undefined;
    if (post && post.deletedAtMinute === undefined) post.deletedAtMinute = minute;
  }

  private recordCount(id: string, minute: number, delta: number): void {
    const events = this.countEvents.get(id);
    if (events) events.push([minute, delta]);
    else this.countEvents.set(id, [[minute, delta]]);
  }

  private release(minute: number, candidate: Candidate): void {
    // Offsets are within a 60-second minute; X's clock may run a minute in less (see `minuteMs`).
    const createdAtMs =
      this.startTimeMs + Math.floor(((minute * MINUTE_MS + candidate.offsetMs) * this.minuteMs) / MINUTE_MS);
    const original = candidate.retweetedId ? this.tweets.get(candidate.retweetedId) : undefined;
    // Nobody can retweet a tweet that is deleted, protected or by a suspended author.
    if (candidate.retweetedId && (!original || this.statusAt(original, minute) !== 'live')) return;
    const tweet: EmTweet = {
      id: candidate.id ?? this.nextId(createdAtMs),
      authorId: candidate.authorId,
      text: original
        ? `RT @${this.users.get(original.authorId)?.username}: ${original.text}`.slice(0, 280)
        : candidate.text,
      createdAt: new Date(createdAtMs).toISOString(),
      minute,
      retweetCount: 0,
      initialRetweets: candidate.initialRetweets ?? 0,
    };
    if (original) {
      tweet.retweetedId = original.id;
      original.retweetCount++;
      this.recordCount(original.id, minute, 1);
      const posts = this.retweetPosts.get(original.id);
      if (posts) posts.push(tweet.id);
      else this.retweetPosts.set(original.id, [tweet.id]);
    } else {
      tweet.retweetCount = tweet.initialRetweets;
      if (!candidate.id && this.options.simulate) this.drawFate(tweet);
    }
    this.tweets.set(tweet.id, tweet);
    this.posted.push(tweet);
    this.index(tweet);
    for (const listener of this.listeners) listener(tweet);
  }

  private index(tweet: EmTweet): void {
    // Kept in id order; generated ids only grow, but scripted ones may arrive in any order.
    const own = this.byAuthor.get(tweet.authorId) ?? [];
    this.byAuthor.set(tweet.authorId, own);
    const id = BigInt(tweet.id);
    let at = own.length;
    while (at > 0 && BigInt(own[at - 1].id) > id) at--;
    own.splice(at, 0, tweet);
    if (!tweet.retweetedId && this.followedUserIds.includes(tweet.authorId)) {
      this.recentFollowedOriginals.push(tweet.id);
      if (this.recentFollowedOriginals.length > 1000) this.recentFollowedOriginals.splice(0, 500);
    }
  }

  /** Popularity, deletion and protection are drawn once, at posting, so the whole future follows from the seed. */
  private drawFate(tweet: EmTweet): number {
    const o = this.options;
    const popularity = Math.min(POPULARITY_CAP, this.random.pareto(o.popularityMin, o.popularityAlpha));
    this.popularity.set(tweet.id, popularity);
    const window = 2 * this.decay.minutes;
    if (this.random.next() < o.deleteProbability)
      this.deleteAt.set(tweet.id, tweet.minute + 1 + this.random.int(window));
    if (this.random.next() < o.protectProbability)
      this.protectAt.set(tweet.id, tweet.minute + 1 + this.random.int(window));
    return popularity;
  }
}
