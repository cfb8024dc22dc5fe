/**
 * bcrypt off the event loop: a small pool of worker threads running
 * bcryptjs. A cost-12 check is ~300 ms of CPU; on the main thread ten wrong
 * passwords in parallel held every other request for seconds (issue 13 §4).
 * Folder-private: basic.ts is its one user.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RateLimitedError } from '../errors.js';

/** Plain JavaScript, so the worker needs no TypeScript loader; bcryptjs comes by absolute path. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
// On Linux a priority set with pid 0 is the calling thread's: the event loop's thread wins the CPU over password checks.
if (process.platform === 'linux') { try { require('node:os').setPriority(0, 10); } catch {} }
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});
`;

/** Checks waiting beyond this are refused (429): a flood of passwords must not queue without bound. */
const MAX_WAITING = 256;

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, (ok: boolean) => void>;
}

export class PasswordPool {
  readonly #size: number;
  #slots: Slot[] = [];
  #next = 0;

  /** One thread less than the machine's cores (at least one, at most four): the event loop keeps a core. */
  constructor(size = Math.max(1, Math.min(4, availableParallelism() - 1))) {
    this.#size = size;
  }

  /** bcrypt's compare in a worker; false for a hash bcryptjs cannot read. */
  compare(password: string, hash: string): Promise<boolean> {
    if (this.#slots.length === 0) this.#start();
    const slot = this.#slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    if (slot.pending.size >= MAX_WAITING / this.#size) {
      return Promise.reject(new RateLimitedError('too many password checks are waiting; retry in a second', 1));
    }
    const id = this.#next++;
    return new Promise((resolve) => {
      slot.pending.set(id, resolve);
      slot.worker.ref();
      slot.worker.postMessage({ id, password, hash });
    });
  }

  close(): void {
    for (const s of this.#slots) void s.worker.terminate();
    this.#slots = [];
  }

  #start(): void {
    const bcrypt = createRequire(import.meta.url).resolve('bcryptjs');
    for (let i = 0; i < this.#size; i++) {
      // No --import tsx (or any flag of ours) in the worker: it runs plain JavaScript.
      const worker = new Worker(WORKER, { eval: true, workerData: { bcrypt }, execArgv: [] });
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
        const resolve = slot.pending.get(id);
        slot.pending.delete(id);
        // An idle pool must not keep the process alive.
        if (slot.pending.size === 0) worker.unref();
        resolve?.(ok);
      });
      worker.on('error', () => this.#fail(slot));
      worker.on('exit', () => this.#fail(slot));
      worker.unref();
      this.#slots.push(slot);
    }
  }

  /** A worker that died refuses what it held (a wrong password, never an accepted one); the next check starts a new pool. */
  #fail(slot: Slot): void {
    for (const resolve of slot.pending.values()) resolve(false);
    slot.pending.clear();
    this.#slots = this.#slots.filter((s) => s !== slot);
    if (this.#slots.length < this.#size) {
      for (const s of this.#slots) void s.worker.terminate();
      this.#slots = [];
    }
  }
}

/** The process's pool, started on the first bcrypt check. */
export const PASSWORDS = new PasswordPool();
