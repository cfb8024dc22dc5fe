import { randomUUID } from 'node:crypto';
import type { OcciRequest, OcciResponse } from '../http/index.js';
import { accessWriter, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';

type Handle = (req: OcciRequest) => Promise<OcciResponse>;

/**
 * Wraps the app: a request id (the client's `X-Request-Id` when it is sane,
 * otherwise a new UUID) echoed in the response, one JSON log line per request
 * (id, user, method, path, status, latency) and the request metrics.
 */
export function observe(handle: Handle, options: { logger?: Logger; metrics?: Metrics }): Handle {
  const { logger, metrics } = options;
  const access = logger && accessWriter(logger);
  return async (req) => {
    const given = req.headers['x-request-id'];
    const id = given !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    const started = process.hrtime.bigint();
    // The app never reads the id: it is the log's and the response's (no copy of the request for it).
    const res = await handle(req);
    res.headers.push(['X-Request-Id', id]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (metrics) {
      const labels = { method: req.method, route: res.meta?.route ?? 'none', status: String(res.status) };
      metrics.requests.inc(labels);
      metrics.latency.observe(labels, seconds);
    }
    if (logger) {
      const q = req.url.indexOf('?');
      const line = {
        reqId: id, user: res.meta?.user, method: req.method, path: q < 0 ? req.url : req.url.slice(0, q), status: res.status,
        ms: Math.round(seconds * 1e6) / 1e3, remote: req.remoteAddress,
      };
      if (res.status >= 500) logger.error(line, 'request');
      else access!(line);
    }
    return res;
  };
}
