import type pg from 'pg';
import type { Entity, Link } from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import type { Op } from './op.js';
import { Store, entityColumns, entityData, ownersConflict, sameList, type Dialect, type EntityRow, type MixinRow } from './store.js';

const POSTGRES: Dialect = { jsonList: (p) => `SELECT jsonb_array_elements_text(${p}::jsonb)`, noLimit: null };

/** The channel user-mixin and saved-template changes are announced on (postgres-engine.ts listens). */
export const MODEL_CHANNEL = 'occi_model';

/**
 * The PostgreSQL store: the same statements as SqliteStore, each yielded as
 * a promise on one connection (the transaction's). In a write transaction
 * (`lock`) every entity row read is locked until COMMIT (`FOR UPDATE`):
 * a concurrent action, If-Match check or delete on another instance waits,
 * then reads the committed row, so state-machine moves and version checks
 * never act on a stale row.
 */
export class PostgresStore extends Store {
  readonly dialect = POSTGRES;
  readonly #client: pg.ClientBase;
  readonly #lock: string;

  constructor(client: pg.ClientBase, lock: boolean) {
    super();
    this.#client = client;
    this.#lock = lock ? ' FOR UPDATE' : '';
  }

  *#query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Op<R[]> {
    const result = (yield this.#client.query<R>({ text, values: values as unknown[] })) as pg.QueryResult<R>;
    return result.rows;
  }

  *ownedBy(owner: string): Op<number> {
    const [row] = yield* this.#query<{ entities: number }>('SELECT entities FROM owners WHERE owner = $1', [owner]);
    return row ? Number(row.entities) : 0;
  }

  *find(ctx: RequestContext, location: string): Op<EntityRow | undefined> {
    const own = yield* this.findOwned(ctx.owner, location);
    if (own || !ctx.admin) return own;
    const rows = yield* this.#query<EntityRow>(`SELECT * FROM entities WHERE location = $1 ORDER BY seq LIMIT 2${this.#lock}`, [location]);
    if (rows.length <= 1) return rows[0];
    const [held] = yield* this.#query<{ n: number }>('SELECT count(*) AS n FROM entities WHERE location = $1', [location]);
    throw ownersConflict(location, Number(held.n));
  }

  *findOwned(owner: string, location: string): Op<EntityRow | undefined> {
    return (yield* this.#query<EntityRow>(`SELECT * FROM entities WHERE owner = $1 AND location = $2${this.#lock}`, [owner, location]))[0];
  }

  *idTaken(owner: string, id: string): Op<boolean> {
    return (yield* this.#query('SELECT 1 FROM entities WHERE owner = $1 AND id = $2', [owner, id])).length > 0;
  }

  *insert(entity: Entity): Op<void> {
    const r = entityColumns(entity);
    // The entity and its memberships in one round trip.
    yield* this.#query(
      `WITH e AS (
         INSERT INTO entities (location, id, kind, owner, source, target, version, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING owner, location
       ) INSERT INTO memberships (owner, mixin, location) SELECT e.owner, m, e.location FROM e, unnest($9::text[]) m ON CONFLICT DO NOTHING`,
      [r.location, r.id, r.kind, r.owner, r.source, r.target, r.version, r.data, entity.mixins],
    );
  }

  *update(entity: Entity, mixinsFrom?: readonly string[]): Op<void> {
    const owner = entity.owner ?? '';
    yield* this.#query('UPDATE entities SET data = $1, version = $2 WHERE owner = $3 AND location = $4', [entityData(entity), Number(entity.version), owner, entity.location]);
    if (mixinsFrom !== undefined && sameList(mixinsFrom, entity.mixins)) return;
    yield* this.#query('DELETE FROM memberships WHERE owner = $1 AND location = $2', [owner, entity.location]);
    if (entity.mixins.length === 0) return;
    yield* this.#query(
      'INSERT INTO memberships (owner, mixin, location) SELECT $1, m, $2 FROM unnest($3::text[]) m ON CONFLICT DO NOTHING', [owner, entity.location, entity.mixins],
    );
  }

