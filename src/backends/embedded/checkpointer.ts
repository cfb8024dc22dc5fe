import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints the WAL from a worker thread with its own connection, so that
 * copying pages back into the database file and its fsyncs never block the
 * event loop (SQLite's automatic checkpoint runs inside the COMMIT of the
 * write that crosses the threshold). Checkpoints do not change durability:
 * a transaction is committed once it is in the WAL.
 *
 * Every `interval` ms a PASSIVE checkpoint copies what no reader still
 * needs. Under sustained writes it is never fully caught up, so the WAL could
 * not start over: the writer keeps SQLite's own checkpoint at a higher
 * threshold (FALLBACK_CHECKPOINT_PAGES), which then finds most pages copied.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
let last = -1;
const tick = () => {
  try {
    const size = statSync(workerData.file + '-wal', { throwIfNoEntry: false })?.size ?? 0;
    if (size === 0) return;
    if (size !== last) db.pragma('wal_checkpoint(PASSIVE)');
    last = size;
  } catch {
    // busy or gone: the next tick tries again; the writer's own fall-back checkpoint bounds the WAL
  }
};
const timer = setInterval(tick, workerData.interval);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Pages in the WAL past which the writer checkpoints itself (SQLite's default is 1,000). */
export const FALLBACK_CHECKPOINT_PAGES = 4_000;

export function startCheckpointer(file: string, interval = 100): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(SOURCE, { eval: true, workerData: { file, driver, interval } });
  // Never keeps the process alive, and a failure only brings back the writer's own checkpoints.
  worker.unref();
  worker.on('error', () => {});
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // Keeps the process alive until the worker has closed its connection.
        worker.ref();
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 2_000).unref();
      }),
  };
}
