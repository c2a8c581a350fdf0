import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults';
import { readJsonBody, sendJson } from './http';
import type { EmTweet } from './model';
import { planHasStream, type XPlan } from './plans';
import type { EndpointKey } from './rate-limits';
import {
  CLIENT_FORBIDDEN,
  invalidRequest,
  invalidRequests,
  notAuthorizedError,
  notFoundError,
  readFieldSelection,
  liveIncludes,
  renderTweet,
  renderUser,
  suspendedUserError,
  TOO_MANY_CONNECTIONS,
} from './render';
import { parseRule, type RuleStore } from './rules';
import type { Simulation } from './simulation';
import type { StreamHub } from './stream-hub';
import { userTimeline } from './timeline';
import type { UsageLedger } from './usage';

/** What the X endpoints need. */
export interface XContext {
  simulation: Simulation;
  rules: RuleStore;
  hub: StreamHub;
  faults: Faults;
  usage: UsageLedger;
  plan(): XPlan;
  maxRuleLength: number;
  maxRules: number;
  maxStreamConnections: number;
}

const TIMELINE_PATH = /^\/2\/users\/([^/]+)\/tweets$/;

/** The rate-limit bucket of an X endpoint, or undefined when the emulator does not serve it. */
export function endpointKey(method: string, pathname: string): EndpointKey | undefined {
  if (method === 'GET' && pathname === '/2/tweets') return 'tweets';
  if (method === 'GET' && TIMELINE_PATH.test(pathname)) return 'timeline';
  if (method === 'GET' && pathname === '/2/users') return 'users';
  if (method === 'GET' && pathname === '/2/tweets/search/stream/rules') return 'rules-get';
  if (method === 'POST' && pathname === '/2/tweets/search/stream/rules') return 'rules-post';
  if (method === 'GET' && pathname === '/2/tweets/search/stream') return 'stream';
  return undefined;
}

/** Serves one X request whose endpoint, auth and rate limit were already checked. */
export async function handleX(
  ctx: XContext,
  key: EndpointKey,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  headers: Record<string, string>,
): Promise<void> {
  // Basic has no filtered stream, and so no use for its rules either.
  if ((key === 'stream' || key === 'rules-get' || key === 'rules-post') && !planHasStream(ctx.plan()))
    return sendJson(res, 403, CLIENT_FORBIDDEN, headers);
  switch (key) {
    case 'tweets':
      return lookupTweets(ctx, res, url, headers);
    case 'timeline':
      return userTimeline(
        ctx,
        res,
        url,
        decodeURIComponent((TIMELINE_PATH.exec(url.pathname) as RegExpExecArray)[1]),
        headers,
      );
    case 'users':
      return lookupUsers(ctx, res, url, headers);
    case 'rules-get':
      return getRules(ctx, res, url, headers);
    case 'rules-post':
      return postRules(ctx, req, res, url, headers);
    case 'stream':
      return openStream(ctx, res, url, headers);
  }
}

/** Validates an `ids` list as X does: 1 to 100 ids of 1-19 digits; `refused` adds ids the faults make X refuse. */
function readIds(
  res: ServerResponse,
  url: URL,
  headers: Record<string, string>,
  refused: (id: string) => boolean = () => false,
): string[] | undefined {
  const raw = url.searchParams.get('ids') ?? '';
  const ids = raw.split(',').filter(Boolean);
  if (ids.length < 1 || ids.length > 100) {
    sendJson(
      res,
      400,
      invalidRequest(
        'ids',
        raw,
        `The number of values in the \`ids\` query parameter list [${ids.length}] is not between 1 and 100`,
      ),
      headers,
    );
    return undefined;
  }
  // One bad id fails the whole request; X names each bad value.
  const bad = ids.filter((id) => !/^[0-9]{1,19}$/.test(id) || refused(id));
  if (bad.length) {
    sendJson(
      res,
      400,
      invalidRequests(
        'ids',
        bad.map((id) => [id, `The \`ids\` query parameter value [${id}] is not valid`]),
      ),
      headers,
    );
    return undefined;
  }
  return ids;
}

function lookupTweets(ctx: XContext, res: ServerResponse, url: URL, headers: Record<string, string>): void {
  const ids = readIds(res, url, headers, (id) => ctx.faults.isRejected(id));
  if (!ids) return;
  const selection = readFieldSelection(url.searchParams);
  const found: EmTweet[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const id of ids) {
    const tweet = ctx.simulation.tweets.get(id);
    const status = tweet ? ctx.simulation.statusAt(tweet) : 'deleted';
    // A deleted tweet is indistinguishable from one that never existed.
    if (status === 'live') found.push(tweet as EmTweet);
    else errors.push(status === 'deleted' ? notFoundError('tweet', id) : notAuthorizedError(id));
  }
  const body: Record<string, unknown> = {};
  if (found.length) body.data = found.map((tweet) => renderTweet(tweet, selection.tweetFields));
  const includes = liveIncludes(found, selection, ctx.simulation);
  if (includes) body.includes = includes;
  if (errors.length) body.errors = errors;
  ctx.usage.readPosts(found.map((tweet) => tweet.id));
  sendJson(res, 200, body, headers);
}

function lookupUsers(ctx: XContext, res: ServerResponse, url: URL, headers: Record<string, string>): void {
  const ids = readIds(res, url, headers);
  if (!ids) return;
  const selection = readFieldSelection(url.searchParams);
  const body: Record<string, unknown> = {};
  const data: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const id of ids) {
    const user = ctx.simulation.users.get(id);
    const suspendedAt = user?.suspendedAtMinute;
    if (!user) errors.push(notFoundError('user', id));
    else if (suspendedAt !== undefined && suspendedAt <= ctx.simulation.elapsedMinutes - 1)
      errors.push(suspendedUserError(id));
    else data.push(renderUser(user, selection.userFields));
  }
  if (data.length) body.data = data;
  if (errors.length) body.errors = errors;
  sendJson(res, 200, body, headers);
}

