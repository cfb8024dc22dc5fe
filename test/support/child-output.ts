/**
 * Reading a child process's stdout and stderr without keeping them: a
 * bounded tail for diagnostics, and each complete line handed once to the
 * watchers registered at that moment. A server under load prints megabytes
 * of access log; appending them to one string and matching a regex over it
 * on every chunk made the tests quadratic in the output and starved their
 * own load loops (issue 16).
 */
import type { Readable } from 'node:stream';

/** Characters of output kept for diagnostics (the last ones printed). */
export const TAIL_CHARS = 8 * 1024;
/** A line longer than this is matched on its last MAX_LINE_CHARS characters. */
const MAX_LINE_CHARS = 64 * 1024;
/** Matching lines a watch keeps (it counts them all). */
const KEPT_LINES = 20;

/** The lines matching a pattern since the watch began. */
export interface LineWatch {
  readonly count: number;
  /** The first matching lines, at most 20. */
  readonly lines: readonly string[];
  stop(): void;
}

type Watcher = (line: string) => void;

export class ChildOutput {
  #tail = '';
  readonly #partial = new Map<Readable, string>();
  readonly #watchers = new Set<Watcher>();

  constructor(streams: readonly Readable[]) {
    for (const s of streams) {
      this.#partial.set(s, '');
      s.setEncoding('utf8');
      // A listener keeps the pipe drained: a chatty child never blocks on a full pipe.
      s.on('data', (text: string) => this.#take(s, text));
    }
  }

  /** The last TAIL_CHARS characters the child printed (stdout and stderr as they arrived). */
  tail(): string {
    return this.#tail.length > TAIL_CHARS ? this.#tail.slice(-TAIL_CHARS) : this.#tail;
  }

  /** Counts the lines matching `pattern` from now on, keeping the first few. */
  watch(pattern: RegExp): LineWatch {
    const lines: string[] = [];
    let count = 0;
    const watcher: Watcher = (line) => {
      if (!pattern.test(line)) return;
      count++;
      if (lines.length < KEPT_LINES) lines.push(line);
    };
    this.#watchers.add(watcher);
    return {
      get count() {
        return count;
      },
      lines,
      stop: () => this.#watchers.delete(watcher),
    };
  }

  /** The next line printed that matches `pattern`; rejects after `timeoutMs` (with the tail) or when `signal` aborts. */
  nextLine(pattern: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#watchers.delete(watcher);
        signal?.removeEventListener('abort', aborted);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms; the output ended with:\n${this.tail()}`));
      }, timeoutMs);
      const aborted = () => {
        done();
        reject(signal!.reason);
      };
      const watcher: Watcher = (line) => {
        const m = pattern.exec(line);
        if (!m) return;
        done();
        resolve(m);
      };
      this.#watchers.add(watcher);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  #take(stream: Readable, text: string): void {
    this.#tail += text;
    // Trimmed only past twice the size, so each character is copied a bounded number of times.
    if (this.#tail.length > 2 * TAIL_CHARS) this.#tail = this.#tail.slice(-TAIL_CHARS);
    const partial = this.#partial.get(stream)!;
    if (this.#watchers.size === 0) {
      // Nobody reads lines: only remember where the current line started.
      const nl = text.lastIndexOf('\n');
      this.#partial.set(stream, bounded(nl < 0 ? partial + text : text.slice(nl + 1)));
      return;
    }
    const lines = (partial + text).split('\n');
    this.#partial.set(stream, bounded(lines.pop()!));
    const watchers = [...this.#watchers];
    for (const line of lines) {
      const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
      for (const w of watchers) if (this.#watchers.has(w)) w(clean);
    }
  }
}

function bounded(line: string): string {
  return line.length > MAX_LINE_CHARS ? line.slice(-MAX_LINE_CHARS) : line;
}
