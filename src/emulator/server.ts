import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, type EmulatorAdmin, handleAdmin, type RequestLogEntry } from './admin';
import { createCertificate, uniqueCaFile } from './certificates';
import { Faults } from './faults';
import { sendJson } from './http';
import { DEFAULT_PLAN, PLAN_RATE_LIMITS, type XPlan } from './plans';
import { type EndpointKey, type RateLimit, RateLimiter } from './rate-limits';
import { problem, USAGE_CAPPED } from './render';
import { RuleStore } from './rules';
import { loadScenario } from './scenario';
import { Simulation, type SimulationOptions } from './simulation';
import { StreamHub } from './stream-hub';
import { UsageLedger } from './usage';
import { endpointKey, handleX, type XContext } from './x-routes';
import { componentLog, errorMessage } from '../shared/log';

/** Everything configurable about an emulator; all optional. */
export interface EmulatorOptions extends SimulationOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The bearer token the emulator accepts. */
  bearerToken?: string;
  /** Where to write the certificate clients must trust. */
  caFile?: string;
  /** Real seconds per simulated minute; 0 stops the clock (then only `admin.advance` moves time). */
  minuteSeconds?: number;
  /** Seconds between stream heartbeats (X: 20). */
  heartbeatSeconds?: number;
  /** X access plan whose rate limits and endpoints apply (default pay-per-use). */
  plan?: XPlan;
  /** Limits on top of the plan's; tests and benchmarks that raise them must say so. */
  rateLimits?: Partial<Record<EndpointKey, RateLimit>>;
  /**
   * Rate-limit windows in simulated time (with a manual clock, a benchmark's minutes are not real minutes);
   * default: real time, as clients compare `x-rate-limit-reset` with their own clock.
   */
  simulatedRateLimitClock?: boolean;
  /** Billed post reads per calendar month before X answers UsageCapExceeded (default: no cap). */
  monthlyPostCap?: number;
  /** Seconds a stream connection the client left keeps its slot (X: some seconds; default 0). */
  streamLingerSeconds?: number;
  maxRuleLength?: number;
  maxRules?: number;
  maxStreamConnections?: number;
  /** A scenario JSON file; `scenario` (an object) wins when both are given. */
  scenarioFile?: string;
  /** Requests kept in the log. */
  requestLogSize?: number;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL for X_API_BASE_URL, e.g. https://127.0.0.1:43521 */
  url: string;
  caFile: string;
  bearerToken: string;
  /** The three variables that point the project's X client here. */
  env: { X_API_BASE_URL: string; X_API_CA_FILE: string; X_BEARER_TOKEN: string };
  admin: EmulatorAdmin;
  simulation: Simulation;
  close(): Promise<void>;
}

/** The token the emulator accepts by default; a fixed, public test value, not a secret. */
export const DEFAULT_EMULATOR_TOKEN = 'x-emulator-token';

