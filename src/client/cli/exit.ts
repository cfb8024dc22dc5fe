import { ConnectionError, HttpError, LookupError, ResponseError, UsageError, WaitError } from '../errors.js';

/** The exit codes of `occi` (README, "Exit codes"). */
export const EXIT = {
  OK: 0,
  /** Anything not listed below (a bug of ours). */
  ERROR: 1,
  /** A command line we cannot act on: unknown command or option, missing argument, unreadable file. */
  USAGE: 2,
  /** 404, or a name (kind, mixin, template, action, entity) the server does not offer. */
  NOT_FOUND: 3,
  /** 401 or 403: credentials missing or refused, or not allowed. */
  AUTH: 4,
  /** Any other 4xx: the server refused the request (400 invalid, 409 not in this state, 412, 413, 415 …). */
  REFUSED: 5,
  /** 5xx: the server (or the cloud behind it) failed or does not implement it. */
  SERVER: 6,
  /** No answer: connection refused, unknown host, TLS failure, timeout. */
  CONNECTION: 7,
  /** --wait gave up: the state was not reached in time, or the entity went to error. */
  WAIT: 8,
  /** An answer that is not OCCI (or not readable as such). */
  RESPONSE: 9,
} as const;

/** The exit code an error stands for. */
export function exitCode(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof LookupError) return EXIT.NOT_FOUND;
  if (err instanceof WaitError) return EXIT.WAIT;
  if (err instanceof ConnectionError) return EXIT.CONNECTION;
  if (err instanceof ResponseError) return EXIT.RESPONSE;
  if (err instanceof HttpError) {
    if (err.status === 404) return EXIT.NOT_FOUND;
    if (err.status === 401 || err.status === 403) return EXIT.AUTH;
    if (err.status >= 500) return EXIT.SERVER;
    return EXIT.REFUSED;
  }
  return EXIT.ERROR;
}

/** One line for stderr: what failed and the server's reason, with a hint where one helps. */
export function describeError(err: unknown): string {
  if (err instanceof HttpError) {
    const reason = err.reason !== '' ? err.reason : err.status === 401 ? 'authentication required' : '';
    let text = `${err.status} ${err.statusText}${reason ? `: ${reason}` : ''} (${err.method} ${err.url})`;
    if (err.status === 401) {
      const offered = err.challenges.map((c) => c.split(/\s/)[0]).filter((s) => s !== '');
      text += `\n  the server asks for credentials${offered.length > 0 ? ` (${[...new Set(offered)].join(', ')})` : ''}: give --auth with --username/--password, --token or --user-cred`;
    }
    return text;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
