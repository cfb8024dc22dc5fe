import { readFileSync } from 'node:fs';

/** Where the command reads and writes: the process's streams, or a test's buffers. */
export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width, when a terminal. */
  readonly columns?: number;
}

export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdinIsTTY: boolean;
  /** Standard input's whole text (`@-`). */
  readStdin(): string;
  /** Asks for a secret on the terminal without echo; undefined when there is no terminal. */
  askSecret?(prompt: string): Promise<string | undefined>;
}

/** The real process. */
export function processIo(): Io {
  const out = (s: NodeJS.WriteStream): Output => ({
    write: (text) => void s.write(text),
    get isTTY() {
      return s.isTTY === true;
    },
    get columns() {
      return s.columns;
    },
  });
  return {
    stdout: out(process.stdout),
    stderr: out(process.stderr),
    env: process.env,
    stdinIsTTY: process.stdin.isTTY === true,
    readStdin: () => readFileSync(0, 'utf8'),
    askSecret: (prompt) => askSecret(prompt),
  };
}

/** Reads a line from the terminal with echo off (raw mode), as rOCCI-cli asks for a missing password. */
function askSecret(prompt: string): Promise<string | undefined> {
  const input = process.stdin;
  if (!input.isTTY) return Promise.resolve(undefined);
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let text = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (value: string | undefined) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done(text);
        if (c === '\u0003' || c === '\u0004') return done(undefined);
        if (c === '\u007f' || c === '\b') text = text.slice(0, -1);
        else text += c;
      }
    };
    input.on('data', onData);
  });
}
