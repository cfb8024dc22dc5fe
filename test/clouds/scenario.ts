/**
 * What a user of a cloud does through OCCI, end to end over HTTP, in each
 * rendering (text/plain, text/occi, application/occi+json): discover the
 * templates, create a compute with an SSH key, user data, a network and a
 * disk, see it go active, stop/start/restart/suspend/save it, attach and
 * detach a storage and a second interface, list and filter, delete
 * everything; a second user sees none of it. Backend-agnostic: whatever is
 * particular to a cloud is in the setup (a real server on 127.0.0.1 in front
 * of it). State that settles later is awaited with a bounded `eventually`,
 * and an action is asked for only once the entity offers it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../src/backends/backend.contract.js';
import { send, type RawResponse } from '../support/http.js';
import { parseCategories, parseEntity, parseLocations } from '../support/pocci.js';

export interface CloudUnderTest {
  /** `http://127.0.0.1:<port>` of a started occi-server. */
  readonly base: string;
  /** Authorization headers of two ordinary users. */
  readonly users: { readonly alice: Record<string, string>; readonly bob: Record<string, string> };
  /** How long state may take to settle (default 20 s). */
  readonly settleMs?: number;
  /**
   * Attributes the cloud takes at creation but never shows again (Nova keeps
   * user data from its users); the scenario does not expect them back.
   */
  readonly writeOnly?: readonly string[];
  /** Term of the resource template to boot with (default: the first offered); a cloud whose hosts cannot fit every size names one they can. */
  readonly size?: string;
  teardown(): Promise<void>;
}

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const K = (term: string) => `${INFRA}${term}`;
const ACTION = (kind: string, term: string) => `http://schemas.ogf.org/occi/infrastructure/${kind}/action#${term}`;
const KIND_LOCATION: Record<string, string> = {
  [K('compute')]: '/compute/', [K('network')]: '/network/', [K('storage')]: '/storage/', [K('networkinterface')]: '/networkinterface/', [K('storagelink')]: '/storagelink/',
};
/** A real (throw-away) key: clouds that import keys (Nova) check them. */
const SSH = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM738jKCkz8LvyL+88WTszNycGy5fWqSOkcqgdS01NDM scenario@example';
const USER_DATA = Buffer.from('#cloud-config\nruncmd: [echo scenario]\n').toString('base64');

type Value = string | number;
interface LinkIn { kind: string; target: string }
interface EntityIn { kind: string; mixins?: string[]; attributes?: Record<string, Value>; links?: LinkIn[] }
interface Seen { kind: string; mixins: string[]; attributes: Record<string, unknown>; actions: string[]; links: Array<{ location: string; kind: string; target: string; attributes: Record<string, unknown> }> }
interface Category { id: string; rel: string[] }

const split = (id: string): [term: string, scheme: string] => [id.slice(id.indexOf('#') + 1), id.slice(0, id.indexOf('#') + 1)];
const quoted = (v: Value) => (typeof v === 'number' ? String(v) : `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`);

/** One rendering: how to write a request in it and read an answer. */
interface Format {
  mime: string;
  entity(e: EntityIn): { headers: Record<string, string>; body: string };
  action(id: string, attributes: Record<string, Value>): { headers: Record<string, string>; body: string };
  read(res: RawResponse, base: string): Seen;
  categories(res: RawResponse): Category[];
}

