/**
 * startup-npm: seconds from running `npm start` to the first answered
 * request, as a user types it, with nothing changed since the last build
 * (issue 12: within 2 s; scripts/start.mjs compiles only when a source changed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { send } from './load.js';
import { ROOT } from './paths.js';
import { freePort } from '../test/support/free-port.js';

/**
 * The npm CLI: the one running us (`npm run bench` sets npm_execpath), else
 * `npm` from PATH.
 */
function npm(args: string[]): ChildProcess {
  const cli = process.env.npm_execpath;
  // Its own process group: npm, the shell it runs the script in and the server stop together.
  const options = { cwd: ROOT, stdio: 'ignore' as const, detached: true };
  return cli && /npm-cli\.js$/.test(cli) ? spawn(process.execPath, [cli, ...args], options) : spawn('npm', args, options);
}

/**
 * One `npm start` on an empty data directory of 127.0.0.1: seconds until
 * `GET /-/` answers 200 (polled every 5 ms), then the process group stopped.
 * The first start of a run may compile; `warm` starts first without measuring.
 */
export async function npmStartSeconds(dataDir: string, warm: boolean): Promise<number> {
  mkdirSync(dataDir, { recursive: true });
  if (warm) await once(dataDir);
  return once(dataDir);
}

async function once(dataDir: string): Promise<number> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = npm(['start', '--silent', '--', '--listen', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn']);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before answering`);
      try {
        const a = await send(base, 'GET', '/-/', { Accept: 'text/plain' });
        if (a.status !== 200) throw new Error(`GET /-/ answered ${a.status}`);
        return (performance.now() - t0) / 1000;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
        if (performance.now() - t0 > 120_000) throw new Error('npm start did not answer within 120 s');
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  } finally {
    await stopGroup(child);
  }
}

/** SIGTERM to the whole group (the server stops gracefully), SIGKILL after 10 s. */
function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      // The server may outlive npm by its graceful stop; it is in the group and got SIGTERM too.
      setTimeout(() => {
        kill('SIGKILL');
        resolve();
      }, 200);
    });
    kill('SIGTERM');
  });
}

