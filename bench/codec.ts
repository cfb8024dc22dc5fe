/**
 * In-process throughput of the text/plain and JSON renderings over a corpus
 * of entity renderings (computes with templates; one in eight with links),
 * in MB/s of rendering bytes (1 MB = 10^6 bytes).
 */
import { ANONYMOUS, DEFAULT_TEMPLATES, createBackend } from '../src/backends/index.js';
import { standardModel, type Entity, type Model } from '../src/model/index.js';
import type { Rendering } from '../src/rendering/index.js';
import { occiJson } from '../src/rendering/occi-json/index.js';
import { textPlain } from '../src/rendering/text-plain/index.js';
import { fill } from './seed.js';

export interface CodecResult {
  readonly name: string;
  /** Entities per second. */
  readonly opsPerS: number;
  readonly mbPerS: number;
}

async function corpus(size: number): Promise<{ model: Model; entities: Entity[] }> {
  const model = standardModel();
  const backend = createBackend('embedded', { dataDir: ':memory:', templates: DEFAULT_TEMPLATES });
  await backend.start(model);
  try {
    const linked: Entity[] = [];
    // Several linked computes, so that links make up a fair share of the bytes.
    for (let i = 0; i < Math.ceil(size / 8); i++) {
      const seeded = await fill(backend, model, 1);
      linked.push((await backend.get(ANONYMOUS, seeded.linked))!);
    }
    const plain = await fill(backend, model, size - linked.length + 1);
    const entities: Entity[] = [...linked];
    for (const l of plain.computes.slice(1)) entities.push((await backend.get(ANONYMOUS, l))!);
    // Copies: the backend's cached entities are frozen, and renderings keep the bytes of frozen ones.
    return { model, entities: entities.map((e) => structuredClone(e)) };
  } finally {
    await backend.stop();
  }
}

/** Runs `fn` over the corpus until `seconds` have passed; entities and bytes per second. */
function measure(name: string, seconds: number, items: number, bytes: number, fn: () => void): CodecResult {
  fn(); // warm-up
  let rounds = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    fn();
    rounds++;
    elapsed = performance.now() - t0;
  }
  const s = elapsed / 1000;
  return { name, opsPerS: (rounds * items) / s, mbPerS: (rounds * bytes) / s / 1e6 };
}

export async function runCodec(seconds: number, size = 200): Promise<CodecResult[]> {
  // The corpus is rendered afresh on every pass: nothing in it is frozen, so nothing is kept.
  const { model, entities } = await corpus(size);
  const ctx = { model, baseUrl: 'http://127.0.0.1:8787' };
  const out: CodecResult[] = [];
  for (const [label, rendering] of [['text-plain', textPlain], ['json', occiJson]] as Array<[string, Rendering]>) {
    const bodies = entities.map((entity) => rendering.render({ type: 'entity', entity }, ctx).body);
    const bytes = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0);
    for (const body of bodies) rendering.parser!.parseEntities({ body, headers: {} }, model); // must all parse
    out.push(measure(`parse-${label}`, seconds, bodies.length, bytes, () => {
      for (const body of bodies) rendering.parser!.parseEntities({ body, headers: {} }, model);
    }));
    out.push(measure(`render-${label}`, seconds, entities.length, bytes, () => {
      for (const entity of entities) rendering.render({ type: 'entity', entity }, ctx);
    }));
  }
  return out;
}
