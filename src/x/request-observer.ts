/** What the X client tells an observer (metrics) about each REST request it made; nothing about the token. */
import type { RateLimitState } from './types';

export interface XRequestEvent {
  /** Method and path with ids generalised: `GET /2/tweets`, `GET /2/users/:id/tweets`. */
  endpoint: string;
  /** The HTTP status of an error answer; `2xx` for a success (the library does not expose its code); `network`. */
  status: string;
  /** X's rate-limit headers of the answer, when it sent them. */
  rateLimit?: RateLimitState;
  /** Ids of the posts in a successful answer of an endpoint that returns posts: each one is a read X bills. */
  postIds: string[];
}

export interface XRequestObserver {
  request(event: XRequestEvent): void;
}

/** `GET /2/users/2244994945/tweets` → `GET /2/users/:id/tweets`; whatever precedes `/2/` (a base path) is dropped. */
export function endpointName(method: string, pathname: string): string {
  const at = pathname.indexOf('/2/');
  // The version segment stays; numeric segments after it are ids.
  const rest = (at >= 0 ? pathname.slice(at + 2) : pathname).replace(/\/\d+(?=\/|$)/g, '/:id').replace(/\/+$/, '');
  return `${method.toUpperCase()} ${at >= 0 ? '/2' : ''}${rest}`;
}

/** The endpoints whose answers are posts (billed reads); others answer with rules or users, which have ids too. */
const POST_ENDPOINTS = new Set(['GET /2/tweets', 'GET /2/tweets/:id', 'GET /2/users/:id/tweets']);

/** The ids of the posts in an answer's body (`data`: one post or a list), for the endpoints that return posts. */
export function postIdsOf(endpoint: string, body: unknown): string[] {
  if (!POST_ENDPOINTS.has(endpoint)) return [];
  const data = (body as { data?: unknown } | null)?.data;
  const items = Array.isArray(data) ? data : data ? [data] : [];
  return items.map((item) => (item as { id?: unknown })?.id).filter((id): id is string => typeof id === 'string');
}
