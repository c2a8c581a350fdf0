/** Where a process serves its Prometheus `/metrics`: read by each process's config module, validated there. */
import { ConfigError, readString, type Env } from '../config/env';

/** One metrics endpoint to bind; `variable` names the setting in every error about it. */
export interface MetricsEndpoint {
  host: string;
  /** 0 = any free port (the process logs the one it got). */
  port: number;
  variable: string;
}

/**
 * Fixed defaults, so a Prometheus scrape config written once keeps working; documented in the README. 9464 is the
 * port OpenTelemetry's Prometheus exporters use; the others follow it.
 */
export const DEFAULT_METRICS_PORTS = {
  WORKER_METRICS_PORT: 9464,
  BRIDGE_METRICS_PORT: 9465,
  PRODUCER_METRICS_PORT: 9466,
  WORKER_TEMPORAL_METRICS_PORT: 9467,
} as const;

export type MetricsPortVariable = keyof typeof DEFAULT_METRICS_PORTS;

const HOST = /^[A-Za-z0-9.\-:[\]]+$/;

/** METRICS_HOST: the interface every metrics endpoint binds (default 127.0.0.1; 0.0.0.0 for a remote Prometheus). */
export function readMetricsHost(env: Env): string {
  const host = readString(env, 'METRICS_HOST', '127.0.0.1');
  if (!HOST.test(host)) throw new ConfigError('METRICS_HOST', `must be a host name or IP address, got "${host}"`);
  return host;
}

/**
 * A metrics port setting: a port number (its default when unset), 0 for any free port, or `off`. Undefined when off.
 */
export function readMetricsEndpoint(env: Env, variable: MetricsPortVariable): MetricsEndpoint | undefined {
  const raw = readString(env, variable, String(DEFAULT_METRICS_PORTS[variable])).toLowerCase();
  if (raw === 'off') return undefined;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError(variable, `must be a port number (0 for any free port) or off, got "${raw}"`);
  }
  return { host: readMetricsHost(env), port: Number(raw), variable };
}

/** Two endpoints of one process on the same fixed port would fail at start: say so before anything binds. */
export function checkDistinctPorts(first: MetricsEndpoint | undefined, second: MetricsEndpoint | undefined): void {
  if (first && second && first.port !== 0 && first.port === second.port) {
    throw new ConfigError(second.variable, `must differ from ${first.variable} (both are ${first.port})`);
  }
}
