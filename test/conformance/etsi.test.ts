/**
 * End-to-end conformance over loopback, organised by the ETSI TS 103 142
 * test identifiers that pOCCI implements (../shared/occi-spec/pocci-notes.md
 * §3), run once per rendering. Stricter than the minimum: exact reason
 * phrases, exact Content-Type, absolute URLs, `occi.core.id` always there.
 * Backend-agnostic (test/support/server.ts, OCCI_TEST_BACKEND): where the
 * backend's state settles later (`capabilities.state` 'eventual', a cloud)
 * a case waits for it with `eventually()` and asks for an action only once
 * the entity offers it, as a client of that cloud must; on the embedded
 * backend each such wait is a single check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../src/backends/backend.contract.js';
import { header, send, type RawResponse } from '../support/http.js';
import { parseCategories, parseEntity, parseLocations, type PocciCategory } from '../support/pocci.js';
import { startTestServer, type TestServer } from '../support/server.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const CORE = 'http://schemas.ogf.org/occi/core#';
const MIMES = ['text/plain', 'text/occi', 'application/occi+json'] as const;
/** How long state a cloud reaches later may take (as the OpenNebula scenario's). */
const SETTLE_MS = 10_000;
type Mime = (typeof MIMES)[number];

interface Body {
  kind?: string;
  mixins?: string[];
  attributes?: Record<string, string | number | boolean>;
  links?: Array<{ target: string; rel: string }>;
  /** Action invocation: the full category line or type id. */
  action?: { id: string; line?: string };
}

function categoryLine(id: string, cls: string): string {
  const i = id.lastIndexOf('#');
  return `${id.slice(i + 1)}; scheme="${id.slice(0, i + 1)}"; class="${cls}"`;
}

function textValue(v: string | number | boolean): string {
  return typeof v === 'string' ? `"${v.replace(/["\\]/g, '\\$&')}"` : String(v);
}

/** Renders a request body the way each client family does (pOCCI style for text). */
function request(mime: Mime, b: Body): { headers: Record<string, string>; body: string } {
  if (mime === 'application/occi+json') {
    if (b.action) return { headers: { 'Content-Type': mime }, body: JSON.stringify({ action: b.action.id, attributes: b.attributes ?? {} }) };
    const doc: Record<string, unknown> = { kind: b.kind, attributes: b.attributes ?? {} };
    if (b.mixins?.length) doc.mixins = b.mixins;
    if (b.links?.length) doc.links = b.links.map((l) => ({ kind: l.rel.endsWith('#network') ? `${INFRA}networkinterface` : `${INFRA}storagelink`, target: { location: l.target, kind: l.rel } }));
    return { headers: { 'Content-Type': mime }, body: JSON.stringify(doc) };
  }
  const categories = [
    ...(b.kind ? [categoryLine(b.kind, 'kind')] : []),
    ...(b.mixins ?? []).map((m) => categoryLine(m, 'mixin')),
    ...(b.action ? [b.action.line ?? categoryLine(b.action.id, 'action')] : []),
  ];
  const attributes = Object.entries(b.attributes ?? {}).map(([k, v]) => `${k}=${textValue(v)}`);
  const links = (b.links ?? []).map((l) => `<${l.target}>; rel="${l.rel}"`);
  if (mime === 'text/occi') {
    const headers: Record<string, string> = { 'Content-Type': mime };
    // pOCCI joins values with "," and no space, and writes ";" without a space.
    if (categories.length) headers.Category = categories.map((c) => c.replace(/; /g, ';')).join(',');
    if (attributes.length) headers['X-OCCI-Attribute'] = attributes.join(',');
    if (links.length) headers.Link = links.join(',');
    return { headers, body: '' };
  }
  const lines = [
    ...categories.map((c) => `Category: ${c}`),
    ...links.map((l) => `Link: ${l}`),
    ...attributes.map((a) => `X-OCCI-Attribute: ${a}`),
  ];
  return { headers: { 'Content-Type': mime }, body: lines.join('\r\n') + '\r\n' };
}

function contentType(res: RawResponse): string {
  return (header(res, 'content-type') ?? '').split(';')[0].trim();
}

