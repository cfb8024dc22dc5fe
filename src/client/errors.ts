/**
 * What can go wrong talking to an OCCI server, as a client sees it. The
 * server's own hierarchy (src/errors.ts) names failures it produces and maps
 * them to HTTP once; these name what a client meets: an answer with an error
 * status (carrying the server's reason), no answer, an answer it cannot read,
 * a name the server's model does not resolve, a state never reached.
 */

/** The server answered with an error status; `reason` is the server's own message. */
export class HttpError extends Error {
  readonly status: number;
  readonly statusText: string;
  readonly reason: string;
  /** The server's error code when it gives one (occi-server's JSON `error`, e.g. `OCCI_ERR_CONFLICT_STATE`). */
  readonly code: string | undefined;
  readonly method: string;
  readonly url: string;
  /** `WWW-Authenticate` challenges of a 401. */
  readonly challenges: readonly string[];
  constructor(init: { status: number; statusText: string; reason: string; code?: string; method: string; url: string; challenges?: readonly string[] }) {
    super(`${init.method} ${init.url}: ${init.status} ${init.statusText}${init.reason ? `: ${init.reason}` : ''}`);
    this.name = 'HttpError';
    this.status = init.status;
    this.statusText = init.statusText;
    this.reason = init.reason;
    this.code = init.code;
    this.method = init.method;
    this.url = init.url;
    this.challenges = init.challenges ?? [];
  }
}

/** No answer: refused, unreachable, TLS failure, or no answer within the time limit (`timedOut`). */
export class ConnectionError extends Error {
  readonly timedOut: boolean;
  constructor(message: string, options: { cause?: unknown; timedOut?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ConnectionError';
    this.timedOut = options.timedOut ?? false;
  }
}

/** The server's answer could not be read (a malformed rendering, a media type we do not speak). */
export class ResponseError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ResponseError';
  }
}

/** A name (kind, mixin, template, action, entity) the server's model or collections do not resolve, or resolve to several. */
export class LookupError extends Error {
  /** What the name might have meant: the candidates of an ambiguous name, or close matches. */
  readonly candidates: readonly string[];
  constructor(message: string, candidates: readonly string[] = []) {
    super(message);
    this.name = 'LookupError';
    this.candidates = candidates;
  }
}

/** Arguments the client cannot act on (missing credentials, a bad attribute value); nothing was sent. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `waitFor` gave up: the entity did not reach the state in time, or reached `error`. */
export class WaitError extends Error {
  /** The last state seen. */
  readonly state: string | undefined;
  readonly timedOut: boolean;
  constructor(message: string, state: string | undefined, timedOut: boolean) {
    super(message);
    this.name = 'WaitError';
    this.state = state;
    this.timedOut = timedOut;
  }
}
