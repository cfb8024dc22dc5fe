import type { Entity } from '../../model/index.js';
import type { Health } from '../backend.js';
import type { EntityCache } from './cache.js';
import type { Op } from './op.js';
import type { Store } from './store.js';

/**
 * Where the embedded backend's state lives and how its transactions run:
 * SQLite (sqlite-engine.ts) or PostgreSQL (postgres-engine.ts). The logic
 * above it (index.ts, create.ts, actions.ts, query.ts) is written once, as
 * `Op`s over a `Store`; an engine runs each write as one transaction,
 * committed before its promise settles, and a write that throws leaves
 * nothing behind.
 */
export interface StoreEngine {
  readonly kind: 'sqlite' | 'postgres';
  /** Entities kept across requests (SQLite only: another instance's writes would not clear it). */
  readonly cache: EntityCache | undefined;
  /** A read of one or more statements. */
  read<T>(fn: (store: Store) => Op<T>): Promise<T>;
  /**
   * A write transaction; settles after COMMIT. `fresh` names the entities
   * of the result as they stand at the end of the write (read inside it,
   * with their links): an engine with a cache may keep them, so that the
   * next read of what was just written does not go to the database.
   */
  write<T>(fn: (store: Store) => Op<T>, fresh?: (result: T) => readonly Entity[]): Promise<T>;
  /** Drops cached entities another connection's commit made stale (asked before reads). */
  checkCache(): void;
  /** Whether user mixins or saved templates may have changed in another process since last asked. */
  modelMaybeChanged(): boolean;
  /** Called when another instance announces a model change (PostgreSQL's NOTIFY); SQLite never calls it. */
  onModelChange(listener: () => void): void;
  health(): Promise<Health>;
  /** Finishes pending writes, then closes. */
  stop(): Promise<void>;
}
