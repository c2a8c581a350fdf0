/** The per-process Prometheus registry, and counters fed from the `stats()` counts a component already keeps. */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Every series of ours starts with this, so one dashboard query finds them beside Node's and Temporal's. */
export const PREFIX = 'retweet_tracker_';

/** Where and what a series of ours is: `registry`, the name without the prefix, its help and labels. */
type Series<T extends string> = [registry: Registry, name: string, help: string, labelNames?: readonly T[]];

const options = <T extends string>([registry, name, help, labelNames = []]: Series<T>) => ({
  name: PREFIX + name,
  help,
  labelNames,
  registers: [registry],
});

/** A counter of ours. */
export const counter = <T extends string = string>(...series: Series<T>): Counter<T> => new Counter<T>(options(series));

/** A gauge of ours. */
export const gauge = <T extends string = string>(...series: Series<T>): Gauge<T> => new Gauge<T>(options(series));

/** A registry of one process, with Node's process metrics (CPU, memory, event-loop lag, GC). */
export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A counter read from a monotonic count kept elsewhere (a component's `stats()`), at scrape time: the component
 * stays free of metrics code, and the count is exported as a counter, so `rate()` works on it.
 */
export function counterFrom(registry: Registry, name: string, help: string, read: () => number): Counter {
  const collect = function (this: Counter) {
    this.reset();
    this.inc(read());
  };
  return new Counter({ ...options([registry, name, help]), collect });
}

/** A gauge read at scrape time. */
export function gaugeFrom(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    ...options([registry, name, help]),
    collect: function (this: Gauge) {
      this.set(read());
    },
  });
}
