/** An account known to the emulator. */
export interface EmUser {
  id: string;
  username: string;
  name: string;
  createdAt: string;
  /** Minute from which the account is suspended: its posts are then unavailable. */
  suspendedAtMinute?: number;
}

/** A post: an original tweet, or a retweet (then `retweetedId` names the original). */
export interface EmTweet {
  id: string;
  authorId: string;
  text: string;
  createdAt: string;
  /** The simulated minute (0-based) in which it was posted. */
  minute: number;
  retweetedId?: string;
  /** Retweets it has received (only originals count them). */
  retweetCount: number;
  /** Minute of deletion, if deleted. */
  deletedAtMinute?: number;
  /** Minute from which it is protected (X answers Authorization Error). */
  protectedAtMinute?: number;
  /** Retweets counted before the simulation started (scenario `retweetCount`); never streamed. */
  initialRetweets: number;
}

/** One tweet's ground truth as of a minute. */
export interface GroundTruthTweet {
  id: string;
  authorId: string;
  authorUsername: string;
  text: string;
  createdAt: string;
  minute: number;
  retweetCount: number;
  deleted: boolean;
  /** What a lookup at that minute answers: the post, Not Found (deleted) or Authorization Error. */
  status: TweetStatus;
}

/** Whether X serves a post: `deleted` is Not Found; `protected` and `suspended` (author) are Authorization Error. */
export type TweetStatus = 'live' | 'deleted' | 'protected' | 'suspended';

/** Everything that really happened up to and including `minute`. */
export interface GroundTruth {
  minute: number;
  tweets: GroundTruthTweet[];
}

/** A post as it was released to the stream (every post, whether or not a rule matched). */
export interface PostedEvent {
  minute: number;
  id: string;
  authorId: string;
  createdAt: string;
  retweetedId?: string;
}
