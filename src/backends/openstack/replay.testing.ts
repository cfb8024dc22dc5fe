/**
 * Answers recorded OpenStack responses (test/fixtures/openstack/, written by
 * record.ts) from a loopback server, so the clients run without the stack.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Fixture {
  readonly request: { readonly service: string; readonly method: string; readonly path: string; readonly microversion?: string; readonly body?: unknown };
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: any;
}

const FIXTURES = new URL('../../../test/fixtures/openstack/', import.meta.url);

export function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Fixture;
}

/** What the client sent, for assertions. */
export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: any;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON, a string as is. */
  readonly body?: unknown;
  /** Milliseconds to wait before answering. */
  readonly delayMs?: number;
}

export interface Replay {
  readonly url: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** A fixture as an answer. */
export function answer(name: string, overrides: Partial<Answer> = {}): Answer {
  const f = fixture(name);
  return { status: f.status, headers: f.headers, body: f.body, ...overrides };
}

/** Starts a loopback server answering each request with `route(seen)` (404 text when undefined). */
export async function replay(route: (seen: Seen) => Answer | undefined): Promise<Replay> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://replay');
      const text = Buffer.concat(chunks).toString('utf8');
      const s: Seen = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: text === '' ? undefined : JSON.parse(text) };
      seen.push(s);
      const a = route(s) ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: `no route for ${s.method} ${s.path}` };
      const send = () => {
        const payload = a.body === undefined || a.body === null ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers, 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The keys of T that are not optional. */
export type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

/**
 * Asserts that a recorded body has every field its type says is always
 * there. `keys` must name them all: a field added to the type as required
 * and missing here does not compile.
 */
export function assertFields<T>(value: T, keys: Record<RequiredKeys<T>, true>, what: string): void {
  for (const key of Object.keys(keys)) {
    assert.ok(Object.prototype.hasOwnProperty.call(value, key), `${what} has no ${key}`);
  }
}

/** A loopback port nothing listens on: bound, then closed (fetch refuses "bad ports" such as 1). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
