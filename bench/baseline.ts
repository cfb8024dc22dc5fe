/**
 * The yardstick: a bare node:http server answering a fixed response. The
 * bench sends it, over IPC, the response our server gave for the scenario
 * (same status, headers and body bytes), one per method; it reads each
 * request body, as ours does, and answers with those bytes, in node:http's
 * fastest way (a string body written with the head).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixedResponse {
  readonly status: number;
  /** Header pairs, without Date, Connection and Keep-Alive (node adds them, as it does for ours). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Base64. */
  readonly body: string;
}

/** What the bench sends: the response for each method. */
export type BaselineConfig = Readonly<Record<string, FixedResponse>>;

interface Prepared {
  status: number;
  headers: string[];
  /** As a string: node:http then sends head and body in one write, its fastest path. */
  body: string;
}

let responses = new Map<string, Prepared>();

process.on('message', (message: BaselineConfig) => {
  responses = new Map(
    Object.entries(message).map(([method, r]) => [method, { status: r.status, headers: r.headers.flat(), body: Buffer.from(r.body, 'base64').toString('utf8') }]),
  );
  process.send!('configured');
});

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    const r = responses.get(req.method ?? 'GET');
    if (!r) {
      res.writeHead(500, { 'Content-Length': '0' });
      res.end();
      return;
    }
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.on('disconnect', () => process.exit(0));
