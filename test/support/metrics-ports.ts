/**
 * Jest setup: processes the tests start (they inherit this environment) serve metrics on free ports, not the fixed
 * defaults, which a demo or a second test run on the same machine would hold. A test that sets a port keeps it.
 */
for (const name of [
  'WORKER_METRICS_PORT',
  'WORKER_TEMPORAL_METRICS_PORT',
  'BRIDGE_METRICS_PORT',
  'PRODUCER_METRICS_PORT',
]) {
  process.env[name] ??= '0';
}
