import { request } from 'node:https';

export interface TlsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request over loopback with a client certificate (or none), trusting `tls.ca`; the server name is `localhost`. */
export function sendTls(
  base: string, method: string, path: string, tls: { cert?: string; key?: string; ca: string }, headers: Record<string, string> = {}, body = '',
): Promise<TlsReply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path: url.pathname, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, ...tls, servername: 'localhost' },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
