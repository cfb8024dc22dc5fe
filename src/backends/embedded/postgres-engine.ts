import type { Health } from '../backend.js';
import type { StoreEngine } from './engine.js';
import { runAsync, type Op } from './op.js';
import { PostgresDatabase } from './postgres-database.js';
import { migratePostgres } from './postgres-schema.js';
import { MODEL_CHANNEL, PostgresStore } from './postgres-store.js';
import type { Store } from './store.js';

/**
 * The PostgreSQL engine: the embedded backend's steps over one
 * PostgresDatabase (postgres-database.ts: the pool, retried write
 * transactions, and LISTEN on `occi_model` for other instances' model changes).
 *
 * Isolation: each write is one READ COMMITTED transaction whose entity reads
 * lock their rows (`SELECT ... FOR UPDATE`, postgres-store.ts), so two
 * instances acting on the same entity take turns and the second reads the
 * first's committed state: If-Match and version checks, state-machine
 * moves and all-or-nothing batches hold as they do under SQLite's single
 * writer. A deadlock, a serialization failure or a unique key another
 * transaction took meanwhile (two creates of the same location) rolls back
 * and runs the whole write again, where it meets the committed rows (a 409
 * for a taken location). An acknowledged write is durable.
 *
 * Reads use one pooled connection, no transaction, and no cross-request
 * cache: another instance's write is seen by the next request.
 */
export class PostgresEngine implements StoreEngine {
  readonly kind = 'postgres';
  readonly cache = undefined;
  readonly #db: PostgresDatabase;

  private constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  static async open(url: string): Promise<PostgresEngine> {
    return new PostgresEngine(await PostgresDatabase.open(url, MODEL_CHANNEL, migratePostgres));
  }

  read<T>(fn: (store: Store) => Op<T>): Promise<T> {
    return this.#db.read((client) => runAsync(fn(new PostgresStore(client, false))));
  }

  write<T>(fn: (store: Store) => Op<T>): Promise<T> {
    return this.#db.write((client) => runAsync(fn(new PostgresStore(client, true))));
  }

  checkCache(): void {
    // No cross-request cache on PostgreSQL.
  }

  modelMaybeChanged(): boolean {
    return this.#db.modelMaybeChanged();
  }

  onModelChange(listener: () => void): void {
    this.#db.onModelChange(listener);
  }

  health(): Promise<Health> {
    return this.#db.health();
  }

  stop(): Promise<void> {
    return this.#db.stop();
  }
}
