import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendJson } from './http';
import type { GroundTruth, PostedEvent } from './model';
import type { StoredRule } from './rules';

/** One request to an X endpoint, as the emulator saw it. */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent (undefined if the client went away first). */
  status?: number;
  atMs: number;
}

/** Test controls and ground truth; served in-process and over HTTP under `/__admin/`. */
export interface EmulatorAdmin {
  /** Simulates `minutes` more minutes at once; returns the minutes elapsed. */
  advance(minutes?: number): number;
  elapsedMinutes(): number;
  /** Original tweets and their retweet counts as of `minute` (default: the last elapsed minute). */
  groundTruth(minute?: number): GroundTruth;
  /** Every post released so far, matching a rule or not. */
  posted(): PostedEvent[];
  /** Requests to the X endpoints, oldest first. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Answers the next `count` X requests with `status` (a 429 advertises a reset `resetSeconds` ahead). */
  failNext(count: number, status: number, resetSeconds?: number): void;
  /** Delays the next `count` X requests (all, when omitted) by `ms`. */
  delayNext(ms: number, count?: number): void;
  /** Closes every open stream: a socket reset, or X's operational-disconnect message then a clean end. */
  dropStreams(options?: { operational?: boolean }): number;
  clearFaults(): void;
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

/** Serves the admin API over HTTP; no bearer token, as it is a local test hook on the loopback address. */
export async function handleAdmin(admin: EmulatorAdmin, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method} ${url.pathname.slice(ADMIN_PREFIX.length)}`;
  try {
    switch (route) {
      case 'GET state':
        return sendJson(res, 200, { elapsedMinutes: admin.elapsedMinutes(), streamConnections: admin.streamConnections() });
      case 'GET ground-truth':
        return sendJson(res, 200, admin.groundTruth(optionalNumber(url.searchParams.get('minute'), 'minute')));
      case 'GET posted':
        return sendJson(res, 200, { posted: admin.posted() });
      case 'GET requests':
        return sendJson(res, 200, { requests: admin.requests() });
      case 'DELETE requests':
        admin.clearRequests();
        return sendJson(res, 200, { ok: true });
      case 'GET rules':
        return sendJson(res, 200, { rules: admin.rules() });
      case 'POST advance': {
        const body = ((await readJsonBody(req)) ?? {}) as { minutes?: unknown };
        return sendJson(res, 200, { elapsedMinutes: admin.advance(optionalNumber(body.minutes, 'minutes') ?? 1) });
      }
      case 'POST faults': {
        const body = ((await readJsonBody(req)) ?? {}) as {
          failNext?: { count?: unknown; status?: unknown; resetSeconds?: unknown };
          delay?: { ms?: unknown; count?: unknown };
          dropStreams?: boolean | 'operational';
        };
        if (body.failNext) {
          const f = body.failNext;
          admin.failNext(optionalNumber(f.count, 'count') ?? 1, optionalNumber(f.status, 'status') ?? 503, optionalNumber(f.resetSeconds, 'resetSeconds'));
        }
        if (body.delay) admin.delayNext(optionalNumber(body.delay.ms, 'ms') ?? 0, optionalNumber(body.delay.count, 'count'));
        const dropped = body.dropStreams ? admin.dropStreams({ operational: body.dropStreams === 'operational' }) : 0;
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
