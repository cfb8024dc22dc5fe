import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ConnectionError } from './errors.js';

/**
 * HTTP over node:http and node:https (no fetch: TLS client certificates and
 * RFC 3820 proxy chains need the TLS options, and `--verbose` wants the
 * headers as they travelled). Keep-alive connections, one retry when a
 * reused connection turns out closed by the server.
 */

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; repeated headers joined by `, ` (what a Parser reads). */
  readonly headers: Readonly<Record<string, string>>;
  /** Every header as it came, in order: for `--verbose` and repeated `WWW-Authenticate`. */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** One request and its answer (or failure), for `--verbose`. */
export interface Exchange {
  readonly request: HttpRequest;
  readonly response?: HttpResponse;
  readonly error?: Error;
  readonly ms: number;
}

export interface TlsOptions {
  /** PEM certificates the server's certificate must chain to, added to Node's default roots. */
  readonly ca?: readonly string[];
  /** Client certificate chain (PEM: the certificate, then its issuers; an RFC 3820 proxy, then the user certificate). */
  readonly cert?: string;
  /** Private key (PEM) of `cert`. */
  readonly key?: string;
  readonly passphrase?: string;
  /** Do not check the server's certificate (rOCCI-cli's --skip-ca-check). */
  readonly insecure?: boolean;
}

export interface TransportOptions {
  /** Milliseconds to wait for an answer, from connecting to the last byte. */
  readonly timeoutMs: number;
  readonly tls?: TlsOptions;
  readonly onExchange?: (exchange: Exchange) => void;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class Transport {
  readonly #options: TransportOptions;
  readonly #http = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  #https: HttpsAgent | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const began = performance.now();
    try {
      let res: HttpResponse;
      try {
        res = await this.#once(req);
      } catch (err) {
        // A kept-alive connection the server closed meanwhile fails at once; the request never arrived.
        if (!(err instanceof Reused)) throw err;
        res = await this.#once(req, true);
      }
      this.#options.onExchange?.({ request: req, response: res, ms: performance.now() - began });
      return res;
    } catch (err) {
      const error = err instanceof Reused ? err.error : (err as Error);
      this.#options.onExchange?.({ request: req, error, ms: performance.now() - began });
      throw error;
    }
  }

  /** Closes idle connections; the process can exit. */
  close(): void {
    this.#http.destroy();
    this.#https?.destroy();
  }

  #agent(url: URL): HttpAgent | HttpsAgent {
    if (url.protocol === 'http:') return this.#http;
    this.#https ??= new HttpsAgent({ keepAlive: true, maxSockets: 8, ...this.#tlsOptions() });
    return this.#https;
  }

  #once(req: HttpRequest, fresh = false): Promise<HttpResponse> {
    const { url } = req;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new ConnectionError(`${url.href}: only http and https URLs are supported`));
    }
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = { ...req.headers };
    if (body !== undefined) headers['Content-Length'] = String(body.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const r = send(url, { method: req.method, headers, agent: fresh ? false : this.#agent(url), ...(fresh && url.protocol === 'https:' ? this.#tlsOptions() : {}) }, (res) => {
        readBody(res).then(
          (text) => resolve(toResponse(res, text)),
          (err: Error) => reject(new ConnectionError(`${req.method} ${url.href}: the answer broke off: ${err.message}`, { cause: err })),
        );
      });
      r.setTimeout(this.#options.timeoutMs, () => {
        r.destroy(new ConnectionError(`${req.method} ${url.href}: no answer within ${Math.round(this.#options.timeoutMs / 1000)} s`, { timedOut: true }));
      });
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ConnectionError) return reject(err);
        const failure = new ConnectionError(describe(err, req.method, url), { cause: err });
        if (!fresh && r.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) reject(new Reused(failure));
        else reject(failure);
      });
      r.end(body);
    });
  }

  /** Added CAs extend Node's bundled roots rather than replace them. */
  #tlsOptions(): Record<string, unknown> {
    const tls = this.#options.tls ?? {};
    return {
      ...(tls.ca && tls.ca.length > 0 ? { ca: [...rootCertificates, ...tls.ca] } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.passphrase ? { passphrase: tls.passphrase } : {}),
      rejectUnauthorized: !tls.insecure,
    };
  }
}

/** A failure on a reused keep-alive connection: retried once on a fresh one. */
class Reused extends Error {
  constructor(readonly error: ConnectionError) {
    super(error.message);
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) res.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
      else chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('aborted')));
  });
}

function toResponse(res: IncomingMessage, body: string): HttpResponse {
  const raw: Array<[string, string]> = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
  const headers: Record<string, string> = {};
  for (const [name, value] of raw) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers, rawHeaders: raw, body };
}

function describe(err: NodeJS.ErrnoException, method: string, url: URL): string {
  const where = `${url.protocol}//${url.host}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused (is the server running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${where}: unknown host ${url.hostname}`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot connect to ${where}: ${err.code}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: the certificate of ${where} is not trusted (${err.code}); give its CA with --ca-file or --ca-path`;
    default:
      return `${method} ${url.href}: ${err.message}`;
  }
}