function createdLocation(res: RawResponse): string {
  const loc = header(res, 'location');
  assert.ok(loc, 'a 201 carries Location');
  assert.match(loc, /^http:\/\/127\.0\.0\.1:\d+\/[a-z]+\/[A-Za-z0-9_-]+$/, `Location is an absolute entity URL: ${loc}`);
  return loc;
}

interface JsonEntity {
  kind: string;
  id: string;
  mixins?: string[];
  attributes: Record<string, unknown>;
  links?: Array<{ kind: string; target: { location: string } }>;
  actions?: string[];
}

for (const mime of MIMES) {
  describe(`ETSI TS 103 142 conformance, ${mime}`, () => {
    let server: TestServer;
    let categories: PocciCategory[];
    const accept = { Accept: mime };
    /** A request as the server's user: its credentials (none on the embedded backend) and the headers given. */
    const call = (method: string, path: string, headers: Record<string, string> = {}, body = '') => send(server.base, method, path, { ...server.headers, ...headers }, body);
    /** Retried until it holds where the backend's state settles later; checked once where it is immediate. */
    const settled = <T>(check: () => Promise<T>) => eventually(check, server.capabilities.state === 'eventual' ? server.settleMs ?? SETTLE_MS : 0, 50);

    async function create(path: string, b: Body): Promise<string> {
      const r = request(mime, b);
      const res = await call('POST', path, { ...accept, ...r.headers }, r.body);
      assert.equal(`${res.status} ${res.statusText}`, '201 Created', res.body);
      assert.equal(contentType(res), mime);
      return createdLocation(res);
    }

    async function getEntity(url: string): Promise<{ categories: string[]; links: Array<{ uri: string; rel: string }>; attributes: Record<string, unknown>; actions: string[] }> {
      const res = await call('GET', url, accept);
      assert.equal(`${res.status} ${res.statusText}`, '200 OK');
      assert.equal(contentType(res), mime);
      if (mime === 'application/occi+json') {
        const e = JSON.parse(res.body) as JsonEntity;
        return {
          categories: [e.kind, ...(e.mixins ?? [])],
          links: (e.links ?? []).map((l) => ({ uri: l.target.location, rel: l.kind })),
          attributes: e.attributes,
          actions: e.actions ?? [],
        };
      }
      const e = parseEntity(res, mime);
      const actions = e.links.filter((l) => l.uri.includes('?action=')).map((l) => l.rel);
      return { categories: e.categories.map((c) => c.scheme + c.term), links: e.links, attributes: e.attributes, actions };
    }

    async function listing(path: string, extra: Record<string, string> = {}): Promise<string[]> {
      const res = await call('GET', path, { ...accept, ...extra });
      assert.equal(`${res.status} ${res.statusText}`, '200 OK');
      assert.equal(contentType(res), mime);
      return parseLocations(res, mime);
    }

    /** Listing entries are absolute URLs in text, ids in JSON; this gives the absolute URL. */
    function urlOf(entry: string, kindPath: string): string {
      return entry.startsWith('http') ? entry : `${server.base}${kindPath}${entry}`;
    }

    before(async () => {
      server = await startTestServer();
      const res = await call('GET', '/-/', { Accept: 'text/plain' });
      categories = parseCategories(res, 'text/plain');
    });
    after(() => server.stop());

    it('CORE/DISCOVERY/001 the query interface lists the core kinds', async () => {
      const res = await call('GET', '/-/', { Accept: 'text/plain' });
      assert.equal(`${res.status} ${res.statusText}`, '200 OK');
      assert.equal(contentType(res), 'text/plain');
      const ids = parseCategories(res, 'text/plain').map((c) => c.scheme + c.term);
      for (const k of ['entity', 'resource', 'link']) assert.ok(ids.includes(CORE + k), `${k} listed`);
      for (const k of ['compute', 'network', 'storage', 'networkinterface', 'storagelink']) assert.ok(ids.includes(INFRA + k), `${k} listed`);
      if (mime === 'application/occi+json') {
        const j = await call('GET', '/-/', accept);
        const doc = JSON.parse(j.body) as { kinds: Array<{ term: string; location?: string }>; mixins: unknown[]; actions: unknown[] };
        assert.equal(contentType(j), mime);
        assert.ok(doc.kinds.some((k) => k.term === 'compute' && k.location === '/compute/'));
        assert.ok(doc.mixins.length > 0 && doc.actions.length > 0);
      }
    });

    it('CORE/DISCOVERY/002 the query interface filtered by its first category contains it', async () => {
      const first = categories[0];
      const res = await call('GET', '/-/', {
        ...accept, 'Content-Type': 'text/occi', Category: `${first.term}; scheme="${first.scheme}"; class="${first.class}"`,
      });
      assert.equal(`${res.status} ${res.statusText}`, '200 OK');
      assert.equal(contentType(res), mime);
      if (mime === 'application/occi+json') {
        const doc = JSON.parse(res.body) as { kinds?: Array<{ term: string; scheme: string }> };
        assert.deepEqual(doc.kinds?.map((k) => k.scheme + k.term), [first.scheme + first.term]);
      } else {
        assert.deepEqual(parseCategories(res, mime).map((c) => c.scheme + c.term), [first.scheme + first.term]);
      }
    });

    it('INFRA/CREATE/001 a compute with only its kind is created and listed', async () => {
      const url = await create('/compute/', { kind: `${INFRA}compute` });
      const listed = (await listing('/compute/')).map((e) => urlOf(e, '/compute/'));
      assert.ok(listed.includes(url), `${url} in the listing`);
    });

    it('INFRA/CREATE/002 a storage of 0.1 GiB is created', async () => {
      const url = await create('/storage/', { kind: `${INFRA}storage`, attributes: { 'occi.core.title': 'st', 'occi.storage.size': 0.1 } });
      const e = await getEntity(url);
      // As asked, or rounded up to the step the backend allocates in (Cinder: whole GiB), and shown as allocated.
      const step = server.capabilities.storageSizeStep;
      assert.equal(e.attributes['occi.storage.size'], step === undefined ? 0.1 : Math.ceil(0.1 / step) * step);
      // Offline when made (Infrastructure 1.2 §3.3); a cloud brings it online by itself, in its own time (an OpenNebula image: LOCKED, then READY).
      const state = String(e.attributes['occi.storage.state']);
      assert.ok((server.capabilities.state === 'immediate' ? ['offline'] : ['offline', 'online']).includes(state), `state ${state}`);
    });

    it('INFRA/CREATE/003 a network is created', async () => {
      const url = await create('/network/', { kind: `${INFRA}network`, attributes: { 'occi.core.title': 'net' } });
      // Inactive when made (Infrastructure 1.2 §3.2); a cloud's comes up by itself (an OpenNebula virtual network is active once READY).
      const state = String((await getEntity(url)).attributes['occi.network.state']);
      assert.ok((server.capabilities.state === 'immediate' ? ['inactive'] : ['inactive', 'active']).includes(state), `state ${state}`);
    });

    it('INFRA/CREATE/004 a compute with an os_tpl and a resource_tpl takes the template values', async () => {
      const os = categories.find((c) => c.rel === `${INFRA}os_tpl`);
      const size = categories.find((c) => c.rel === `${INFRA}resource_tpl`);
      assert.ok(os && size, 'discovery offers an OS and a resource template');
      const url = await create('/compute/', { kind: `${INFRA}compute`, mixins: [os.scheme + os.term, size.scheme + size.term] });
      const e = await getEntity(url);
      assert.ok(e.categories.includes(os.scheme + os.term) && e.categories.includes(size.scheme + size.term));
      assert.equal(typeof e.attributes['occi.compute.cores'], 'number');
    });

    it('INFRA/CREATE/005 a compute with inline links to a storage and a network shows them', async () => {
      const storage = await create('/storage/', { kind: `${INFRA}storage`, attributes: { 'occi.storage.size': 1 } });
      const network = await create('/network/', { kind: `${INFRA}network` });
      const url = await create('/compute/', {
        kind: `${INFRA}compute`,
        links: [{ target: new URL(storage).pathname, rel: `${INFRA}storage` }, { target: new URL(network).pathname, rel: `${INFRA}network` }],
      });
      const targets = (await getEntity(url)).links.map((l) => l.uri).filter((u) => !u.includes('?action='));
      assert.deepEqual(targets.sort(), [new URL(storage).pathname, new URL(network).pathname].sort());
    });

    for (const [id, linkKind, targetKind, extra] of [
      ['INFRA/CREATE/006', 'storagelink', 'storage', { 'occi.storagelink.deviceid': '/dev/vdc' }],
      ['INFRA/CREATE/007', 'networkinterface', 'network', {}],
    ] as const) {
      it(`${id} a stand-alone ${linkKind} with absolute source and target URLs shows on the compute`, async () => {
        const compute = await create('/compute/', { kind: `${INFRA}compute` });
        const target = await create(`/${targetKind}/`, {
          kind: `${INFRA}${targetKind}`, attributes: targetKind === 'storage' ? { 'occi.storage.size': 2 } : {},
        });
        // pOCCI's second MIME run re-creates the same link between the same pair; a storage is linked
        // twice only where the backend claims capabilities.multiAttach, elsewhere the second is refused.
        const twice = linkKind === 'networkinterface' || server.capabilities.multiAttach === true;
        for (let round = 0; round < 2; round++) {
          const link = (): Body => ({
            kind: `${INFRA}${linkKind}`,
            attributes: { 'occi.core.id': `${linkKind}_${Date.now()}`, 'occi.core.source': compute, 'occi.core.target': target, ...extra },
          });
          if (round === 1 && !twice) {
            // Asked once the compute has settled (offers actions): refused for the storage, not for a busy compute.
            await settled(async () => assert.ok((await getEntity(compute)).actions.length > 0, 'the compute is busy'));
            const r = request(mime, link());
            const res = await call('POST', `/${linkKind}/`, { ...accept, ...r.headers }, r.body);
            assert.equal(`${res.status} ${res.statusText}`, '409 Conflict', res.body);
            continue;
          }
          // A cloud takes a link once both ends are ready for it (OpenNebula: 409 while the VM boots or hotplugs).
          await settled(() => create(`/${linkKind}/`, link()));
        }
        await settled(async () => {
          const links = (await getEntity(compute)).links.filter((l) => !l.uri.includes('?action='));
          assert.equal(links.length, twice ? 2 : 1);
          for (const l of links) assert.ok(l.uri === target || l.uri === new URL(target).pathname, `link to ${target}: ${l.uri}`);
        });
      });
    }

    it('CORE/READ/001 the compute collection is a parsable listing', async () => {
      assert.ok((await listing('/compute/')).length >= 1);
    });

    it('CORE/READ/002 the first resource kind, filtered by itself, lists its members', async () => {
      const kind = categories.find((c) => c.class === 'kind' && c.rel === `${CORE}resource`);
      assert.ok(kind?.location);
      const listed = await listing(kind.location, { 'Content-Type': 'text/occi', Category: `${kind.term}; scheme="${kind.scheme}"; class="kind"` });
      assert.ok(listed.length >= 1);
    });

    it('CORE/READ/007 every compute renders with its kind and occi.core.id', async () => {
      for (const entry of await listing('/compute/')) {
        const url = urlOf(entry, '/compute/');
        const e = await getEntity(url);
        assert.equal(e.categories[0], `${INFRA}compute`);
        assert.equal(e.attributes['occi.core.id'], url.slice(url.lastIndexOf('/') + 1));
      }
    });

    it('CORE/UPDATE/001 a PUT of everything GET returned, with a new title, is a 200 with the new rendering', async () => {
      const url = await create('/compute/', { kind: `${INFRA}compute`, attributes: { 'occi.core.title': 'before' } });
      // What GET returned is echoed, state included: read once the compute has settled (offers actions), not while a cloud moves it on.
      await settled(async () => assert.ok((await getEntity(url)).actions.length > 0, 'the compute is busy'));
      const res = await call('GET', url, accept);
      let put: { headers: Record<string, string>; body: string };
      if (mime === 'application/occi+json') {
        const doc = JSON.parse(res.body) as JsonEntity & { title?: string };
        doc.attributes['occi.core.title'] = 'after';
        doc.title = 'after';
        put = { headers: { 'Content-Type': mime }, body: JSON.stringify(doc) };
      } else if (mime === 'text/plain') {
        put = { headers: { 'Content-Type': mime }, body: res.body.replace('occi.core.title="before"', 'occi.core.title="after"') };
      } else {
        const headers: Record<string, string> = { 'Content-Type': mime };
        for (const n of ['category', 'link', 'x-occi-attribute']) if (res.headers[n]) headers[n] = res.headers[n].join(', ').replace('occi.core.title="before"', 'occi.core.title="after"');
        put = { headers, body: '' };
      }
      const updated = await call('PUT', url, { ...accept, ...put.headers }, put.body);
      assert.equal(`${updated.status} ${updated.statusText}`, '200 OK', updated.body);
      assert.equal(contentType(updated), mime);
      assert.equal((await getEntity(url)).attributes['occi.core.title'], 'after');
    });

    it('CORE/MISC/001 the action discovery offers for the state is a 200 OK, with the full discovery line as body', async () => {
      const url = await create('/compute/', { kind: `${INFRA}compute` });
      const reached: string[] = [];
      for (let round = 0; round < 3; round++) {
        // The action for the state, once the compute offers it (a cloud's offers none while it boots or suspends).
        const term = await settled(async () => {
          const e = await getEntity(url);
          const state = e.attributes['occi.compute.state'];
          const wanted = state === 'active' ? 'suspend' : 'start';
          assert.ok(e.actions.some((a) => a.endsWith(`#${wanted}`)), `${wanted} is not offered while ${String(state)} (${String(e.attributes['occi.compute.state.message'])})`);
          return wanted;
        });
        const expected = term === 'suspend' ? 'suspended' : 'active';
        const action = categories.find((c) => c.class === 'action' && c.scheme === `${INFRA.slice(0, -1)}/compute/action#` && c.term === term)!;
        const line = `${action.term}; scheme="${action.scheme}"; class="action"; title="${action.title}"${action.attributes.length ? `; attributes="${action.attributes.map((a) => a.name).join(' ')}"` : ''}`;
        const r = request(mime, { action: { id: action.scheme + action.term, line } });
        const res = await call('POST', `${url}?action=${term}`, { ...accept, ...r.headers }, r.body);
        assert.equal(`${res.status} ${res.statusText}`, '200 OK', res.body);
        await settled(async () => assert.equal((await getEntity(url)).attributes['occi.compute.state'], expected));
        reached.push(expected);
      }
      // A compute is made inactive where state is immediate (a cloud's boots by itself): start, suspend, start.
      if (server.capabilities.state === 'immediate') assert.deepEqual(reached, ['active', 'suspended', 'active']);
    });

    it('CORE/DELETE/001 a deleted compute answers 404 Not Found', async () => {
      const url = await create('/compute/', { kind: `${INFRA}compute` });
      assert.equal((await call('GET', url, accept)).status, 200);
      const del = await call('DELETE', url, accept);
      assert.ok(del.status === 200 || del.status === 204, `DELETE answered ${del.status}`);
      // A cloud lets go of a compute in its own time (OpenNebula: SHUTDOWN, EPILOG, then DONE).
      await settled(async () => assert.equal((await call('GET', url, accept)).status, 404));
      const again = await call('DELETE', url, accept);
      assert.equal(again.status, 404);
      const gone = await call('GET', url, accept);
      assert.equal(`${gone.status} ${gone.statusText}`, '404 Not Found');
    });

    it('CORE/CREATE/006 a user mixin can be defined, twice, and tags entities', async () => {
      const line = 'Category: stufik; scheme="http://example.com/occi/my_stuff#"; class="mixin"; location="/mixin/resource_tpl/extra_large/"; rel="http://schemas.ogf.org/occi/infrastructure#resource_tpl"';
      for (let i = 0; i < 2; i++) {
        const res = await call('POST', '/-/', { ...accept, 'Content-Type': 'text/plain' }, line);
        assert.equal(`${res.status} ${res.statusText}`, '200 OK', res.body);
      }
      const url = await create('/compute/', { kind: `${INFRA}compute` });
      const tag = await call('POST', '/mixin/resource_tpl/extra_large/', { Accept: 'text/plain', 'Content-Type': 'text/plain' }, `X-OCCI-Location: ${url}\r\n`);
      assert.equal(tag.status, 200, tag.body);
      assert.ok((await getEntity(url)).categories.includes('http://example.com/occi/my_stuff#stufik'));
    });
  });
}
