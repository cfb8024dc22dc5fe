/**
 * The database's own share of a durable write, with nothing of HTTP, parsing
 * or rendering around it: the embedded backend's SQLite engine and store, as
 * the server runs them (WAL, synchronous=NORMAL, the change-log triggers, the
 * checkpointer thread), driven with `groups` writes per event-loop turn so
 * that they share one group commit as concurrent requests do. Three writes:
 *
 * - `create`: a compute's row with two template mixins (its memberships),
 *   then read back, as a create does (create.ts);
 * - `action`: a compute read, its state changed, its links read, as an
 *   action does (actions.ts);
 * - `empty`: a write that does nothing: the group commit itself (BEGIN,
 *   a savepoint per write, COMMIT).
 *
 * It prints microseconds per write (the median of `rounds`). These are what
 * a request of that kind costs at least in this process, whatever is made
 * cheaper around it: docs/performance.md compares them with what the
 * bench's ratio targets leave per request.
 *
 *   node --import tsx bench/floor.ts [groupSize=16] [writes=16000] [rounds=5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEngine } from '../src/backends/embedded/sqlite-engine.js';
import type { Store } from '../src/backends/embedded/store.js';
import { rowToEntity } from '../src/backends/embedded/store.js';
import type { Op } from '../src/backends/embedded/op.js';
import type { Entity } from '../src/model/index.js';

const COMPUTE = 'http://schemas.ogf.org/occi/infrastructure#compute';
const MIXINS = ['http://localhost/occi/os_tpl#debian12', 'http://localhost/occi/resource_tpl#small'];
const OWNER = 'anonymous';

export interface FloorResult {
  readonly write: 'create' | 'action' | 'empty';
  /** Microseconds per write, median of the rounds. */
  readonly us: number;
}

/** A compute as a create stores it (the attributes the templates fill in). */
function compute(n: number): Entity {
  const id = `${Date.now().toString(16).padStart(12, '0')}-${n.toString(16).padStart(12, '0')}`;
  return {
    id, kind: COMPUTE, mixins: MIXINS, location: `/compute/${id}`, version: '1', owner: OWNER,
    attributes: {
      'occi.core.title': 'bench', 'occi.compute.cores': 1, 'occi.compute.memory': 2,
      'occi.compute.ephemeral_storage.size': 10, 'occi.compute.state': 'inactive',
    },
  };
}

function* create(store: Store, entity: Entity): Op<Entity> {
  yield* store.insert(entity);
  const [stored] = yield* store.withLinks([rowToEntity((yield* store.findOwned(OWNER, entity.location))!)]);
  return stored;
}

function* action(store: Store, location: string): Op<Entity> {
  const row = (yield* store.findOwned(OWNER, location))!;
  const entity = rowToEntity(row);
  const state = entity.attributes['occi.compute.state'] === 'active' ? 'inactive' : 'active';
  const next = { ...entity, attributes: { ...entity.attributes, 'occi.compute.state': state }, version: String(Number(entity.version) + 1) };
  yield* store.update(next, entity.mixins);
  const [stored] = yield* store.withLinks([next]);
  return stored;
}

function* nothing(): Op<void> {}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the three writes in turn, `rounds` times, on a fresh database under `workDir`. */
export async function measureFloor(options: { groupSize: number; writes: number; rounds: number; workDir: string }): Promise<FloorResult[]> {
  const { groupSize, writes, rounds } = options;
  const dir = mkdtempSync(join(options.workDir, 'floor-'));
  const engine = SqliteEngine.open(dir);
  const times: Record<FloorResult['write'], number[]> = { create: [], action: [], empty: [] };
  let n = 0;
  const locations: string[] = [];
  try {
    // The actions' computes, written first.
    for (let i = 0; i < groupSize * 8; i += groupSize) {
      const made = await Promise.all(Array.from({ length: groupSize }, () => engine.write((s) => create(s, compute(n++)))));
      for (const e of made) locations.push(e.location);
    }
    const run = async (write: FloorResult['write']): Promise<void> => {
      const t0 = process.hrtime.bigint();
      for (let done = 0; done < writes; done += groupSize) {
        await Promise.all(Array.from({ length: groupSize }, (_, i) => {
          if (write === 'create') return engine.write((s) => create(s, compute(n++)));
          // A compute comes round again only in a later group: one write per compute per commit, as the bench's pool does.
          if (write === 'action') return engine.write((s) => action(s, locations[(done + i) % locations.length]));
          return engine.write(() => nothing());
        }));
      }
      times[write].push(Number(process.hrtime.bigint() - t0) / writes / 1000);
    };
    for (let r = 0; r < rounds; r++) for (const w of ['create', 'action', 'empty'] as const) await run(w);
  } finally {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return (['create', 'action', 'empty'] as const).map((write) => ({ write, us: median(times[write]) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [groupSize = 16, writes = 16_000, rounds = 5] = process.argv.slice(2).map(Number);
  const results = await measureFloor({ groupSize, writes, rounds, workDir: tmpdir() });
  console.log(`${groupSize} writes per group commit, ${writes} writes per round, median of ${rounds} rounds:`);
  for (const r of results) console.log(`  ${r.write.padEnd(6)} ${r.us.toFixed(1).padStart(6)} µs per write`);
}
