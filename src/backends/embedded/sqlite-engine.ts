import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Entity } from '../../model/index.js';
import type { Health } from '../backend.js';
import { EntityCache, cacheKey } from './cache.js';
import { ChangeLog } from './changes.js';
import { FALLBACK_CHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.js';
import type { StoreEngine } from './engine.js';
import { isSqliteError, toBackendError } from './errors.js';
import { runSync, type Op } from './op.js';
import { openDatabase, type Synchronous } from './schema.js';
import { SqliteStore, type Store } from './store.js';

/** Entities kept by the read cache: a listed page of 10,000 fits, 100,000 listed as JSON do not stay. */
const ENTITY_CACHE_LIMIT = 20_000;

/** Write transactions of every engine in this process: another one on the same file is seen at once, not a turn later. */
let processCommits = 0;

/**
 * The SQLite engine: one file (or `:memory:`), WAL, a synchronous driver.
 * Each write is one IMMEDIATE transaction (several processes sharing the
 * file serialise), with group commit (see `write`).
 */
export class SqliteEngine implements StoreEngine {
  readonly kind = 'sqlite';
  readonly cache = new EntityCache(ENTITY_CACHE_LIMIT);
  readonly store: SqliteStore;
  readonly #db: Database.Database;
  readonly #tx: Transactions;
  #checkpointer: Checkpointer | undefined;
  #pending: Job[] = [];
  /** What this connection's writes changed, for the cache (changes.ts). */
  readonly #changes: ChangeLog;
  /** `data_version` when last asked (#sync): another connection's commit moves it. */
  #seenVersion = -1;
  #synced = false;
  #syncedAt = -1;
  /** This engine's own commits: its connection's data_version does not move for them. */
  #ownCommits = 0;
  /** Another connection committed: user mixins are read again at the next refresh. */
  #modelStale = false;
  #closed = false;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.store = new SqliteStore(db);
    this.#tx = transactions(db, this.store);
    this.#changes = new ChangeLog(db);
    // The cache starts empty: only commits of other connections from now on make it stale.
    this.#seenVersion = this.#tx.dataVersion.get() as number;
  }

  /** Opens `<dataDir>/occi.sqlite` (or `:memory:`) and brings its schema up to date. */
  static open(dataDir: string, synchronous?: Synchronous, legacyOwnerScheme?: string): SqliteEngine {
    let db: Database.Database;
    try {
      db = openDatabase(dataDir, synchronous, legacyOwnerScheme);
    } catch (err) {
      // A database from a newer server is a plain Error: the operator must act, retrying will not help.
      throw isSqliteError(err) ? toBackendError(err) : err;
    }
    const engine = new SqliteEngine(db);
    if (dataDir !== ':memory:') {
      engine.#checkpointer = startCheckpointer(join(dataDir, 'occi.sqlite'));
      db.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
    }
    return engine;
  }

  /** A consistent snapshot for reads of several statements (an entity and its links). */
  async read<T>(fn: (store: Store) => Op<T>): Promise<T> {
    try {
      return this.#tx.run.deferred(() => runSync(fn(this.store))) as T;
    } catch (err) {
      throw toBackendError(err);
    }
  }

  /**
   * Group commit: writes that arrive in the same turn of the event loop
   * (concurrent requests) share one IMMEDIATE transaction, each inside its
   * own savepoint, so that a write that fails leaves nothing behind and does
   * not fail the others. Every promise settles after COMMIT: an acknowledged
   * write is in the WAL (see schema.ts for what survives what).
   */
  write<T>(fn: (store: Store) => Op<T>, fresh?: (result: T) => readonly Entity[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({
        fn: () => runSync(fn(this.store)), resolve: resolve as (value: unknown) => void, reject, fresh: fresh as Job['fresh'],
      });
      if (this.#pending.length === 1) setImmediate(() => this.#commitPending());
    });
  }

  /** Drops the cached entities when another connection has committed since they were read (#sync). */
  checkCache(): void {
    this.#sync();
  }

  /** Whether another connection has committed since the model was last read (#sync). */
  modelMaybeChanged(): boolean {
    this.#sync();
    if (!this.#modelStale) return false;
    this.#modelStale = false;
    return true;
  }

  /**
   * Whether another connection has committed since last asked: then the
   * cache goes and the model's user mixins are read again. One
   * `PRAGMA data_version` per turn of the event loop (it takes SQLite's
   * shared-memory locks), shared by both: every request handled in a turn had
   * arrived before the turn began, so a commit another process acknowledged
   * before a request was sent is seen; and again after a commit of another
   * engine of this process (another engine on the same file is seen at once).
   */
  #sync(): void {
    // Only another engine's commit in this process is a reason to ask again within the turn.
    const others = processCommits - this.#ownCommits;
    if (this.#synced && this.#syncedAt === others) return;
    this.#synced = true;
    this.#syncedAt = others;
    setImmediate(() => (this.#synced = false));
    const version = this.#tx.dataVersion.get() as number;
    if (version === this.#seenVersion) return;
    this.#seenVersion = version;
    this.cache.clear();
    this.#modelStale = true;
  }

  onModelChange(): void {
    // Processes sharing the file are seen through data_version (modelMaybeChanged).
  }

  async health(): Promise<Health> {
    try {
      this.#tx.dataVersion.get();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `embedded database: ${(err as Error).message}` };
    }
  }

  async stop(): Promise<void> {
    if (this.#closed) return;
    if (this.#pending.length > 0) this.#commitPending();
    this.#closed = true;
    this.cache.clear();
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    if (this.#db.open) this.#db.close();
  }

  /** Closes without the checkpointer (a start that failed half way). */
  close(): void {
    this.#closed = true;
    if (this.#db.open) this.#db.close();
  }

  /**
   * After a group's COMMIT (or its failure): the cache forgets what the group
   * changed, then keeps what each write named fresh, unless a later write of
   * the group changed it again (the marks say which write logged which
   * change). All of the cache goes when the log cannot be read.
   */
  #afterCommit(jobs: Job[]): void {
    try {
      const changes = this.#changes.drain();
      for (const { owner, location } of changes) this.cache.forget(owner, location);
      if (!jobs.some((job) => job.done && job.fresh)) return;
      // The index of the last write that changed each entity.
      const lastWrite = new Map<string, number>();
      let j = 0;
      for (const { seq, owner, location } of changes) {
        // A write without a mark (none is missing when one is kept fresh) gives its changes to the later ones.
        while (j < jobs.length - 1 && seq > (jobs[j].end ?? -Infinity)) j++;
        lastWrite.set(cacheKey(owner, location), j);
      }
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i];
        if (!job.done || !job.fresh) continue;
        for (const entity of job.fresh(job.result)) {
          const last = lastWrite.get(cacheKey(entity.owner ?? '', entity.location));
          if (last === undefined || last <= i) this.cache.add(entity);
        }
      }
    } catch {
      this.cache.clear();
    }
  }

  #commitPending(): void {
    const jobs = this.#pending;
    this.#pending = [];
    if (jobs.length === 0) return;
    if (this.#closed || !this.#db.open) {
      for (const job of jobs) job.reject(toBackendError(new Error('the embedded backend is not started')));
      return;
    }
    const tx = this.#tx;
    // Which write of a group made which change matters only when one of them names fresh entities.
    const marking = jobs.length > 1 && jobs.some((job) => job.fresh);
    try {
      if (jobs.length === 1) {
        const [job] = jobs;
        job.result = tx.run.immediate(() => job.fn());
        job.done = true;
      } else {
        tx.batch.immediate(jobs, marking ? this.#changes : undefined);
      }
    } catch (err) {
      // BEGIN or COMMIT failed, or SQLite rolled the whole transaction back: nothing of it is stored.
      for (const job of jobs) {
        if (job.done) job.error = err;
        else job.error ??= err;
        job.done = false;
      }
    } finally {
      this.#afterCommit(jobs);
      processCommits++;
      this.#ownCommits++;
    }
    for (const job of jobs) {
      if (job.done) job.resolve(job.result);
      else job.reject(toBackendError(job.error));
    }
  }
}

interface Job {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** The entities of the result that the cache may keep (SqliteEngine.write). */
  fresh?: (result: unknown) => readonly Entity[];
  result?: unknown;
  error?: unknown;
  done?: boolean;
  /** The change log's mark after this write, in a group that marks (#afterCommit). */
  end?: number;
}

/** The transaction functions and statements of one open database, built once (better-sqlite3 compiles each). */
interface Transactions {
  readonly run: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Runs jobs one savepoint each (better-sqlite3 nests a transaction function as a savepoint). */
  readonly batch: Database.Transaction<(jobs: Job[], log?: ChangeLog) => void>;
  readonly dataVersion: Database.Statement<[], number>;
}

function transactions(db: Database.Database, _store: Store): Transactions {
  const run = db.transaction((fn: () => unknown) => fn());
  const batch = db.transaction((jobs: Job[], log?: ChangeLog) => {
    for (const job of jobs) {
      try {
        job.result = run(() => job.fn());
        job.done = true;
      } catch (err) {
        job.error = err;
        job.done = false;
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the batch is lost.
        if (!db.inTransaction) throw err;
      }
      if (log) job.end = log.mark();
    }
  });
  return { run, batch, dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck() };
}
