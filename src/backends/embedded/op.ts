import { InternalError } from '../../errors.js';

/**
 * A step of the embedded backend's logic, written once for both stores: a
 * generator that yields the store's pending queries and gets their results
 * back. The SQLite store answers synchronously and never yields, so
 * `runSync` runs the whole step inside one better-sqlite3 transaction
 * without leaving the event loop turn; the PostgreSQL store yields each
 * query's promise and `runAsync` awaits it on the transaction's connection.
 *
 * @example
 * function* rename(store: Store, owner: string, location: string): Op<void> {
 *   const row = yield* store.findOwned(owner, location);
 *   ...
 * }
 */
export type Op<T> = Generator<Promise<unknown>, T, unknown>;

/** Runs a step whose store answers synchronously (SQLite): a step that yields is a bug. */
export function runSync<T>(op: Op<T>): T {
  const step = op.next();
  if (!step.done) throw new InternalError('a synchronous store step waited for a query');
  return step.value;
}

/** Runs a step whose store answers with promises (PostgreSQL), one query at a time. */
export async function runAsync<T>(op: Op<T>): Promise<T> {
  let step = op.next();
  while (!step.done) {
    let value: unknown;
    try {
      value = await step.value;
    } catch (err) {
      step = op.throw(err);
      continue;
    }
    step = op.next(value);
  }
  return step.value;
}
