/** The two processes under load: our server (as `npm start` runs it) and the bare baseline. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ChildOutput } from '../test/support/child-output.js';
import type { BaselineConfig } from './baseline.js';
import { ROOT, nodeArgs } from './paths.js';

export interface Running {
  /** The process answering (this one for an in-process server). */
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  stop(): Promise<void>;
}

/**
 * Starts a process and waits for its `listening on http://...` line. Its
 * output is read a line at a time only until then; afterwards it is drained
 * into a bounded tail, stderr also echoed to ours.
 */
function startListening(
  args: string[], ipc: boolean, env: NodeJS.ProcessEnv = process.env, spawned?: (child: ChildProcess) => void,
): Promise<Running> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])] });
  spawned?.(child);
  const out = new ChildOutput([child.stdout!, child.stderr!]);
  const gone = new AbortController();
  let listening = false;
  return new Promise((resolve, reject) => {
    out.nextLine(/listening on (http:\/\/\S+)/, 30_000, gone.signal).then(
      (m) => {
        listening = true;
        child.stderr!.on('data', (c: string) => process.stderr.write(c));
        resolve({ pid: child.pid!, base: m[1], stop: () => stopChild(child) });
      },
      () => {
        if (gone.signal.aborted) return;
        child.kill('SIGKILL');
        reject(new Error(`${args.join(' ')} did not start in 30 s:\n${out.tail()}`));
      },
    );
    child.once('close', (code, signal) => {
      if (listening) return;
      gone.abort();
      reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before listening:\n${out.tail()}`));
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Our server in its production configuration (defaults), on a data
 * directory, on a free port of 127.0.0.1: its own process as `npm start`
 * runs it, or (for the smoke test, where a TypeScript process starts slowly)
 * inside this process. With `databaseUrl`, on the PostgreSQL store
 * (`--store postgres --database-url`).
 */
export async function startServer(dataDir: string, inProcess = false, extraArgs: readonly string[] = [], databaseUrl?: string): Promise<Running> {
  const store = databaseUrl === undefined ? [] : ['--store', 'postgres', '--database-url', databaseUrl];
  if (!inProcess) return startListening([...serverArgs(dataDir, 0), ...store, ...extraArgs], false);
  const { start } = await import('../src/cli/start.js');
  const { DEFAULTS } = await import('../src/config/index.js');
  const embedded = databaseUrl === undefined ? { dataDir } : { dataDir, store: 'postgres', databaseUrl };
  const running = await start({ ...DEFAULTS, listen: '127.0.0.1', port: 0, backends: { embedded } });
  return { pid: process.pid, base: `http://127.0.0.1:${running.server.address.port}`, stop: running.stop };
}

/** The spawn arguments of startServer, for the start-up measurement. */
export function serverArgs(dataDir: string, port: number): string[] {
  // The bench's one anonymous user creates more than the default quota of 100,000 entities in a full run
  // (the create scenarios alone make ~10,000 a second): the quota is lifted, the rest is the default.
  return [...nodeArgs('src/cli/main'), '--listen', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--max-entities-per-user', '100000000'];
}

export interface Baseline extends Running {
  /** Makes it answer these responses from now on. */
  configure(config: BaselineConfig): Promise<void>;
}

export async function startBaseline(): Promise<Baseline> {
  let child: ChildProcess | undefined;
  const running = await startListening(nodeArgs('bench/baseline'), true, process.env, (c) => (child = c));
  if (!child) throw new Error('no baseline process');
  return {
    ...running,
    configure: (config) =>
      new Promise((resolve, reject) => {
        child!.once('message', () => resolve());
        child!.send(config, (err) => err && reject(err));
      }),
    stop: async () => {
      child!.disconnect?.();
      await stopChild(child!);
    },
  };
}

/** Resident set size of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) / 1024;
}
