import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { SERVER_HEADER } from './app.js';
import type { OcciRequest, OcciResponse } from './exchange.js';

export interface ServerOptions {
  readonly handle: (req: OcciRequest) => Promise<OcciResponse>;
  /** Largest request body in bytes; larger is 413 and the connection closes. */
  readonly maxBodySize: number;
  /** Largest request head; text/occi puts whole renderings in headers (HTTP Protocol §16). */
  readonly maxHeaderSize: number;
  /** Milliseconds to receive the request head (slow clients are cut off). */
  readonly headersTimeout: number;
  /** Milliseconds to receive the whole request. */
  readonly requestTimeout: number;
  /** Called for every response with status 500, with the cause. */
  readonly onInternalError?: (err: unknown) => void;
  /**
   * Serve HTTPS. With `ca`, clients are asked for a certificate; the
   * handshake accepts any (RFC 3820 proxy chains fail OpenSSL's checks), and
   * src/auth validates the chain and answers 401/403 at the HTTP level.
   */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
}

export interface RunningServer {
  readonly server: Server;
  readonly address: AddressInfo;
  /** Stops accepting, lets requests in flight finish, then resolves. */
  close(): Promise<void>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Wires the app to node:http on one address. */
export async function listen(options: ServerOptions, host: string, port: number): Promise<RunningServer> {
  const limits = {
    maxHeaderSize: options.maxHeaderSize, requestTimeout: options.requestTimeout, headersTimeout: options.headersTimeout,
    // node checks both timeouts only this often (default 30 s): without it a slow head lives up to 50 s, not 20.
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeout),
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => void serve(options, req, res);
  const server: Server = options.tls
    ? createHttpsServer(
      { ...limits, cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: options.tls.ca !== undefined, rejectUnauthorized: false },
      handler,
    )
    : createServer(limits, handler);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function serve(options: ServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    // Most requests (GET, HEAD, DELETE, text/occi) have no body: no stream to drain, nothing to wait for.
    const body = hasBody(req) ? await readBody(req, options.maxBodySize) : '';
    if (typeof body !== 'string') {
      if (body.status === 413) answerLingering(req, res, body.status, body.message);
      else writePlain(res, body.status, body.message, true);
      return;
    }
    const response = await options.handle(
      'encrypted' in req.socket
        ? { method: req.method ?? 'GET', url: req.url ?? '/', headers: joined(req), body, remoteAddress: req.socket.remoteAddress, secure: true, peerCertificates: peerChain(req.socket as TLSSocket) }
        : { method: req.method ?? 'GET', url: req.url ?? '/', headers: joined(req), body, remoteAddress: req.socket.remoteAddress },
    );
    write(res, response);
  } catch (err) {
    // The client went away mid-body (a truncated request): nobody to answer, and no bug of ours.
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET' && req.destroyed) {
      res.destroy();
      return;
    }
    options.onInternalError?.(err);
    if (!res.headersSent) writePlain(res, 500, 'internal server error', false);
    else res.destroy();
  }
}

/**
 * The request's headers, each a string: node:http joins repeated headers with
 * `, ` itself, except `set-cookie` (an array), which only then costs a copy.
 */
function joined(req: IncomingMessage): Readonly<Record<string, string | undefined>> {
  const headers = req.headers;
  if (headers['set-cookie'] === undefined) return headers as Readonly<Record<string, string | undefined>>;
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** The client's certificate chain as sent, leaf first (DER); empty without a client certificate. */
function peerChain(socket: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && out.length < 16 && !out.some((b) => b.equals(c!.raw))) {
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The body as text, or the status to answer with when it cannot be read. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | { status: number; message: string }> {
  const length = req.headers['content-length'];
  const tooLarge = { status: 413, message: `request body larger than ${limit} bytes` };
  const declared = Number(length ?? 0);
  if (declared > limit) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  // Events, not for-await: leaving a for-await early destroys the request, and with it the connection the 413 must go out on.
  const complete = await new Promise<boolean>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.pause();
      settle(() => resolve(false));
    };
    const onEnd = () => settle(() => resolve(true));
    const onError = (err: Error) => settle(() => reject(err));
    const settle = (then: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      then();
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
  if (!complete) return tooLarge;
  try {
    return UTF8.decode(Buffer.concat(chunks));
  } catch {
    return { status: 400, message: 'request body is not valid UTF-8' };
  }
}

function write(res: ServerResponse, response: OcciResponse): void {
  const flat: string[] = [];
  let hasLength = false;
  for (const [name, value] of response.headers) {
    if (name === 'Content-Length') hasLength = true;
    flat.push(name, value);
  }
  // A string body goes out in the same write as the head (node:http joins
  // them); a Buffer would cost a copy and a second chunk in writev.
  if (!hasLength) flat.push('Content-Length', String(Buffer.byteLength(response.body)));
  res.writeHead(response.status, flat);
  res.end(response.body);
}

/**
 * At most this much of a refused body is read and thrown away, for at most
 * this long, and while the client sends something at least this often, before
 * the connection closes.
 */
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 5_000;
const LINGER_IDLE_MS = 1_000;

/**
 * nginx's lingering close, for a body refused as too large while the client
 * may still be sending it (without `Expect: 100-continue` a client sends the
 * whole body in one go): the answer goes out at once, then what the client
 * sends is read and thrown away (at most LINGER_BYTES, for at most
 * LINGER_MS, with pauses shorter than LINGER_IDLE_MS) before the connection
 * closes. Closing at once resets the connection under a client still
 * writing, and one that reads only once its request is written never sees
 * the 413.
 */
function answerLingering(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  const body = `${message}\r\n`;
  res.writeHead(status, {
    Server: SERVER_HEADER, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close',
  });
  // write, not end: node:http closes the connection as soon as the response ends, while the body still arrives.
  res.write(body);
  let discarded = 0;
  const began = Date.now();
  const cut = () => req.socket.destroy();
  const idle = setTimeout(cut, LINGER_IDLE_MS);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES || Date.now() - began > LINGER_MS) cut();
    else idle.refresh();
  });
  req.once('end', () => res.end());
  req.once('close', () => clearTimeout(idle));
  req.on('error', () => undefined);
  req.resume();
}

/** A last-resort plain answer, for what happens before or outside the app. */
function writePlain(res: ServerResponse, status: number, message: string, close: boolean): void {
  const body = `${message}\r\n`;
  const headers: Record<string, string | number> = {
    Server: SERVER_HEADER, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body),
  };
  if (close) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}
