import pg from 'pg';
import { BackendUnavailableError, ConflictError, InternalError, OcciError } from '../../errors.js';
import type { Health } from '../backend.js';
import type { StoreEngine } from './engine.js';
import { runAsync, type Op } from './op.js';
import { migratePostgres } from './postgres-schema.js';
import { MODEL_CHANNEL, PostgresStore } from './postgres-store.js';
import type { Store } from './store.js';

/** bigint (count(*), seq) as a number: the counts and sequence numbers here stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** Serialization failure, deadlock, and a unique key taken by a concurrent transaction: the write runs again, on fresh rows. */
const RETRYABLE = new Set(['40001', '40P01', '23505']);
const MAX_ATTEMPTS = 8;

/**
 * The PostgreSQL engine: a pg Pool shared by the requests of this instance,
 * and one more connection LISTENing for other instances' model changes.
 *
 * Isolation: each write is one READ COMMITTED transaction whose entity reads
 * lock their rows (`SELECT ... FOR UPDATE`, postgres-store.ts), so two
 * instances acting on the same entity take turns and the second reads the
 * first's committed state: If-Match and version checks, state-machine
 * moves and all-or-nothing batches hold as they do under SQLite's single
 * writer. A deadlock (40P01), a serialization failure (40001) or a unique
 * key another transaction took meanwhile (23505: two creates of the same
 * location) rolls back and runs the whole write again, up to 8 times, where
 * it meets the committed rows (a 409 for a taken location). COMMIT returns
 * once PostgreSQL has flushed its WAL (synchronous_commit on): an
 * acknowledged write is durable.
 *
 * Reads use one pooled connection, no transaction, and no cross-request
 * cache: another instance's write is seen by the next request.
 */
export class PostgresEngine implements StoreEngine {
  readonly kind = 'postgres';
  readonly cache = undefined;
  readonly #pool: pg.Pool;
  readonly #url: string;
  #listener: pg.Client | undefined;
  #listeners: Array<() => void> = [];
  /** Set by a notification, or while not listening (then every refresh reads the rows). */
  #dirty = false;
  #stopped = false;
  #reconnect: NodeJS.Timeout | undefined;
  /** Server process ids of this instance's pooled connections: their notifications are this instance's own changes. */
  readonly #own = new Set<number>();

  private constructor(pool: pg.Pool, url: string) {
    this.#pool = pool;
    this.#url = url;
  }

  static async open(url: string): Promise<PostgresEngine> {
    const pool = new pg.Pool({ connectionString: url, max: 10, types: TYPES, connectionTimeoutMillis: 10_000 });
    // An idle connection the server closed is dropped from the pool, not a crash.
    pool.on('error', () => undefined);
    const engine = new PostgresEngine(pool, url);
    pool.on('connect', (c) => {
      const pid = processId(c);
      if (pid !== undefined) engine.#own.add(pid);
    });
    pool.on('remove', (c) => {
      const pid = processId(c);
      if (pid !== undefined) engine.#own.delete(pid);
    });
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client, redact(url));
      } finally {
        client.release();
      }
      await engine.#listen();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err instanceof OcciError || (err as { code?: string }).code === undefined ? err : toPgError(err);
    }
    return engine;
  }

  async read<T>(fn: (store: Store) => Op<T>): Promise<T> {
    const client = await this.#connect();
    try {
      return await runAsync(fn(new PostgresStore(client, false)));
    } catch (err) {
      throw toPgError(err);
    } finally {
      client.release();
    }
  }

  async write<T>(fn: (store: Store) => Op<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await runAsync(fn(new PostgresStore(client, true)));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (err as { code?: string }).code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
          continue;
        }
        throw toPgError(err);
      } finally {
        client.release(broken);
      }
    }
  }

  checkCache(): void {
    // No cross-request cache on PostgreSQL.
  }

  modelMaybeChanged(): boolean {
    if (this.#listener === undefined) return true;
    const dirty = this.#dirty;
    this.#dirty = false;
    return dirty;
  }

  onModelChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async health(): Promise<Health> {
    try {
      await this.#pool.query('SELECT 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `PostgreSQL store: ${(err as Error).message}` };
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#reconnect);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => undefined);
    // pool.end waits for checked-out clients: writes in flight finish first.
    await this.#pool.end();
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw new BackendUnavailableError(`the PostgreSQL store cannot be reached: ${(err as Error).message}`, { cause: err });
    }
  }

  /** LISTEN on its own connection; lost, it is opened again, and the model is read again meanwhile. */
  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    const lost = () => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => undefined);
      if (!this.#stopped) this.#reconnect = setTimeout(() => void this.#listen().catch(() => lost()), 1000);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      // This instance's own change is in its model already (index.ts adds and removes it around the write).
      if (this.#own.has(n.processId)) return;
      this.#dirty = true;
      for (const l of this.#listeners) l();
    });
    await client.connect();
    await client.query(`LISTEN ${MODEL_CHANNEL}`);
    this.#listener = client;
    // Whatever changed while not listening.
    this.#dirty = true;
    for (const l of this.#listeners) l();
  }
}

/** The server process id of a connection (pg keeps it from the BackendKeyData message). */
function processId(client: pg.PoolClient): number | undefined {
  return (client as unknown as { processID?: number }).processID ?? undefined;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** PostgreSQL's SQLSTATE classes that mean "cannot serve now": connection, resources, operator intervention. */
function toPgError(err: unknown): OcciError {
  if (err instanceof OcciError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (code === '23505') return new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `taken by a concurrent write: ${message}`, { cause: err });
  if (/^(08|53|57)/.test(code) || /^E[A-Z]+$/.test(code) || /Connection terminated|timeout/i.test(message)) {
    return new BackendUnavailableError(`the PostgreSQL store cannot serve now (${code || 'connection'}: ${message})`, { cause: err });
  }
  return new InternalError(`database error (${code || 'postgres'}): ${message}`, { cause: err });
}
