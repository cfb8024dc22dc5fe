import type Database from 'better-sqlite3';

/**
 * The entities this connection's writes changed, for the read cache: TEMP
 * triggers (they exist and fire on this connection only) log the owner and
 * location of every inserted, updated or deleted entity row, and for a link
 * also its source, whose rendering carries its links. Rows deleted by a
 * cascade fire the triggers too. The log is part of the transaction: a
 * rolled-back write leaves nothing in it. Another process's commits are not
 * logged here; the backend clears the whole cache for those (data_version).
 */
export class ChangeLog {
  readonly #drain: Database.Statement<[], Change>;
  readonly #empty: Database.Statement;
  readonly #mark: Database.Statement<[], number | null>;

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS changed (owner TEXT NOT NULL, location TEXT NOT NULL);
      CREATE TEMP TRIGGER IF NOT EXISTS changed_insert AFTER INSERT ON main.entities BEGIN
        INSERT INTO changed VALUES (new.owner, new.location);
        INSERT INTO changed SELECT new.owner, new.source WHERE new.source IS NOT NULL;
      END;
      CREATE TEMP TRIGGER IF NOT EXISTS changed_update AFTER UPDATE ON main.entities BEGIN
        INSERT INTO changed VALUES (new.owner, new.location);
        INSERT INTO changed SELECT new.owner, new.source WHERE new.source IS NOT NULL;
      END;
      -- Most updates (an action, a rename) keep the row where it was: its old place is logged only when it moved.
      CREATE TEMP TRIGGER IF NOT EXISTS changed_moved AFTER UPDATE ON main.entities
        WHEN old.owner IS NOT new.owner OR old.location IS NOT new.location OR old.source IS NOT new.source BEGIN
        INSERT INTO changed VALUES (old.owner, old.location);
        INSERT INTO changed SELECT old.owner, old.source WHERE old.source IS NOT NULL;
      END;
      CREATE TEMP TRIGGER IF NOT EXISTS changed_delete AFTER DELETE ON main.entities BEGIN
        INSERT INTO changed VALUES (old.owner, old.location);
        INSERT INTO changed SELECT old.owner, old.source WHERE old.source IS NOT NULL;
      END;
    `);
    this.#drain = db.prepare('SELECT rowid AS seq, owner, location FROM temp.changed ORDER BY rowid');
    this.#empty = db.prepare('DELETE FROM temp.changed');
    this.#mark = db.prepare<[], number | null>('SELECT max(rowid) FROM temp.changed').pluck();
  }

  /**
   * Where the log stands: the changes logged after this call have a greater
   * `seq`. Inside a transaction, marks taken between writes tell which write
   * made which change (a write rolled back to its savepoint leaves none).
   */
  mark(): number {
    return this.#mark.get() ?? 0;
  }

  /** What was changed since the last call (committed or, when the log is read inside a transaction, about to be); empties the log. */
  drain(): Change[] {
    const rows = this.#drain.all();
    if (rows.length > 0) this.#empty.run();
    return rows;
  }
}

/** One logged change: `seq` orders them (see `mark`); an entity may appear more than once. */
export interface Change {
  seq: number;
  owner: string;
  location: string;
}
