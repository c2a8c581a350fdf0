import { createServer } from 'node:net';
import { once } from 'node:events';
import { readBridgeSettings } from '../../src/bridge/config';
import { ConfigError } from '../../src/config/env';
import { createProcessRegistry } from '../../src/metrics/registry';
import { serveMetrics } from '../../src/metrics/server';
import { DEFAULT_METRICS_PORTS, readMetricsEndpoint } from '../../src/metrics/settings';
import { readProducerSettings } from '../../src/producer/config';
import { readWorkerConfig } from '../../src/temporal/config';

/** Every process reads its metrics port in its own config module; a bad value stops it, naming the variable. */
describe('metrics settings', () => {
  it('default to fixed, documented ports on 127.0.0.1; 0 asks for any free port; off disables', () => {
    expect(readMetricsEndpoint({}, 'BRIDGE_METRICS_PORT')).toEqual({
      host: '127.0.0.1',
      port: 9465,
      variable: 'BRIDGE_METRICS_PORT',
    });
    expect(DEFAULT_METRICS_PORTS).toEqual({
      WORKER_METRICS_PORT: 9464,
      BRIDGE_METRICS_PORT: 9465,
      PRODUCER_METRICS_PORT: 9466,
      WORKER_TEMPORAL_METRICS_PORT: 9467,
    });
    expect(readMetricsEndpoint({ WORKER_METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' }, 'WORKER_METRICS_PORT')).toEqual({
      host: '0.0.0.0',
      port: 0,
      variable: 'WORKER_METRICS_PORT',
    });
    expect(readMetricsEndpoint({ PRODUCER_METRICS_PORT: 'off' }, 'PRODUCER_METRICS_PORT')).toBeUndefined();
    expect(readMetricsEndpoint({ PRODUCER_METRICS_PORT: 'OFF' }, 'PRODUCER_METRICS_PORT')).toBeUndefined();
  });

  it.each(['abc', '-1', '65536', '9464x', '1e3', 'on'])('refuse %p, naming the variable', (value) => {
    expect(() => readMetricsEndpoint({ BRIDGE_METRICS_PORT: value }, 'BRIDGE_METRICS_PORT')).toThrow(
      new ConfigError('BRIDGE_METRICS_PORT', `must be a port number (0 for any free port) or off, got "${value}"`),
    );
  });

  it('refuse a METRICS_HOST that is no host name', () => {
    expect(() => readMetricsEndpoint({ METRICS_HOST: 'http://x/' }, 'WORKER_METRICS_PORT')).toThrow(
      /METRICS_HOST must be a host name/,
    );
  });

  it("are read by each process's config module, under its own variable", () => {
    const env = { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };
    expect(readWorkerConfig(env)).toMatchObject({ metrics: { port: 9464 }, temporalMetrics: { port: 9467 } });
    expect(readBridgeSettings(env).metrics).toMatchObject({ port: 9465 });
    expect(readProducerSettings(env, []).metrics).toMatchObject({ port: 9466 });
    expect(
      readWorkerConfig({ ...env, WORKER_METRICS_PORT: 'off', WORKER_TEMPORAL_METRICS_PORT: 'off' }),
    ).not.toHaveProperty('metrics');
    expect(() => readWorkerConfig({ ...env, WORKER_METRICS_PORT: 'x' })).toThrow(/WORKER_METRICS_PORT/);
    expect(() => readWorkerConfig({ ...env, WORKER_TEMPORAL_METRICS_PORT: '99999' })).toThrow(
      /WORKER_TEMPORAL_METRICS_PORT/,
    );
    expect(() => readBridgeSettings({ ...env, BRIDGE_METRICS_PORT: 'x' })).toThrow(/BRIDGE_METRICS_PORT/);
    expect(() => readProducerSettings({ ...env, PRODUCER_METRICS_PORT: 'x' }, [])).toThrow(/PRODUCER_METRICS_PORT/);
  });

  it("refuse the worker's two endpoints on one fixed port", () => {
    const env = {
      TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
      WORKER_METRICS_PORT: '9500',
      WORKER_TEMPORAL_METRICS_PORT: '9500',
    };
    expect(() => readWorkerConfig(env)).toThrow(/WORKER_TEMPORAL_METRICS_PORT must differ from WORKER_METRICS_PORT/);
    expect(() =>
      readWorkerConfig({ ...env, WORKER_METRICS_PORT: '0', WORKER_TEMPORAL_METRICS_PORT: '0' }),
    ).not.toThrow();
  });
});

describe('the /metrics server', () => {
  it("serves the registry's series on /metrics, 404 elsewhere", async () => {
    const server = await serveMetrics(createProcessRegistry(), {
      host: '127.0.0.1',
      port: 0,
      variable: 'BRIDGE_METRICS_PORT',
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await response.text()).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('a port already in use stops the process with an error naming the variable', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    try {
      const error = await serveMetrics(createProcessRegistry(), {
        host: '127.0.0.1',
        port,
        variable: 'PRODUCER_METRICS_PORT',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(
        `Invalid configuration: PRODUCER_METRICS_PORT asks for port ${port} on 127.0.0.1, which is already in use: ` +
          'set PRODUCER_METRICS_PORT to a free port, 0 for any free port, or off',
      );
    } finally {
      taken.close();
    }
  });
});
