import cluster from 'node:cluster';
import { destination as pinoDestination, pino, stdTimeFunctions, symbols, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * How log lines reach stdout. Asynchronous, so a request never waits for
 * stdout (flushed on graceful stop and at exit); written up to 64 KiB at a
 * time (SonicBoom measures all it holds, up to that, on every write: more
 * costs each request, less drains a backlog too slowly); and bounded: when stdout cannot take lines as fast as they come (a
 * slow pipe, a stalled log shipper), lines beyond 32 MiB waiting are
 * dropped rather than growing the server's memory without end. Gathering
 * lines into 16 KiB writes is done before SonicBoom (LineBatch below).
 */
export const LOG_BUFFER = { dest: 1, sync: false, minLength: 16 << 10, maxWrite: 64 << 10, maxLength: 32 << 20 } as const;

/** Lines gathered before they are handed on: up to this many characters, or this long. */
const BATCH_CHARS = 16 << 10;
const BATCH_MS = 200;

/**
 * The logger's destination: lines are gathered here and handed to the real
 * destination 16 KiB at a time, or every 200 ms, so a busy server makes one
 * write for about sixty access lines while a quiet one still shows each line
 * within 200 ms. Gathering here rather than in SonicBoom matters: SonicBoom
 * measures the UTF-8 length of everything it holds on every write (up to
 * `maxWrite`), which cost a GET more than a fifth of its CPU; appending to a
 * string here costs next to nothing. Every line, access or not, is gathered
 * in the order written; what is gathered is handed on at `flush`,
 * `flushSync` and process exit (before SonicBoom's own exit flush, which
 * pino registers).
 */
export class LineBatch implements DestinationStream {
  #pending = '';
  readonly #out: DestinationStream;
  readonly #timer: NodeJS.Timeout;
  readonly #onExit = () => this.#handOn();

  constructor(out: DestinationStream) {
    this.#out = out;
    this.#timer = setInterval(() => this.flush(), BATCH_MS).unref();
    process.prependListener('exit', this.#onExit);
  }

  /** One line (or several), gathered after those before it. */
  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= BATCH_CHARS) this.#handOn();
  }

  /** Hands on what is gathered and asks the destination to write out what it holds. */
  flush(cb?: (err?: Error) => void): void {
    this.#handOn();
    const out = this.#out as DestinationStream & { flush?: (cb?: (err?: Error) => void) => void; destroyed?: boolean };
    if (typeof out.flush === 'function' && !out.destroyed) out.flush(cb);
    else cb?.();
  }

  flushSync(): void {
    this.#handOn();
    (this.#out as DestinationStream & { flushSync?: () => void }).flushSync?.();
  }

  /** Stops the timer and the exit hook (a logger made for a test). */
  close(): void {
    this.#handOn();
    clearInterval(this.#timer);
    process.removeListener('exit', this.#onExit);
  }

  #handOn(): void {
    if (this.#pending === '') return;
    const chunk = this.#pending;
    this.#pending = '';
    this.#out.write(chunk);
  }
}

/** Structured JSON logs, one object a line, on stdout (or `destination`): what log shippers expect. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    new LineBatch(destination ?? pinoDestination(LOG_BUFFER)),
  );
}

/** What the access log says of one request. */
export interface AccessEntry {
  readonly reqId: string;
  readonly user: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly remote: string | undefined;
}

/**
 * The access log's writer: the line pino would write for
 * `logger.info(entry, 'request')`, byte for byte, built as one string and
 * gathered by the logger's destination. A request costs one template string
 * instead of pino's walk over a fresh object (a tenth of a GET's CPU).
 * Nothing is written while the logger's level is above `info`.
 */
export function accessWriter(logger: Logger): (entry: AccessEntry) => void {
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[symbols.streamSym] as DestinationStream;
  // pino's own text of the base and child bindings (`,"pid":1234`), as it puts after the time.
  const bindings = internals[symbols.chindingsSym] as string;
  const head = `{"level":"info","time":"`;
  const after = `"${bindings}`;
  // The time's text, made once per millisecond (a busy server logs dozens of requests in one).
  let ms = 0;
  let iso = '';
  return (e) => {
    if (!logger.isLevelEnabled('info')) return;
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      iso = new Date(now).toISOString();
    }
    stream.write(
      `${head}${iso}${after},"reqId":${JSON.stringify(e.reqId)}${e.user === undefined ? '' : `,"user":${JSON.stringify(e.user)}`}` +
        `,"method":${JSON.stringify(e.method)},"path":${JSON.stringify(e.path)},"status":${e.status},"ms":${e.ms}` +
        `${e.remote === undefined ? '' : `,"remote":${JSON.stringify(e.remote)}`},"msg":"request"}\n`,
    );
  };
}

