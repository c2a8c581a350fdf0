import type { Simulation } from './simulation';
import type { EmTweet, EmUser } from './model';

/** The `tweet.fields`, `user.fields` and `expansions` a request asked for. */
export interface FieldSelection {
  tweetFields: Set<string>;
  userFields: Set<string>;
  expansions: Set<string>;
}

function list(value: string | null): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Reads the field parameters of a v2 request. */
export function readFieldSelection(query: URLSearchParams): FieldSelection {
  return {
    tweetFields: list(query.get('tweet.fields')),
    userFields: list(query.get('user.fields')),
    expansions: list(query.get('expansions')),
  };
}

/** A v2 tweet object with the default fields plus the requested ones. */
export function renderTweet(tweet: EmTweet, fields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] };
  if (fields.has('author_id')) out.author_id = tweet.authorId;
  if (fields.has('created_at')) out.created_at = tweet.createdAt;
  if (fields.has('public_metrics')) {
    out.public_metrics = {
      retweet_count: tweet.retweetCount,
      reply_count: 0,
      like_count: 0,
      quote_count: 0,
      bookmark_count: 0,
      impression_count: 0,
    };
  }
  if (fields.has('referenced_tweets') && tweet.retweetedId)
    out.referenced_tweets = [{ type: 'retweeted', id: tweet.retweetedId }];
  return out;
}

/** A v2 user object with the default fields (id, name, username) plus the requested ones. */
export function renderUser(user: EmUser, fields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: user.id, name: user.name, username: user.username };
  if (fields.has('created_at')) out.created_at = user.createdAt;
  if (fields.has('protected')) out.protected = false;
  if (fields.has('verified')) out.verified = false;
  if (fields.has('description')) out.description = '';
  return out;
}

/**
 * `includes` for the given primary tweets, following the requested expansions. `referenced_tweets.id.author_id`
 * implies the referenced tweets themselves, as expansion paths do on X. `isLive` leaves out originals X would
 * not show (deleted, protected, suspended author).
 */
/** `includes` for posts X serves now: what they reference, with only live referenced posts. */
export function liveIncludes(
  primary: EmTweet[],
  selection: FieldSelection,
  simulation: Simulation,
): Record<string, unknown> | undefined {
  return renderIncludes(
    primary,
    selection,
    simulation.tweets,
    simulation.users,
    (t) => simulation.statusAt(t) === 'live',
  );
}

export function renderIncludes(
  primary: EmTweet[],
  selection: FieldSelection,
  tweets: Map<string, EmTweet>,
  users: Map<string, EmUser>,
  isLive: (tweet: EmTweet) => boolean = (tweet) => tweet.deletedAtMinute === undefined,
): Record<string, unknown> | undefined {
  const userIds = new Set<string>();
  const included = new Map<string, EmTweet>();
  const expandReferenced =
    selection.expansions.has('referenced_tweets.id') || selection.expansions.has('referenced_tweets.id.author_id');
  for (const tweet of primary) {
    if (selection.expansions.has('author_id')) userIds.add(tweet.authorId);
    const referenced = tweet.retweetedId ? tweets.get(tweet.retweetedId) : undefined;
    if (referenced && isLive(referenced) && expandReferenced) {
      included.set(referenced.id, referenced);
      if (selection.expansions.has('referenced_tweets.id.author_id')) userIds.add(referenced.authorId);
    }
  }
  const includes: Record<string, unknown> = {};
  const userObjects = [...userIds].flatMap((id) =>
    users.has(id) ? [renderUser(users.get(id) as EmUser, selection.userFields)] : [],
  );
  if (userObjects.length) includes.users = userObjects;
  if (included.size) includes.tweets = [...included.values()].map((t) => renderTweet(t, selection.tweetFields));
  return Object.keys(includes).length ? includes : undefined;
}

/** X's entry in `errors` for an id it cannot return. */
export function notFoundError(resource: 'tweet' | 'user', id: string): Record<string, unknown> {
  return {
    value: id,
    detail: `Could not find ${resource} with ids: [${id}].`,
    title: 'Not Found Error',
    resource_type: resource,
    parameter: 'ids',
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

/** X's 400 body for a bad query parameter. */
export function invalidRequest(parameter: string, value: string, message: string): Record<string, unknown> {
  return invalidRequests(parameter, [[value, message]]);
}

/** X's 400 body naming every bad value of one parameter, one entry each. */
export function invalidRequests(
  parameter: string,
  problems: [value: string, message: string][],
): Record<string, unknown> {
  return {
    errors: problems.map(([value, message]) => ({ parameters: { [parameter]: [value] }, message })),
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  };
}

/** The plain problem body X sends with 401, 429 and 503. */
export function problem(status: number, title: string): Record<string, unknown> {
  return { title, detail: title, type: 'about:blank', status };
}

/** X's entry in `errors` for a post it will not show: a protected tweet, or one whose author is suspended. */
export function notAuthorizedError(id: string): Record<string, unknown> {
  return {
    value: id,
    detail: `Sorry, you are not authorized to see the Tweet with id: [${id}].`,
    title: 'Authorization Error',
    resource_type: 'tweet',
    parameter: 'ids',
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/not-authorized-for-resource',
  };
}

/** X's 429 body once the monthly post cap is used up. */
export const USAGE_CAPPED = {
  title: 'UsageCapExceeded',
  detail: 'Usage cap exceeded: Monthly product cap',
  type: 'https://api.twitter.com/2/problems/usage-capped',
} as const;

/** X's 429 body for a second filtered-stream connection. */
export const TOO_MANY_CONNECTIONS = {
  title: 'ConnectionException',
  detail: 'This stream is currently at the maximum allowed connection limit.',
  connection_issue: 'TooManyConnections',
  type: 'https://api.twitter.com/2/problems/streaming-connection',
} as const;

/** X's 403 body when the app's access level lacks an endpoint (the filtered stream on Basic). */
export const CLIENT_FORBIDDEN = {
  client_id: '28000001',
  detail:
    'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.',
  registration_url: 'https://developer.twitter.com/en/docs/projects/overview',
  title: 'Client Forbidden',
  required_enrollment: 'Appropriate Level of API Access',
  reason: 'client-not-enrolled',
  type: 'https://api.twitter.com/2/problems/client-forbidden',
} as const;

/** X's entry in `errors` for a suspended account (`parameter` is `ids` in lookups, `id` on a timeline). */
export function suspendedUserError(id: string, parameter: 'ids' | 'id' = 'ids'): Record<string, unknown> {
  return {
    value: id,
    detail: `User has been suspended: [${id}].`,
    title: 'Forbidden',
    resource_type: 'user',
    parameter,
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}
