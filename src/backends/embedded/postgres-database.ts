import pg from 'pg';
import { BackendUnavailableError, ConflictError, InternalError, OcciError } from '../../errors.js';
import type { Health } from '../backend.js';

/** bigint (count(*), seq) as a number: the counts and sequence numbers here stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** Serialization failure, deadlock, and a unique key taken by a concurrent transaction: the write runs again, on fresh rows. */
const RETRYABLE = new Set(['40001', '40P01', '23505']);
const MAX_ATTEMPTS = 8;

/**
 * One PostgreSQL database as occi-server's stores use it: a pg Pool shared by
 * this instance's requests, writes as retried transactions, and one more
 * connection LISTENing on a channel for other instances' model changes. The
 * embedded backend's engine (postgres-engine.ts, channel `occi_model`) and
 * the cloud backends' tag store (postgres-tag-store.ts, channel `occi_tags`)
 * are both built on it.
 *
 * Writes: one READ COMMITTED transaction each. A deadlock (40P01), a
 * serialization failure (40001) or a unique key another transaction took
 * meanwhile (23505) rolls back and runs the whole write again, up to 8
 * times, where it meets the committed rows. COMMIT returns once PostgreSQL
 * has flushed its WAL (synchronous_commit on): an acknowledged write is
 * durable. A notification sent inside a write (`pg_notify(channel, '')`)
 * reaches the other instances when it commits; this instance's own are
 * ignored (it changed its model around the write).
 *
 * @example
 * const db = await PostgresDatabase.open(url, 'occi_tags', (c, where) => migrateTags(c, where));
 * await db.write(async (client) => { await client.query('INSERT ...'); });
 */
export class PostgresDatabase {
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #channel: string;
  #listener: pg.Client | undefined;
  #listeners: Array<() => void> = [];
  /** Set by a notification, or while not listening (then every refresh reads the rows). */
  #dirty = false;
  #stopped = false;
  #reconnect: NodeJS.Timeout | undefined;
  /** Server process ids of this instance's pooled connections: their notifications are this instance's own changes. */
  readonly #own = new Set<number>();

  private constructor(pool: pg.Pool, url: string, channel: string) {
    this.#pool = pool;
    this.#url = url;
    this.#channel = channel;
  }

  /** Connects, runs `migrate` on one connection, and starts listening on `channel`. */
  static async open(url: string, channel: string, migrate: (client: pg.ClientBase, where: string) => Promise<void>): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString: url, max: 10, types: TYPES, connectionTimeoutMillis: 10_000 });
    // An idle connection the server closed is dropped from the pool, not a crash.
    pool.on('error', () => undefined);
    const db = new PostgresDatabase(pool, url, channel);
    pool.on('connect', (c) => {
      const pid = processId(c);
      if (pid !== undefined) db.#own.add(pid);
    });
    pool.on('remove', (c) => {
      const pid = processId(c);
      if (pid !== undefined) db.#own.delete(pid);
    });
    try {
      const client = await pool.connect();
      try {
        await migrate(client, redact(url));
      } finally {
        client.release();
      }
      await db.#listen();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err instanceof OcciError || (err as { code?: string }).code === undefined ? err : toPgError(err);
    }
    return db;
  }

  /** Reads on one pooled connection, no transaction. */
  async read<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      return await fn(client);
    } catch (err) {
      throw toPgError(err);
    } finally {
      client.release();
    }
  }

  /** A write transaction, run again on a retryable failure; settles after COMMIT. */
  async write<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
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

  /** The statement a write runs to announce a model change on this database's channel. */
  get notify(): string {
    return `SELECT pg_notify('${this.#channel}', '')`;
  }

  /** Whether another instance may have changed the model since last asked (always, while not listening). */
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
      // This instance's own change is in its model already (its callers add and remove it around the write).
      if (this.#own.has(n.processId)) return;
      this.#dirty = true;
      for (const l of this.#listeners) l();
    });
    await client.connect();
    await client.query(`LISTEN ${this.#channel}`);
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
