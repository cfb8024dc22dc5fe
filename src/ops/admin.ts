import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface AdminServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

export interface AdminOptions {
  /**
   * Ready to serve (backend started and healthy, listening, not stopping):
   * /readyz 200, else 503 with the reason (the upstream service that is down).
   */
  ready(): boolean | Promise<{ readonly ok: boolean; readonly detail?: string }>;
  /** The Prometheus text exposition and its content type. */
  metrics(): Promise<{ body: string; contentType: string }>;
}

/**
 * The admin listener, on its own port (keep it off the public network):
 * `/healthz` (the process answers), `/readyz` (it should get traffic),
 * `/metrics` (Prometheus).
 */
export async function startAdmin(options: AdminOptions, host: string, port: number): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? '' : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
    if (path === '/healthz') return text(200, 'ok\n');
    if (path === '/readyz') {
      Promise.resolve(options.ready()).then(
        (r) => (r === true || (typeof r === 'object' && r.ok) ? text(200, 'ready\n') : text(503, `not ready${typeof r === 'object' && r.detail ? `: ${r.detail}` : ''}\n`)),
        (err: Error) => text(503, `not ready: ${err.message}\n`),
      );
      return;
    }
    if (path === '/metrics') {
      options.metrics().then(
        (m) => text(200, m.body, m.contentType),
        (err: Error) => text(500, `metrics unavailable: ${err.message}\n`),
      );
      return;
    }
    text(404, 'not found: /healthz, /readyz, /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The metrics of this process's registry. */
export function registryMetrics(registry: Registry): () => Promise<{ body: string; contentType: string }> {
  return async () => ({ body: await registry.metrics(), contentType: registry.contentType });
}
