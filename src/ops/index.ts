/** Operations: JSON logs with request ids, Prometheus metrics, the admin listener, rate limits. */
export { registryMetrics, startAdmin, type AdminOptions, type AdminServer } from './admin.js';
export { createLogger, type Logger } from './logger.js';
export { getMetrics, instrumentBackend, type Metrics } from './metrics.js';
export { observe } from './observe.js';
export { RateLimiter, parseRate } from './rate-limit.js';
