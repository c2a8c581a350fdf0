import type { ServerResponse } from 'node:http';
import { sendJson } from './http';
import type { EmTweet } from './model';
import { invalidRequest, readFieldSelection, liveIncludes, renderTweet, suspendedUserError } from './render';
import type { XContext } from './x-routes';

/** X serves at most the 3,200 most recent posts of a timeline. */
const TIMELINE_DEPTH = 3200;
const ID = /^[0-9]{1,19}$/;

/** Opaque-looking page tokens, like X's: a direction letter, then the boundary id in base 36. */
function encodeToken(direction: 'n' | 'p', id: string): string {
  return `${direction}${BigInt(id).toString(36).padStart(13, '0')}`;
}

function decodeToken(token: string): { direction: 'n' | 'p'; id: bigint } | undefined {
  const match = /^([np])([0-9a-z]{1,13})$/.exec(token);
  if (!match) return undefined;
  let id = 0n;
  for (const char of match[2]) id = id * 36n + BigInt(parseInt(char, 36));
  return { direction: match[1] as 'n' | 'p', id };
}

function userNotFound(id: string): Record<string, unknown> {
  return {
    value: id,
    detail: `Could not find user with id: [${id}].`,
    title: 'Not Found Error',
    resource_type: 'user',
    parameter: 'id',
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

/**
 * `GET /2/users/:id/tweets`: the user's posts (their retweets included, as X shows them), newest first, paged
 * with `max_results` (5-100, default 10), `since_id`, `until_id`, `pagination_token` and `exclude=retweets`.
 */
export function userTimeline(
  ctx: XContext,
  res: ServerResponse,
  url: URL,
  userId: string,
  headers: Record<string, string>,
): void {
  const query = url.searchParams;
  const bad = (parameter: string, value: string, message: string): void =>
    sendJson(res, 400, invalidRequest(parameter, value, message), headers);
  if (!ID.test(userId)) return bad('id', userId, `The \`id\` query parameter value [${userId}] is not valid`);
  const maxRaw = query.get('max_results') ?? '10';
  const max = Number(maxRaw);
  if (!/^\d+$/.test(maxRaw) || max < 5 || max > 100)
    return bad('max_results', maxRaw, `The \`max_results\` query parameter value [${maxRaw}] is not between 5 and 100`);
  for (const name of ['since_id', 'until_id']) {
    const value = query.get(name);
    if (value !== null && !ID.test(value))
      return bad(name, value, `The \`${name}\` query parameter value [${value}] is not valid`);
  }
  const tokenRaw = query.get('pagination_token');
  const token = tokenRaw === null ? undefined : decodeToken(tokenRaw);
  if (tokenRaw !== null && !token)
    return bad(
      'pagination_token',
      tokenRaw,
      `The \`pagination_token\` query parameter value [${tokenRaw}] is not valid`,
    );

  const user = ctx.simulation.users.get(userId);
  if (!user) return sendJson(res, 200, { errors: [userNotFound(userId)] }, headers);
  const suspendedAt = user.suspendedAtMinute;
  if (suspendedAt !== undefined && suspendedAt <= ctx.simulation.elapsedMinutes - 1) {
    return sendJson(res, 200, { errors: [suspendedUserError(userId, 'id')] }, headers);
  }

  const excludeRetweets = (query.get('exclude') ?? '').split(',').includes('retweets');
  const sinceId = query.get('since_id') === null ? undefined : BigInt(query.get('since_id') as string);
  const untilId = query.get('until_id') === null ? undefined : BigInt(query.get('until_id') as string);
  // Newest first, within X's depth, then the caller's bounds.
  const all = ctx.simulation
    .timelineOf(userId)
    .slice(0, TIMELINE_DEPTH)
    .filter((t) => !(excludeRetweets && t.retweetedId))
    .filter(
      (t) => (sinceId === undefined || BigInt(t.id) > sinceId) && (untilId === undefined || BigInt(t.id) < untilId),
    );
  let page: EmTweet[];
  let olderRemain: boolean;
  if (token?.direction === 'p') {
    const newer = all.filter((t) => BigInt(t.id) > token.id);
    page = newer.slice(Math.max(0, newer.length - max));
    olderRemain = true;
  } else {
    const older = token ? all.filter((t) => BigInt(t.id) < token.id) : all;
    page = older.slice(0, max);
    olderRemain = older.length > max;
  }

  const selection = readFieldSelection(query);
  const body: Record<string, unknown> = {};
  if (page.length) body.data = page.map((tweet) => renderTweet(tweet, selection.tweetFields));
  const includes = liveIncludes(page, selection, ctx.simulation);
  if (includes) body.includes = includes;
  const meta: Record<string, unknown> = { result_count: page.length };
  if (page.length) {
    meta.newest_id = page[0].id;
    meta.oldest_id = page[page.length - 1].id;
    if (olderRemain) meta.next_token = encodeToken('n', page[page.length - 1].id);
    if (token) meta.previous_token = encodeToken('p', page[0].id);
  }
  body.meta = meta;
  ctx.usage.readPosts(page.map((tweet) => tweet.id));
  sendJson(res, 200, body, headers);
}
