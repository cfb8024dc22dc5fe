/** Fills a data directory (or a PostgreSQL database) through the embedded backend's own create, in batches, before the server starts. */
import { ANONYMOUS, DEFAULT_TEMPLATES, createBackend, type Backend } from '../src/backends/index.js';
import { makeResolver } from '../src/http/urls.js';
import { COMPUTE, NETWORK, STORAGE, draftEntity, standardModel, type EntityDraft, type Kind, type Model } from '../src/model/index.js';
import { textPlain } from '../src/rendering/text-plain/index.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const OS = `${DEFAULT_TEMPLATES.scheme}os_tpl#`;
const SIZE = `${DEFAULT_TEMPLATES.scheme}resource_tpl#`;

/** The body of a compute creation from templates, as a client sends it (and the create scenarios post). */
export function computeText(title: string, size = 'small'): string {
  return [
    `Category: compute; scheme="${INFRA}"; class="kind"`,
    `Category: debian12; scheme="${OS}"; class="mixin"`,
    `Category: ${size}; scheme="${SIZE}"; class="mixin"`,
    `X-OCCI-Attribute: occi.core.title="${title}"`,
    '',
  ].join('\r\n');
}

export function computeJson(title: string, size = 'small'): string {
  return JSON.stringify({ kind: `${INFRA}compute`, mixins: [`${OS}debian12`, `${SIZE}${size}`], attributes: { 'occi.core.title': title } });
}

export interface Seeded {
  /** The compute with a network interface, a storage link and two template mixins. */
  readonly linked: string;
  /** Every compute, in creation order (`linked` first). */
  readonly computes: string[];
}

/**
 * Creates `count` computes (one with links), plus the network and storage it
 * links to: in the SQLite file of `dataDir`, or with `databaseUrl` in that
 * PostgreSQL database (the PostgreSQL store, migrated by the backend's start).
 */
export async function seed(dataDir: string, count: number, databaseUrl?: string): Promise<Seeded> {
  const model = standardModel();
  const store = databaseUrl === undefined ? {} : { store: 'postgres', databaseUrl };
  const backend = createBackend('embedded', { dataDir, templates: DEFAULT_TEMPLATES, ...store });
  await backend.start(model);
  try {
    return await fill(backend, model, count);
  } finally {
    await backend.stop();
  }
}

/** seed() on a started backend. */
export async function fill(backend: Backend, model: Model, count: number): Promise<Seeded> {
  {
    const draft = (kind: Kind, body: string): EntityDraft => {
      const [input] = textPlain.parser!.parseEntities({ body, headers: {} }, model);
      return draftEntity(model, kind, input, makeResolver('http://127.0.0.1'));
    };
    const [network, storage] = await backend.create(ANONYMOUS, [
      draft(NETWORK, `Category: network; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.core.title="lan"\r\n`),
      draft(STORAGE, `Category: storage; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.storage.size=20.0\r\n`),
    ]);
    const [linked] = await backend.create(ANONYMOUS, [draft(COMPUTE, linkedText(network.location, storage.location))]);
    const computes = [linked.location];
    const batch = 1000;
    for (let done = 1; done < count; ) {
      const n = Math.min(batch, count - done);
      const drafts = Array.from({ length: n }, (_, i) => draft(COMPUTE, computeText(`vm-${done + i}`, i % 2 === 0 ? 'small' : 'medium')));
      for (const e of await backend.create(ANONYMOUS, drafts)) computes.push(e.location);
      done += n;
    }
    return { linked: linked.location, computes };
  }
}

function linkedText(network: string, storage: string): string {
  return [
    `Category: compute; scheme="${INFRA}"; class="kind"`,
    `Category: debian12; scheme="${OS}"; class="mixin"`,
    `Category: medium; scheme="${SIZE}"; class="mixin"`,
    `Link: <${network}>; rel="${INFRA}network"; category="${INFRA}networkinterface http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface"; occi.networkinterface.address="10.0.0.5"; occi.networkinterface.allocation="dynamic"`,
    `Link: <${storage}>; rel="${INFRA}storage"; category="${INFRA}storagelink"; occi.core.title="data disk"`,
    'X-OCCI-Attribute: occi.core.title="web-1"',
    'X-OCCI-Attribute: occi.core.summary="Front end \\"A\\" of the shop"',
    'X-OCCI-Attribute: occi.compute.hostname="web-1.example.org"',
    '',
  ].join('\r\n');
}