function textFormat(mime: 'text/plain' | 'text/occi'): Format {
  const category = (id: string, cls: string) => `${split(id)[0]}; scheme="${split(id)[1]}"; class="${cls}"`;
  const write = (lines: Array<[string, string]>) => {
    if (mime === 'text/plain') return { headers: { 'Content-Type': mime }, body: lines.map(([n, v]) => `${n}: ${v}`).join('\r\n') + '\r\n' };
    const headers: Record<string, string> = { 'Content-Type': mime };
    for (const [n, v] of lines) headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
    return { headers, body: '' };
  };
  return {
    mime,
    entity: (e) => write([
      ['Category', category(e.kind, 'kind')], ...(e.mixins ?? []).map((m): [string, string] => ['Category', category(m, 'mixin')]),
      ...Object.entries(e.attributes ?? {}).map(([n, v]): [string, string] => ['X-OCCI-Attribute', `${n}=${quoted(v)}`]),
      ...(e.links ?? []).map((l): [string, string] => ['Link', `<${l.target}>; rel="${K(l.target.split('/')[1])}"; category="${l.kind}"`]),
    ]),
    action: (id, attributes) => write([['Category', category(id, 'action')], ...Object.entries(attributes).map(([n, v]): [string, string] => ['X-OCCI-Attribute', `${n}=${quoted(v)}`])]),
    read: (res, base) => {
      const e = parseEntity(res, mime);
      const path = (u: string) => (u.startsWith(base) ? u.slice(base.length) : u);
      return {
        kind: e.categories.filter((c) => c.class === 'kind').map((c) => c.scheme + c.term)[0],
        mixins: e.categories.filter((c) => c.class === 'mixin').map((c) => c.scheme + c.term),
        attributes: e.attributes,
        actions: e.links.filter((l) => l.rel.includes('/action#')).map((l) => l.rel),
        links: e.links.filter((l) => !l.rel.includes('/action#')).map((l) => ({ location: path(l.self ?? ''), kind: (l.category ?? '').split(' ')[0], target: path(l.uri), attributes: l.attributes })),
      };
    },
    categories: (res) => parseCategories(res, mime).map((c) => ({ id: c.scheme + c.term, rel: (c.rel ?? '').split(/\s+/) })),
  };
}

const jsonFormat: Format = {
  mime: 'application/occi+json',
  entity: (e) => ({
    headers: { 'Content-Type': 'application/occi+json' },
    body: JSON.stringify({
      kind: e.kind, mixins: e.mixins ?? [], attributes: e.attributes ?? {},
      ...(e.links ? { links: e.links.map((l) => ({ kind: l.kind, target: { location: l.target } })) } : {}),
    }),
  }),
  action: (id, attributes) => ({ headers: { 'Content-Type': 'application/occi+json' }, body: JSON.stringify({ action: id, attributes }) }),
  read: (res) => {
    type J = { kind: string; id: string; mixins?: string[]; attributes?: Record<string, unknown>; actions?: string[]; links?: J[]; target?: { location: string } };
    const e = JSON.parse(res.body) as J;
    return {
      kind: e.kind, mixins: e.mixins ?? [], attributes: e.attributes ?? {}, actions: e.actions ?? [],
      links: (e.links ?? []).map((l) => ({ location: KIND_LOCATION[l.kind] + l.id, kind: l.kind, target: l.target!.location, attributes: l.attributes ?? {} })),
    };
  },
  categories: (res) => {
    const doc = JSON.parse(res.body) as { mixins?: Array<{ term: string; scheme: string; depends?: string[] }> };
    return (doc.mixins ?? []).map((m) => ({ id: m.scheme + m.term, rel: m.depends ?? [] }));
  },
};

export const FORMATS: readonly Format[] = [textFormat('text/plain'), textFormat('text/occi'), jsonFormat];

/**
 * Runs the scenario once per rendering, each on a fresh `setup()`.
 *
 * @example
 * describeCloudScenario('opennebula', async () => {
 *   const server = await startOnedServer();
 *   return { base: server.base, users: { alice: server.alice, bob: server.bob }, teardown: () => server.stop() };
 * });
 */
