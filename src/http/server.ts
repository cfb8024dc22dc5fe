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
    const body = await readBody(req, options.maxBodySize);
    if (typeof body !== 'string') {
      writePlain(res, body.status, body.message, true);
      return;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const response = await options.handle({
      method: req.method ?? 'GET', url: req.url ?? '/', headers, body, remoteAddress: req.socket.remoteAddress,
      ...('encrypted' in req.socket ? { secure: true, peerCertificates: peerChain(req.socket as TLSSocket) } : {}),
    });
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

/** The body as text, or the status to answer with when it cannot be read. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | { status: number; message: string }> {
  const length = req.headers['content-length'];
  // Most requests (GET, HEAD, DELETE, text/occi) have no body: no stream to drain.
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) return '';
  const declared = Number(length ?? 0);
  if (declared > limit) return { status: 413, message: `request body larger than ${limit} bytes` };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return { status: 413, message: `request body larger than ${limit} bytes` };
    chunks.push(chunk);
  }
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
