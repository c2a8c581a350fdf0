/** The `/metrics` HTTP endpoint of a process (node:http), and the port checks every metrics endpoint shares. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError } from '../config/env';
import type { MetricsEndpoint } from './settings';

export interface MetricsServer {
  /** `http://host:port/metrics`, with the port actually bound. */
  readonly url: string;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** A bind failure as the setting to change: a busy port names its variable, a foreign address METRICS_HOST. */
function bindError(error: NodeJS.ErrnoException, endpoint: MetricsEndpoint): Error {
  const { host, port, variable } = endpoint;
  if (error.code === 'EADDRINUSE') {
    const fix = `set ${variable} to a free port, 0 for any free port, or off`;
    return new ConfigError(variable, `asks for port ${port} on ${host}, which is already in use: ${fix}`);
  }
  if (error.code === 'EACCES') {
    return new ConfigError(variable, `asks for port ${port}, which this user may not bind: use one above 1023`);
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new ConfigError('METRICS_HOST', `"${host}" is not an address of this machine (${error.code})`);
  }
  return error;
}

/** Binds `server` to the endpoint; bind failures become configuration errors naming the variable. */
async function listen(server: Server, endpoint: MetricsEndpoint): Promise<number> {
  server.listen(endpoint.port, endpoint.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw bindError(error as NodeJS.ErrnoException, endpoint);
  }
  return (server.address() as AddressInfo).port;
}

export function metricsUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
}

/**
 * Serves `registry` on `GET /metrics`. The server does not keep the process alive (unref): a process whose real
 * work ended, or failed to start, exits as it did without metrics.
 */
export async function serveMetrics(registry: Registry, endpoint: MetricsEndpoint): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(error)}\n`),
    );
  });
  const port = await listen(server, endpoint);
  server.unref();
  return {
    url: metricsUrl(endpoint.host, port),
    registry,
    close: async () => {
      // A scraper's keep-alive connection would otherwise hold close() until it times out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A port for a metrics server that binds it itself (Temporal's core runtime): 0 becomes a port free right now; a
 * fixed port is checked to be free, so a busy one fails here, naming the variable, not deep inside the runtime.
 */
export async function claimPort(endpoint: MetricsEndpoint): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, endpoint);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
