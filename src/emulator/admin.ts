import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendJson } from './http';
import type { GroundTruth, PostedEvent } from './model';
import { parsePlan, type XPlan } from './plans';
import type { EndpointKey, RateLimit } from './rate-limits';
import type { StoredRule } from './rules';
import type { UsageDay } from './usage';

/** One request to an X endpoint, as the emulator saw it. */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent (undefined if the client went away first, or the request was hung). */
  status?: number;
  atMs: number;
}

/** Test controls and ground truth; served in-process and over HTTP under `/__admin/`. */
export interface EmulatorAdmin {
  /** Simulates `minutes` more minutes at once; returns the minutes elapsed. */
  advance(minutes?: number): number;
  elapsedMinutes(): number;
  /** Original tweets and their retweet counts as of `minute` (default: the last elapsed minute), optionally only `ids`. */
  groundTruth(minute?: number, ids?: readonly string[]): GroundTruth;
  /** Every post released so far, matching a rule or not. */
  posted(): PostedEvent[];
  /** Requests to the X endpoints, oldest first. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Answers the next `count` X requests (to `endpoint`, if given) with `status` (a 429 advertises a reset `resetSeconds` ahead). */
  failNext(count: number, status: number, resetSeconds?: number, endpoint?: EndpointKey): void;
  /** Delays the next `count` X requests (all, when omitted) by `ms`. */
  delayNext(ms: number, count?: number): void;
  /** Accepts the next `count` requests to `endpoint` (default: tweet lookups) and never answers them. */
  hangNext(count: number, endpoint?: EndpointKey): void;
  /** Makes `GET /2/tweets` refuse these well-formed ids with 400, as X refuses a malformed one. */
  rejectIds(ids: readonly string[]): void;
  /** Closes every open stream: a socket reset, or X's operational-disconnect message then a clean end. */
  dropStreams(options?: { operational?: boolean }): number;
  /** Clears pending faults, refused ids and lingering stream slots. */
  clearFaults(): void;
  /** Seconds a stream connection the client left keeps its slot. */
  setStreamLinger(seconds: number): void;
  plan(): { plan: XPlan; limits: Record<EndpointKey, RateLimit> };
  /** Switches plan without a restart; rate-limit windows start afresh. */
  setPlan(plan: XPlan): void;
  /** Billing ground truth of a simulated UTC day (default: today). */
  usage(day?: string): UsageDay;
  usageDays(): UsageDay[];
  setMonthlyPostCap(cap: number): void;
  rules(): StoredRule[];
  streamConnections(): number;
}

export const ADMIN_PREFIX = '/__admin/';

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
  return n;
}

const ENDPOINTS: readonly EndpointKey[] = ['tweets', 'timeline', 'users', 'rules-get', 'rules-post', 'stream'];

function optionalEndpoint(value: unknown): EndpointKey | undefined {
  if (value === undefined || value === null) return undefined;
  if (!ENDPOINTS.includes(value as EndpointKey)) throw new Error(`endpoint must be one of ${ENDPOINTS.join(', ')}`);
  return value as EndpointKey;
}

interface FaultsBody {
  failNext?: { count?: unknown; status?: unknown; resetSeconds?: unknown; endpoint?: unknown };
  delay?: { ms?: unknown; count?: unknown };
  hang?: { count?: unknown; endpoint?: unknown };
  rejectIds?: unknown;
  dropStreams?: boolean | 'operational';
  streamLingerSeconds?: unknown;
}

function applyFaults(admin: EmulatorAdmin, body: FaultsBody): number {
  if (body.failNext) {
    const f = body.failNext;
    admin.failNext(
      optionalNumber(f.count, 'count') ?? 1,
      optionalNumber(f.status, 'status') ?? 503,
      optionalNumber(f.resetSeconds, 'resetSeconds'),
      optionalEndpoint(f.endpoint),
    );
  }
  if (body.delay) admin.delayNext(optionalNumber(body.delay.ms, 'ms') ?? 0, optionalNumber(body.delay.count, 'count'));
  if (body.hang) admin.hangNext(optionalNumber(body.hang.count, 'count') ?? 1, optionalEndpoint(body.hang.endpoint));
  if (body.rejectIds !== undefined) {
    if (!Array.isArray(body.rejectIds) || !body.rejectIds.every((id) => typeof id === 'string'))
      throw new Error('rejectIds must be an array of strings');
    admin.rejectIds(body.rejectIds);
  }
  const linger = optionalNumber(body.streamLingerSeconds, 'streamLingerSeconds');
  if (linger !== undefined) admin.setStreamLinger(linger);
  return body.dropStreams ? admin.dropStreams({ operational: body.dropStreams === 'operational' }) : 0;
}

/** Serves the admin API over HTTP; no bearer token, as it is a local test hook on the loopback address. */
export async function handleAdmin(
  admin: EmulatorAdmin,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${req.method} ${url.pathname.slice(ADMIN_PREFIX.length)}`;
  const query = url.searchParams;
  try {
    switch (route) {
      case 'GET state':
        return sendJson(res, 200, {
          elapsedMinutes: admin.elapsedMinutes(),
          streamConnections: admin.streamConnections(),
          plan: admin.plan().plan,
        });
      case 'GET ground-truth': {
        const ids = query.get('ids')?.split(',').filter(Boolean);
        return sendJson(res, 200, admin.groundTruth(optionalNumber(query.get('minute'), 'minute'), ids));
      }
      case 'GET posted':
        return sendJson(res, 200, { posted: admin.posted() });
      case 'GET requests':
        return sendJson(res, 200, { requests: admin.requests() });
      case 'DELETE requests':
        admin.clearRequests();
        return sendJson(res, 200, { ok: true });
      case 'GET rules':
        return sendJson(res, 200, { rules: admin.rules() });
      case 'GET plan':
        return sendJson(res, 200, admin.plan());
      case 'POST plan': {
        const body = ((await readJsonBody(req)) ?? {}) as { plan?: unknown; monthlyPostCap?: unknown };
        if (body.plan !== undefined)
          admin.setPlan(parsePlan(typeof body.plan === 'string' ? body.plan : JSON.stringify(body.plan), 'plan'));
        const cap = optionalNumber(body.monthlyPostCap, 'monthlyPostCap');
        if (cap !== undefined) admin.setMonthlyPostCap(cap);
        return sendJson(res, 200, admin.plan());
      }
      case 'GET usage':
        return query.get('all') === 'true'
          ? sendJson(res, 200, { days: admin.usageDays() })
          : sendJson(res, 200, admin.usage(query.get('day') ?? undefined));
      case 'POST advance': {
        const body = ((await readJsonBody(req)) ?? {}) as { minutes?: unknown };
        return sendJson(res, 200, { elapsedMinutes: admin.advance(optionalNumber(body.minutes, 'minutes') ?? 1) });
      }
      case 'POST faults': {
        const body = ((await readJsonBody(req)) ?? {}) as FaultsBody;
        const dropped = applyFaults(admin, body);
        return sendJson(res, 200, { ok: true, dropped });
      }
      case 'DELETE faults':
        admin.clearFaults();
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: `No admin route ${route}` });
    }
  } catch (error) {
    sendJson(res, 400, { error: (error as Error).message });
  }
}
