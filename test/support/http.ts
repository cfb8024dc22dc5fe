import { request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  /** The reason phrase exactly as sent (clients match `201 Created`). */
  statusText: string;
  /** Header values by lower-case name; repeated headers as separate entries. */
  headers: Record<string, string[]>;
  body: string;
}

/** One request over loopback with exactly the headers given (no defaults added but Host and Content-Length). */
export function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      // A connection of its own: Node's global agent reuses idle sockets, and one the server closes as idle (5 s) meanwhile is an ECONNRESET.
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string[]> = {};
          for (let i = 0; i < res.rawHeaders.length; i += 2) (h[res.rawHeaders[i].toLowerCase()] ??= []).push(res.rawHeaders[i + 1]);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: h, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The first value of a response header. */
export function header(res: RawResponse, name: string): string | undefined {
  return res.headers[name.toLowerCase()]?.[0];
}