export function describeCloudScenario(name: string, setup: () => Promise<CloudUnderTest>): void {
  for (const f of FORMATS) {
    describe(`${name}: what a user does, in ${f.mime}`, () => {
      let cloud: CloudUnderTest;
      const made: string[] = [];
      const s: Record<string, string> = {};
      const req = (method: string, path: string, extra: Record<string, string> = {}, body = '', who: 'alice' | 'bob' = 'alice') =>
        send(cloud.base, method, path, { Accept: f.mime, ...cloud.users[who], ...extra }, body);
      const within = <T>(check: () => Promise<T>) => eventually(check, cloud.settleMs ?? 20_000, 50);
      const read = async (path: string, who: 'alice' | 'bob' = 'alice') => {
        const res = await req('GET', path, {}, '', who);
        assert.equal(res.status, 200, `GET ${path}: ${res.status} ${res.body}`);
        return f.read(res, cloud.base);
      };
      const create = async (path: string, e: EntityIn) => {
        const r = f.entity(e);
        const res = await req('POST', path, r.headers, r.body);
        assert.equal(res.status, 201, `POST ${path}: ${res.status} ${res.body}`);
        const location = new URL(res.headers.location![0]).pathname;
        made.push(location);
        return location;
      };
      /** The compute once it is active and offers actions again (oned done with it). */
      const settled = (compute: string, state = 'active') => within(async () => {
        const e = await read(compute);
        assert.equal(e.attributes['occi.compute.state'], state, `state message: ${String(e.attributes['occi.compute.state.message'])}`);
        assert.ok(e.actions.length > 0, `busy: ${String(e.attributes['occi.compute.state.message'])}`);
        return e;
      });
      const act = async (compute: string, term: string, attributes: Record<string, Value> = {}) => {
        await within(async () => assert.ok((await read(compute)).actions.includes(ACTION('compute', term)), `${term} not offered yet`));
        const r = f.action(ACTION('compute', term), attributes);
        const res = await req('POST', `${compute}?action=${term}`, r.headers, r.body);
        assert.equal(res.status, 200, `${term}: ${res.status} ${res.body}`);
        return res;
      };

      before(async () => {
        cloud = await setup();
      });
      after(async () => {
        for (const location of made.reverse()) await req('DELETE', location).catch(() => undefined);
        await cloud.teardown();
      });

      it('discovers OS and resource templates', async () => {
        const categories = f.categories(await req('GET', '/-/'));
        const os = categories.find((c) => c.rel.includes(K('os_tpl')));
        const size = categories.find((c) => c.rel.includes(K('resource_tpl')) && (!cloud.size || c.id.endsWith(`#${cloud.size}`)));
        assert.ok(os && size, 'an os_tpl and a resource_tpl are offered');
        Object.assign(s, { os: os.id, size: size.id, templates: String(categories.filter((c) => c.rel.includes(K('os_tpl'))).length) });
      });

      it('creates a compute with an ssh key, user data, a network and a disk, and sees it go active', async () => {
        s.net = await create('/network/', { kind: K('network'), attributes: { 'occi.core.title': `scenario-net-${f.mime.replace(/\W/g, '')}` } });
        s.disk = await create('/storage/', { kind: K('storage'), attributes: { 'occi.storage.size': 1 } });
        s.compute = await create('/compute/', {
          kind: K('compute'),
          mixins: [s.os, s.size, `${INFRA.slice(0, -1)}/credentials#ssh_key`, `${INFRA.slice(0, -1)}/compute#user_data`],
          attributes: { 'occi.core.title': 'scenario-vm', 'occi.credentials.ssh.publickey': SSH, 'occi.compute.userdata': USER_DATA },
          links: [{ kind: K('networkinterface'), target: s.net }, { kind: K('storagelink'), target: s.disk }],
        });
        const vm = await settled(s.compute);
        assert.ok(vm.mixins.includes(s.os) && vm.mixins.includes(s.size), vm.mixins.join(' '));
        assert.equal(vm.attributes['occi.credentials.ssh.publickey'], SSH);
        if (!cloud.writeOnly?.includes('occi.compute.userdata')) assert.equal(vm.attributes['occi.compute.userdata'], USER_DATA);
        await within(async () => {
          const links = (await read(s.compute)).links;
          assert.deepEqual(links.map((l) => l.target).sort(), [s.net, s.disk].sort());
          for (const l of links) assert.equal(l.attributes[`occi.${l.kind.split('#')[1]}.state`], 'active');
        });
      });

      it('stops, starts, restarts, suspends and saves it', async () => {
        for (const [term, state] of [['stop', 'inactive'], ['start', 'active'], ['restart', 'active'], ['suspend', 'suspended'], ['start', 'active']]) {
          await act(s.compute, term);
          await within(async () => assert.equal((await read(s.compute)).attributes['occi.compute.state'], state));
        }
        const saved = await act(s.compute, 'save', { name: `saved-${f.mime.replace(/\W/g, '')}` });
        assert.match(saved.body + JSON.stringify(saved.headers), /os_tpl/);
        await within(async () => {
          const now = f.categories(await req('GET', '/-/')).filter((c) => c.rel.includes(K('os_tpl')));
          assert.equal(now.length, Number(s.templates) + 1, 'the saved template is offered');
        });
      });

      it('attaches and detaches a storage and a second interface', async () => {
        s.disk2 = await create('/storage/', { kind: K('storage'), attributes: { 'occi.storage.size': 2 } });
        const link = (kind: string, target: string) => ({ kind: K(kind), attributes: { 'occi.core.source': s.compute, 'occi.core.target': target } });
        await settled(s.compute);
        const sl = await within(() => create('/storagelink/', link('storagelink', s.disk2)));
        await settled(s.compute);
        const ni = await create('/networkinterface/', link('networkinterface', s.net));
        await within(async () => {
          const e = await settled(s.compute);
          assert.ok(e.links.some((l) => l.location === sl) && e.links.some((l) => l.location === ni));
        });
        for (const l of [sl, ni]) {
          await settled(s.compute);
          assert.equal((await req('DELETE', l)).status, 200);
          await within(async () => assert.ok(!(await read(s.compute)).links.some((x) => x.location === l), `${l} is still linked`));
        }
      });

      it('lists and filters', async () => {
        const listed = async (path: string, extra: Record<string, string> = {}, who: 'alice' | 'bob' = 'alice') => {
          const res = await req('GET', path, extra, '', who);
          assert.equal(res.status, 200, res.body);
          return parseLocations(res, f.mime).map((l) => (l.startsWith('http') ? new URL(l).pathname : KIND_LOCATION[K(path.split('/')[1])] + l));
        };
        assert.ok((await listed('/compute/')).includes(s.compute));
        assert.deepEqual(await listed('/compute/', { 'X-OCCI-Attribute': 'occi.core.title="scenario-vm"' }), [s.compute]);
        const [term, scheme] = split(s.os);
        assert.ok((await listed('/compute/', { Category: `${term}; scheme="${scheme}"; class="mixin"` })).includes(s.compute));
        assert.ok((await listed('/network/')).includes(s.net));
        assert.ok((await listed('/storage/')).includes(s.disk));
        s.bobSees = JSON.stringify([await listed('/compute/', {}, 'bob'), await listed('/network/', {}, 'bob'), await listed('/storage/', {}, 'bob')]);
      });

      it('shows the second user none of it', async () => {
        for (const l of [s.compute, s.net, s.disk, s.disk2]) assert.equal((await req('GET', l, {}, '', 'bob')).status, 404, l);
        assert.equal((await req('DELETE', s.compute, {}, '', 'bob')).status, 404);
        for (const l of [s.compute, s.net, s.disk]) assert.ok(!s.bobSees.includes(`"${l}"`), `bob lists ${l}`);
        const bobs = f.categories(await req('GET', '/-/', {}, '', 'bob')).map((c) => c.id);
        assert.ok(!bobs.some((id) => id.includes(`saved-${f.mime.replace(/\W/g, '')}`)), "bob is not offered alice's saved template");
      });

      it('deletes everything', async () => {
        assert.equal((await req('DELETE', s.compute)).status, 200);
        await within(async () => assert.equal((await req('GET', s.compute)).status, 404));
        for (const l of [s.disk2, s.disk, s.net]) {
          await within(async () => assert.equal((await req('DELETE', l)).status, 200, l));
          await within(async () => assert.equal((await req('GET', l)).status, 404, l));
        }
        made.length = 0;
      });
    });
  }
}