function getRules(ctx: XContext, res: ServerResponse, url: URL, headers: Record<string, string>): void {
  const wanted = url.searchParams.get('ids')?.split(',').filter(Boolean);
  const rules = ctx.rules.list().filter((rule) => !wanted || wanted.includes(rule.id));
  const body: Record<string, unknown> = { meta: { sent: new Date().toISOString(), result_count: rules.length } };
  if (rules.length) body.data = rules;
  sendJson(res, 200, body, headers);
}

interface RulesBody {
  add?: { value?: unknown; tag?: unknown }[];
  delete?: { ids?: unknown[] };
}

async function postRules(
  ctx: XContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  headers: Record<string, string>,
): Promise<void> {
  let body: RulesBody;
  try {
    body = (await readJsonBody(req)) ?? {};
  } catch {
    sendJson(res, 400, invalidRequest('body', '', 'Request body is not valid JSON'), headers);
    return;
  }
  const dryRun = url.searchParams.get('dry_run') === 'true';
  const sent = new Date().toISOString();
  if (url.searchParams.get('delete_all') === 'true' || body.delete) {
    const ids =
      url.searchParams.get('delete_all') === 'true'
        ? ctx.rules.list().map((r) => r.id)
        : (body.delete?.ids ?? []).map(String);
    const errors: Record<string, unknown>[] = [];
    let deleted = 0;
    for (const id of ids) {
      const exists = ctx.rules.list().some((rule) => rule.id === id);
      if (exists && (dryRun || ctx.rules.delete(id))) deleted++;
      if (!exists)
        errors.push({
          value: id,
          details: ['rule_id not found'],
          title: 'Invalid Rule',
          type: 'https://api.twitter.com/2/problems/invalid-rules',
        });
    }
    const answer: Record<string, unknown> = { meta: { sent, summary: { deleted, not_deleted: ids.length - deleted } } };
    if (errors.length) answer.errors = errors;
    sendJson(res, 200, answer, headers);
    return;
  }
  if (!Array.isArray(body.add) || body.add.length === 0) {
    sendJson(
      res,
      400,
      invalidRequest('add', '', 'The request body must contain a non-empty "add" array or a "delete" object'),
      headers,
    );
    return;
  }
  const invalid: Record<string, unknown>[] = [];
  const duplicates: Record<string, unknown>[] = [];
  const accepted: { value: string; tag?: string; terms: Exclude<ReturnType<typeof parseRule>, string> }[] = [];
  for (const entry of body.add) {
    const value = typeof entry.value === 'string' ? entry.value : '';
    const tag = typeof entry.tag === 'string' ? entry.tag : undefined;
    const terms = parseRule(value);
    const problem =
      value.length > ctx.maxRuleLength
        ? `Rule is too long: ${value.length} > ${ctx.maxRuleLength} characters`
        : typeof terms === 'string'
          ? terms
          : undefined;
    if (problem !== undefined || typeof terms === 'string') {
      invalid.push({
        value,
        details: [problem],
        title: 'Invalid Rule',
        type: 'https://api.twitter.com/2/problems/invalid-rules',
      });
      continue;
    }
    const existing = ctx.rules.findByValue(value);
    if (existing)
      duplicates.push({
        value,
        id: existing.id,
        title: 'DuplicateRule',
        type: 'https://api.twitter.com/2/problems/duplicate-rules',
      });
    else accepted.push({ value, ...(tag ? { tag } : {}), terms });
  }
  if (invalid.length) {
    // One invalid rule fails the whole request, as on X.
    const summary = {
      created: 0,
      not_created: body.add.length,
      valid: body.add.length - invalid.length,
      invalid: invalid.length,
    };
    sendJson(res, 400, { errors: invalid, meta: { sent, summary } }, headers);
    return;
  }
  if (ctx.rules.count() + accepted.length > ctx.maxRules) {
    sendJson(
      res,
      400,
      {
        title: 'RulesCapExceeded',
        detail: `Adding ${accepted.length} rules would exceed the cap of ${ctx.maxRules} rules`,
        type: 'https://api.twitter.com/2/problems/rule-cap',
      },
      headers,
    );
    return;
  }
  const created = dryRun
    ? accepted.map((a) => ({ value: a.value, ...(a.tag ? { tag: a.tag } : {}), id: '0' }))
    : accepted.map((a) => ctx.rules.add(a.value, a.tag, a.terms));
  const answer: Record<string, unknown> = {
    meta: {
      sent,
      summary: { created: created.length, not_created: duplicates.length, valid: body.add.length, invalid: 0 },
    },
  };
  if (created.length) answer.data = created;
  if (duplicates.length) answer.errors = duplicates;
  sendJson(res, 200, answer, headers);
}

function openStream(ctx: XContext, res: ServerResponse, url: URL, headers: Record<string, string>): void {
  if (ctx.hub.occupied() >= ctx.maxStreamConnections) {
    ctx.usage.countRefused();
    sendJson(res, 429, TOO_MANY_CONNECTIONS, headers);
    return;
  }
  const backfill = Number(url.searchParams.get('backfill_minutes') ?? 0);
  if (!Number.isInteger(backfill) || backfill < 0 || backfill > 5) {
    sendJson(
      res,
      400,
      invalidRequest(
        'backfill_minutes',
        String(url.searchParams.get('backfill_minutes')),
        'backfill_minutes must be between 0 and 5',
      ),
      headers,
    );
    return;
  }
  ctx.hub.open(res, readFieldSelection(url.searchParams), backfill, headers);
}
