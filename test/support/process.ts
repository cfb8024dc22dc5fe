import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChildOutput, type LineWatch } from './child-output.js';

export type { LineWatch };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPILED_MAIN = `${ROOT}dist/src/cli/main.js`;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** The last 8 KiB the process printed (stdout and stderr): for diagnostics and for its last lines. */
  output(): string;
  /** Counts the lines printed from now on that match `pattern` (e.g. an access-log line, a 5xx). */
  watch(pattern: RegExp): LineWatch;
}

export interface SpawnOptions {
  /** Run `dist/src/cli/main.js` (what `npm start` runs; needs `npm run build`) instead of the TypeScript through tsx. */
  compiled?: boolean;
}

/**
 * Runs `occi-server` as its own process and waits for `listening on ...`.
 * Its output is read line by line only until then; afterwards only a
 * bounded tail is kept (and the lines of any `watch`).
 */
export function spawnServer(args: string[], env: Record<string, string> = {}, options: SpawnOptions = {}): Promise<ServerProcess> {
  if (options.compiled && !existsSync(COMPILED_MAIN)) {
    return Promise.reject(new Error(`${COMPILED_MAIN} is missing: run \`npm run build\` first`));
  }
  const entry = options.compiled ? [COMPILED_MAIN] : ['--import', 'tsx', 'src/cli/main.ts'];
  return spawnListening([...entry, ...args], env, 'server');
}

/**
 * Runs `node <nodeArgs>` (in the repository's root) and waits for its
 * first line saying `listening on <url>`; `what` names it in errors.
 */
export function spawnListening(nodeArgs: string[], env: Record<string, string> = {}, what = 'process'): Promise<ServerProcess> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = new ChildOutput([child.stdout!, child.stderr!]);
  const gone = new AbortController();
  let listening = false;
  return new Promise((resolve, reject) => {
    out.nextLine(/listening on (https?:\/\/\S+)/, 20_000, gone.signal).then(
      (m) => {
        listening = true;
        resolve({
          child,
          base: m[1],
          output: () => out.tail(),
          watch: (pattern) => out.watch(pattern),
        });
      },
      (err: Error) => {
        if (gone.signal.aborted) return;
        child.kill('SIGKILL');
        reject(new Error(`${what} did not start in 20 s:\n${out.tail()}`, { cause: err }));
      },
    );
    // 'close', not 'exit': by then everything the process printed has been read.
    child.on('close', (code, signal) => {
      if (listening) return;
      gone.abort();
      reject(new Error(`${what} exited (${code ?? signal}) before listening:\n${out.tail()}`));
    });
  });
}

/** Resolves when the process has exited, with its exit code or signal. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}
