/** An account known to the emulator. */
export interface EmUser {
  id: string;
  username: string;
  name: string;
  createdAt: string;
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
}

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