/** Starts the X API v2 emulator over HTTPS on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const scenario = options.scenario ?? (options.scenarioFile ? loadScenario(options.scenarioFile) : undefined);
  const simulation = new Simulation({ ...options, scenario });
  const rules = new RuleStore();
  const usage = new UsageLedger(() => simulation.nowMs(), options.monthlyPostCap ?? Number.POSITIVE_INFINITY);
  const hub = new StreamHub(
    simulation,
    rules,
    (options.heartbeatSeconds ?? 20) * 1000,
    usage,
    (options.streamLingerSeconds ?? 0) * 1000,
  );
  let plan: XPlan = options.plan ?? DEFAULT_PLAN;
  const limitsOf = (p: XPlan): Record<EndpointKey, RateLimit> => ({ ...PLAN_RATE_LIMITS[p], ...options.rateLimits });
  const limiter = new RateLimiter(
    limitsOf(plan),
    options.simulatedRateLimitClock ? () => simulation.nowMs() : Date.now,
  );
  const faults = new Faults();
  const bearerToken = options.bearerToken ?? DEFAULT_EMULATOR_TOKEN;
  const expectedAuth = Buffer.from(`Bearer ${bearerToken}`);
  const ctx: XContext = {
    simulation,
    rules,
    hub,
    faults,
    usage,
    plan: () => plan,
    maxRuleLength: options.maxRuleLength ?? 512,
    maxRules: options.maxRules ?? 1000,
    maxStreamConnections: options.maxStreamConnections ?? 1,
  };
  const log: RequestLogEntry[] = [];
  const logSize = options.requestLogSize ?? 10_000;
  const clock = startClock(simulation, options.minuteSeconds ?? 60);

  const admin: EmulatorAdmin = {
    advance: (minutes = 1) => clock.advance(minutes),
    elapsedMinutes: () => simulation.elapsedMinutes,
    groundTruth: (minute, ids) => simulation.groundTruth(minute, ids),
    posted: () => simulation.postedEvents(),
    requests: () => log.map((entry) => ({ ...entry, query: { ...entry.query } })),
    clearRequests: () => void log.splice(0),
    failNext: (count, status, resetSeconds, endpoint) =>
      faults.failNext({
        count,
        status,
        ...(resetSeconds !== undefined ? { resetSeconds } : {}),
        ...(endpoint ? { endpoint } : {}),
      }),
    delayNext: (ms, count) => faults.delayNext(ms, count),
    hangNext: (count, endpoint = 'tweets') => faults.hangNext({ count, endpoint }),
    rejectIds: (ids) => faults.rejectIds(ids),
    dropStreams: (opts) => hub.drop(opts?.operational),
    clearFaults: () => {
      faults.clear();
      hub.clearLinger();
    },
    setStreamLinger: (seconds) => void (hub.lingerMs = seconds * 1000),
    plan: () => ({ plan, limits: limiter.current() }),
    setPlan: (next) => {
      plan = next;
      limiter.setLimits(limitsOf(plan));
    },
    usage: (day) => usage.usage(day),
    usageDays: () => usage.allDays(),
    setMonthlyPostCap: (cap) => usage.setMonthlyPostCap(cap),
    rules: () => rules.list(),
    streamConnections: () => hub.size,
  };

  const isAuthorized = (req: IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    if (url.pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(admin, req, res, url);
    const entry: RequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      atMs: Date.now(),
    };
    log.push(entry);
    if (log.length > logSize) log.shift();
    try {
      await serveX(req, res, url);
    } finally {
      entry.status = res.headersSent ? res.statusCode : undefined;
    }
  };

  const serveX = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const delay = faults.takeDelay();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const key = endpointKey(req.method ?? 'GET', url.pathname);
    // Half-open: the request is accepted and never answered; only the client's timeout ends it.
    if (faults.takeHang(key)) return;
    const fault = faults.takeFailure(key);
    if (fault) {
      const headers: Record<string, string> =
        fault.status === 429
          ? {
              'x-rate-limit-limit': '0',
              'x-rate-limit-remaining': '0',
              'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + (fault.resetSeconds ?? 1)),
            }
          : {};
      if (fault.status === 429) usage.countRefused();
      return sendJson(
        res,
        fault.status,
        problem(
          fault.status,
          fault.status === 429 ? 'Too Many Requests' : fault.status === 503 ? 'Service Unavailable' : 'Error',
        ),
        headers,
      );
    }
    if (!key) return sendJson(res, 404, { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] });
    if (!isAuthorized(req)) return sendJson(res, 401, problem(401, 'Unauthorized'));
    usage.countRequest(key);
    const rate = limiter.take(key);
    if (!rate.allowed) {
      usage.countRefused();
      return sendJson(res, 429, problem(429, 'Too Many Requests'), rate.headers);
    }
    if ((key === 'tweets' || key === 'timeline' || key === 'stream') && usage.capReached()) {
      usage.countRefused();
      return sendJson(res, 429, USAGE_CAPPED, rate.headers);
    }
    await handleX(ctx, key, req, res, url, rate.headers);
  };

  const certificate = await createCertificate(options.caFile ?? uniqueCaFile());
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      const path = req.url?.split('?')[0];
      componentLog('x-emulator').error(`${req.method} ${path} failed: ${errorMessage(error)}`, {
        method: req.method,
        path,
      });
      if (!res.headersSent) sendJson(res, 500, problem(500, 'Internal Server Error'));
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://${host}:${port}`;

  return {
    url,
    caFile: certificate.caFile,
    bearerToken,
    env: { X_API_BASE_URL: url, X_API_CA_FILE: certificate.caFile, X_BEARER_TOKEN: bearerToken },
    admin,
    simulation,
    close: async () => {
      clock.stop();
      hub.drop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Moves simulated time with real time (`minuteSeconds` per minute) plus any minutes advanced by hand. When X's clock
 * runs at real speed (its minute as long as a real one), minute m ends when X's clock passes its end: the two agree.
 * A start time still to come (a demo that lets its processes start first) holds minute 0 until then; one long past
 * (a scenario of 2024) is not replayed minute by minute: the clock starts now.
 */
function startClock(simulation: Simulation, minuteSeconds: number): { advance(minutes: number): number; stop(): void } {
  const realSpeed =
    simulation.minuteMs === minuteSeconds * 1000 && Date.now() - simulation.startTimeMs < simulation.minuteMs;
  const startedAt = realSpeed ? simulation.startTimeMs : Date.now();
  let manual = 0;
  let timer: NodeJS.Timeout | undefined;
  const minuteMs = minuteSeconds * 1000;
  const target = (): number => manual + (minuteMs > 0 ? Math.floor((Date.now() - startedAt) / minuteMs) : 0);
  const tick = (): void => {
    simulation.advanceTo(target());
    // Schedule at the next boundary rather than on an interval, so timer drift never skips or repeats a minute.
    const next = startedAt + (Math.floor((Date.now() - startedAt) / minuteMs) + 1) * minuteMs;
    timer = setTimeout(tick, Math.max(1, next - Date.now()));
  };
  if (minuteMs > 0)
    timer = setTimeout(
      tick,
      Math.max(1, startedAt + (Math.floor((Date.now() - startedAt) / minuteMs) + 1) * minuteMs - Date.now()),
    );
  return {
    advance: (minutes) => {
      manual += Math.max(0, Math.floor(minutes));
      simulation.advanceTo(target());
      return simulation.elapsedMinutes;
    },
    stop: () => clearTimeout(timer),
  };
}