  *moveLink(link: Link): Op<void> {
    yield* this.#query('UPDATE entities SET source = $1, target = $2 WHERE owner = $3 AND location = $4', [link.source, link.target, link.owner ?? '', link.location]);
  }

  *delete(owner: string, location: string): Op<void> {
    yield* this.#query('DELETE FROM entities WHERE owner = $1 AND target = $2 AND source IS NOT NULL', [owner, location]);
    yield* this.#query('DELETE FROM entities WHERE owner = $1 AND location = $2', [owner, location]);
  }

  *linkRowsOf(owner: string, source: string): Op<EntityRow[]> {
    return yield* this.#query<EntityRow>('SELECT * FROM entities WHERE owner = $1 AND source = $2 ORDER BY seq', [owner, source]);
  }

  *linkRowsFrom(pairs: ReadonlyArray<readonly [string, string]>): Op<EntityRow[]> {
    return yield* this.#query<EntityRow>(
      'SELECT e.* FROM jsonb_array_elements($1::jsonb) j JOIN entities e ON e.owner = j->>0 AND e.source = j->>1 ORDER BY e.seq', [JSON.stringify(pairs)],
    );
  }

  *linkRowsTo(owner: string, target: string): Op<EntityRow[]> {
    return yield* this.#query<EntityRow>('SELECT * FROM entities WHERE owner = $1 AND target = $2 AND source IS NOT NULL ORDER BY seq', [owner, target]);
  }

  *membersOf(owner: string, mixin: string): Op<string[]> {
    return (yield* this.#query<{ location: string }>('SELECT location FROM memberships WHERE owner = $1 AND mixin = $2', [owner, mixin])).map((r) => r.location);
  }

  *removeMemberships(owner: string, mixin: string): Op<void> {
    yield* this.#query('DELETE FROM memberships WHERE owner = $1 AND mixin = $2', [owner, mixin]);
  }

  *mixinRows(): Op<MixinRow[]> {
    return yield* this.#query<MixinRow>('SELECT id, origin, owner, location, data FROM mixins ORDER BY rowid');
  }

  *findMixin(owner: string | null, id: string): Op<MixinRow | undefined> {
    return (yield* this.#query<MixinRow>('SELECT id, origin, owner, location, data FROM mixins WHERE owner IS NOT DISTINCT FROM $1 AND id = $2', [owner, id]))[0];
  }

  *mixinAt(owner: string | null, location: string): Op<MixinRow | undefined> {
    return (yield* this.#query<MixinRow>('SELECT id, origin, owner, location, data FROM mixins WHERE owner IS NOT DISTINCT FROM $1 AND location = $2', [owner, location]))[0];
  }

  *insertMixin(row: MixinRow): Op<void> {
    yield* this.#query('INSERT INTO mixins (id, origin, owner, location, data) VALUES ($1, $2, $3, $4, $5)', [row.id, row.origin, row.owner, row.location, row.data]);
  }

  *deleteMixin(owner: string | null, id: string): Op<void> {
    yield* this.#query('DELETE FROM mixins WHERE owner IS NOT DISTINCT FROM $1 AND id = $2', [owner, id]);
  }

  *rows<R>(sql: string, params: readonly unknown[]): Op<R[]> {
    return (yield* this.#query(numbered(sql), params)) as R[];
  }

  *value(sql: string, params: readonly unknown[]): Op<unknown> {
    const [row] = yield* this.#query(numbered(sql), params);
    return row === undefined ? undefined : Object.values(row)[0];
  }

  *modelChanged(): Op<void> {
    // Delivered to every listening instance when this transaction commits, not before.
    yield* this.#query(`SELECT pg_notify('${MODEL_CHANNEL}', '')`);
  }
}

/** `?` placeholders (query.ts's SQL has no `?` elsewhere) as PostgreSQL's `$1`, `$2`, ... */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
