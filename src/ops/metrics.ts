import cluster from 'node:cluster';
import { AggregatorRegistry, Counter, Histogram, collectDefaultMetrics, register, type Registry } from 'prom-client';
import type { Backend } from '../backends/index.js';

/** The server's Prometheus metrics, on prom-client's global registry (the one its cluster aggregation reads). */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route' | 'status'>;
  readonly backend: Histogram<'operation' | 'outcome'>;
}

let metrics: Metrics | undefined;

/** Created once per process (prom-client refuses a metric registered twice). */
export function getMetrics(): Metrics {
  if (!metrics) {
    // In a worker this makes prom-client answer the primary's requests for metrics.
    if (cluster.isWorker) new AggregatorRegistry();
    collectDefaultMetrics({ prefix: 'occi_' });
    metrics = {
      registry: register,
      requests: new Counter({ name: 'occi_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'] }),
      latency: new Histogram({
        name: 'occi_http_request_duration_seconds', help: 'Time from request to response, by method, route and status',
        labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
      backend: new Histogram({
        name: 'occi_backend_call_duration_seconds', help: 'Backend calls, by operation and outcome (ok, error)',
        labelNames: ['operation', 'outcome'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      }),
    };
  }
  return metrics;
}

const TIMED = new Set(['get', 'list', 'create', 'update', 'delete', 'invoke', 'defineMixin', 'removeMixin', 'refresh']);

/** The backend with every call timed into `occi_backend_call_duration_seconds`. */
export function instrumentBackend(backend: Backend, m: Metrics): Backend {
  return new Proxy(backend, {
    get(target, p) {
      const v: unknown = Reflect.get(target, p, target);
      if (typeof v !== 'function') return v;
      const fn = v as (...args: unknown[]) => unknown;
      if (typeof p !== 'string' || !TIMED.has(p)) return fn.bind(target);
      return async (...args: unknown[]) => {
        const end = m.backend.startTimer({ operation: p });
        try {
          const out = await fn.apply(target, args);
          end({ outcome: 'ok' });
          return out;
        } catch (err) {
          end({ outcome: 'error' });
          throw err;
        }
      };
    },
  });
}
