import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, type EmulatorAdmin, handleAdmin, type RequestLogEntry } from './admin';
import { createCertificate } from './certificates';
import { Faults } from './faults';
import { sendJson } from './http';
import { type EndpointKey, type RateLimit, RateLimiter, X_RATE_LIMITS } from './rate-limits';
import { problem } from './render';
import { RuleStore } from './rules';
import { loadScenario } from './scenario';
import { Simulation, type SimulationOptions } from './simulation';
import { StreamHub } from './stream-hub';
import { endpointKey, handleX, type XContext } from './x-routes';

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
  rateLimits?: Partial<Record<EndpointKey, RateLimit>>;
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
  const hub = new StreamHub(simulation, rules, (options.heartbeatSeconds ?? 20) * 1000);
  const limiter = new RateLimiter({ ...X_RATE_LIMITS, ...options.rateLimits });
  const faults = new Faults();
  const bearerToken = options.bearerToken ?? DEFAULT_EMULATOR_TOKEN;
  const expectedAuth = Buffer.from(`Bearer ${bearerToken}`);
  const ctx: XContext = {
    simulation,
    rules,
    hub,
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
    groundTruth: (minute) => simulation.groundTruth(minute),
    posted: () => simulation.postedEvents(),
    requests: () => log.map((entry) => ({ ...entry, query: { ...entry.query } })),
    clearRequests: () => void log.splice(0),
    failNext: (count, status, resetSeconds) => faults.failNext({ count, status, ...(resetSeconds !== undefined ? { resetSeconds } : {}) }),
    delayNext: (ms, count) => faults.delayNext(ms, count),
    dropStreams: (opts) => hub.drop(opts?.operational),
    clearFaults: () => faults.clear(),
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
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), atMs: Date.now() };
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
    const fault = faults.takeFailure();
    if (fault) {
      const headers: Record<string, string> =
        fault.status === 429 ? { 'x-rate-limit-limit': '0', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + (fault.resetSeconds ?? 1)) } : {};
      return sendJson(res, fault.status, problem(fault.status, fault.status === 429 ? 'Too Many Requests' : fault.status === 503 ? 'Service Unavailable' : 'Error'), headers);
    }
    const key = endpointKey(req.method ?? 'GET', url.pathname);
    if (!key) return sendJson(res, 404, { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] });
    if (!isAuthorized(req)) return sendJson(res, 401, problem(401, 'Unauthorized'));
    const rate = limiter.take(key);
    if (!rate.allowed) return sendJson(res, 429, problem(429, 'Too Many Requests'), rate.headers);
    await handleX(ctx, key, req, res, url, rate.headers);
  };

  const certificate = await createCertificate(options.caFile);
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      console.error(`x-emulator: ${req.method} ${req.url?.split('?')[0]} failed: ${(error as Error).message}`);
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

/** Moves simulated time with real time (`minuteSeconds` per minute) plus any minutes advanced by hand. */
function startClock(simulation: Simulation, minuteSeconds: number): { advance(minutes: number): number; stop(): void } {
  const startedAt = Date.now();
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
  if (minuteMs > 0) timer = setTimeout(tick, minuteMs);
  return {
    advance: (minutes) => {
      manual += Math.max(0, Math.floor(minutes));
      simulation.advanceTo(target());
      return simulation.elapsedMinutes;
    },
    stop: () => clearTimeout(timer),
  };
}
