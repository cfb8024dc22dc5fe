import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BackendUnavailableError, InternalError, NotFoundError, OcciError, ValidationError } from '../../errors.js';
import {
  COMPUTE, LINK, Mixin, NETWORK, OS_TPL, RESOURCE, RESOURCE_TPL, STORAGE, SAVE, START, STOP, NETWORKINTERFACE, draftEntity, draftInlineLink, standardModel, templateFamily,
  type Attributes, type Kind, type LinkInput, type Resource,
} from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import { describeBackendContract } from '../backend.contract.js';
import { createBackend } from '../registry.js';
import { virtioDisk } from './assign.js';
import { toBackendError } from './errors.js';
import { DEFAULT_TEMPLATES, EmbeddedBackend, SCHEMA_VERSION, templateMixins, type TemplatesConfig } from './index.js';
import { MIGRATIONS } from './schema.js';

describeBackendContract('embedded', async () => {
  const model = standardModel();
  const backend = new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES });
  await backend.start(model);
  return { backend, model, teardown: () => backend.stop() };
});

const ALICE: RequestContext = { user: 'alice', owner: 'alice', admin: false };
const BOB: RequestContext = { user: 'bob', owner: 'bob', admin: false };
const ROOT: RequestContext = { user: 'root', owner: 'root', admin: true };
const OS = 'http://localhost/occi/os_tpl#';
const TPL = 'http://localhost/occi/resource_tpl#';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'occi-embedded-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function started(dataDir = ':memory:', templates: TemplatesConfig = DEFAULT_TEMPLATES) {
  const model = standardModel();
  const backend = new EmbeddedBackend({ dataDir, templates });
  await backend.start(model);
  const draft = (kind: Kind, attributes: Attributes = {}, mixins: string[] = [], links: LinkInput[] = []) =>
    draftEntity(model, kind, { kind: kind.id, mixins, attributes, links, actionLinks: 0 }, (u) => u);
  return { model, backend, draft };
}

describe('templateMixins()', () => {
  it('builds the four OS images and the six CRTP flavours', () => {
    const mixins = templateMixins(DEFAULT_TEMPLATES, standardModel());
    const os = mixins.filter((m) => templateFamily(m) === OS_TPL);
    assert.deepEqual(os.map((m) => m.id), ['debian12', 'ubuntu2404', 'almalinux9', 'cirros06'].map((t) => OS + t));
    assert.equal(os[0].title, 'Debian 12 (bookworm)');
    assert.equal(os[0].location, '/mixin/os_tpl/debian12/');
    const flavours = mixins.filter((m) => templateFamily(m) === RESOURCE_TPL);
    assert.deepEqual(flavours.map((m) => m.term), ['small', 'medium', 'large', 'mem_small', 'mem_medium', 'mem_large']);
    const memLarge = flavours[5];
    assert.equal(memLarge.title, 'A large Compute instance for memory-intensive applications');
    assert.equal(memLarge.location, '/mixin/resource_tpl/mem_large/');
    assert.deepEqual(memLarge.applies, [COMPUTE]);
    const cores = memLarge.attributes.get('occi.compute.cores')!;
    assert.deepEqual([cores.type, cores.default, cores.minimum, cores.mutable], ['integer', 4, 1, true]);
    assert.deepEqual([memLarge.attributes.get('occi.compute.memory')!.type, memLarge.attributes.get('occi.compute.memory')!.default], ['number', 16]);
    const disk = memLarge.attributes.get('occi.compute.ephemeral_storage.size')!;
    assert.deepEqual([disk.type, disk.default, disk.mutable], ['number', 40, false]);
  });

  it('rejects a bad term, a value its definition refuses and an unknown default-os, naming the template', () => {
    const bad = (patch: Partial<TemplatesConfig>, message: RegExp) =>
      assert.throws(() => templateMixins({ ...DEFAULT_TEMPLATES, ...patch }, standardModel()), message);
    bad({ os: [{ term: 'Debian.12', title: 'x' }] }, /os template "Debian\.12"/);
    bad({ resource: [{ term: 'tiny', title: 'Tiny', attributes: { 'occi.compute.cores': 0.5 } }] }, /resource template "tiny".*occi\.compute\.cores/);
    bad({ resource: [{ term: 'tiny', title: 'Tiny', attributes: { 'occi.compute.cores': 0 } }] }, /resource template "tiny".*minimum/);
    bad({ defaultOs: 'windows' }, /default-os "windows"/);
  });
});

describe('EmbeddedBackend', () => {
  it('create() completes a compute: debian12, 1 core, 1.0 GiB; a flavour sets its values', async () => {
    const { backend, draft } = await started();
    const [plain, large] = await backend.create(ALICE, [draft(COMPUTE), draft(COMPUTE, { 'occi.compute.cores': 1 }, [`${TPL}large`])]);
    assert.deepEqual(plain.mixins, [`${OS}debian12`]);
    assert.deepEqual([plain.attributes['occi.compute.cores'], plain.attributes['occi.compute.memory']], [1, 1]);
    assert.deepEqual(large.mixins, [`${TPL}large`, `${OS}debian12`]);
    assert.deepEqual(
      ['cores', 'memory', 'ephemeral_storage.size'].map((a) => large.attributes[`occi.compute.${a}`]),
      [4, 4, 40],
    );
    await backend.stop();
  });

  it('create() reuses a freed interface name and fills absent device ids past the used ones', async () => {
    const { backend, draft, model } = await started();
    const [net] = await backend.create(ALICE, [draft(NETWORK)]);
    const nic = { mixins: [], attributes: {}, target: net.location };
    const [vm] = (await backend.create(ALICE, [draft(COMPUTE, {}, [], [nic, nic])])) as Resource[];
    await backend.delete(ALICE, [vm.links[0].location]);
    const current = (await backend.get(ALICE, vm.location))!;
    const [again] = (await backend.update(ALICE, [{ before: current, after: current, links: [draftInlineLink(model, nic, (u) => u)] }])) as Resource[];
    assert.deepEqual(again.links.map((l) => l.attributes['occi.networkinterface.interface']), ['eth1', 'eth0']);
    const [disk] = await backend.create(ALICE, [draft(STORAGE, { 'occi.storage.size': 1 })]);
    const lun = (deviceid?: string): LinkInput => ({ mixins: [], attributes: deviceid ? { 'occi.storagelink.deviceid': deviceid } : {}, target: disk.location });
    const [withDisks] = (await backend.create(ALICE, [draft(COMPUTE, {}, [], [lun('/dev/vdb'), lun(), lun('/dev/sdz')])])) as Resource[];
    assert.deepEqual(withDisks.links.map((l) => l.attributes['occi.storagelink.deviceid']), ['/dev/vdb', '/dev/vdc', '/dev/sdz']);
    assert.deepEqual([0, 1, 24, 25, 26, 27, 701, 702].map(virtioDisk), ['a', 'b', 'y', 'z', 'aa', 'ab', 'zz', 'aaa'].map((x) => `/dev/vd${x}`));
    await backend.stop();
  });

  it("removeMixin() refuses another user's tag; defineMixin() is idempotent but refuses a moved one", async () => {
    const { backend, model } = await started();
    const tag = new Mixin({ scheme: 'http://example.org/alice#', term: 'mine', location: '/tags/mine/', origin: 'user', owner: 'alice' });
    model.addUserMixin(tag);
    await backend.defineMixin(ALICE, tag);
    await assert.rejects(backend.removeMixin(BOB, tag), NotFoundError);
    await backend.defineMixin(ALICE, tag);
    const moved = new Mixin({ scheme: tag.scheme, term: tag.term, location: '/tags/elsewhere/', origin: 'user', owner: 'alice' });
    await assert.rejects(backend.defineMixin(ALICE, moved), (err: OcciError) => err.code === 'OCCI_ERR_CONFLICT_CATEGORY');
    await backend.removeMixin(ALICE, tag);
    await backend.stop();
  });

  it('create() applies the attributes of a configured default OS template', async () => {
    const templates = { ...DEFAULT_TEMPLATES, os: [{ term: 'arm', title: 'ARM image', attributes: { 'occi.compute.architecture': 'x64' } }], defaultOs: 'arm' };
    const { backend, draft } = await started(':memory:', templates);
    const [vm] = await backend.create(ALICE, [draft(COMPUTE)]);
    assert.deepEqual([vm.mixins, vm.attributes['occi.compute.architecture']], [[`${OS}arm`], 'x64']);
    await backend.stop();
  });

  it('list() counts mixins that depend on the one asked for, and sub-kinds for a Kind filter', async () => {
    const { backend, draft } = await started();
    const [a, , b] = await backend.create(ALICE, [draft(COMPUTE), draft(NETWORK), draft(COMPUTE, {}, [`${OS}cirros06`])]);
    assert.deepEqual((await backend.list(ALICE, { mixin: OS_TPL.id, detail: 'locations' })).locations, [a.location, b.location]);
    const resources = await backend.list(ALICE, { filter: { categories: [RESOURCE.id, START.id], attributes: {} }, detail: 'locations' });
    assert.deepEqual(resources.locations, [a.location, b.location]);
    await backend.stop();
  });

  it('invoke() save picks a fresh term when the name is taken or not 1.1-valid', async () => {
    const { backend, draft } = await started();
    const [vm] = await backend.create(ALICE, [draft(COMPUTE)]);
    await backend.invoke(ALICE, [vm.location], START, {});
    for (const name of ['debian12', 'Golden']) {
      const [r] = await backend.invoke(ALICE, [vm.location], SAVE, { name });
      assert.match(r.type === 'mixin' ? r.mixin.term : '', /^saved-[0-9a-f]{8}$/);
    }
    await backend.stop();
  });

  it("gives a link its source's owner, whoever creates it", async () => {
    const { backend, draft } = await started();
    const [vm] = await backend.create(ALICE, [draft(COMPUTE)]);
    const [link] = await backend.create(ROOT, [draft(LINK, { 'occi.core.source': vm.location, 'occi.core.target': 'urn:x:y' })]);
    assert.equal(link.owner, 'alice');
    assert.ok(await backend.get(ALICE, link.location));
    await backend.stop();
  });

  it('keeps everything across a restart on the same directory', async () => {
    const dir = tempDir();
    const one = await started(dir);
    const net = (await one.backend.create(ALICE, [one.draft(NETWORK)]))[0];
    const [vm, gone] = await one.backend.create(ALICE, [
      one.draft(COMPUTE, { 'occi.core.title': 'before' }),
      one.draft(COMPUTE, {}, [], [{ mixins: [], attributes: {}, target: net.location }]),
    ]);
    const tag = new Mixin({ scheme: 'http://example.org/alice#', term: 'prod', location: '/tags/prod/', origin: 'user', owner: 'alice' });
    one.model.addUserMixin(tag);
    await one.backend.defineMixin(ALICE, tag);
    await one.backend.update(ALICE, [{ before: vm, after: { ...vm, mixins: [...vm.mixins, tag.id], attributes: { ...vm.attributes, 'occi.core.title': 'after' } } }]);
    await one.backend.delete(ALICE, [gone.location]);
    await one.backend.invoke(ALICE, [vm.location], START, {});
    const [saved] = await one.backend.invoke(ALICE, [vm.location], SAVE, { name: 'golden' });
    assert.equal(saved.type === 'mixin' && saved.mixin.id, `${OS}golden`);
    await one.backend.stop();
    await one.backend.stop();

    const two = await started(dir);
    const back = (await two.backend.get(ALICE, vm.location))!;
    assert.equal(back.attributes['occi.core.title'], 'after');
    assert.equal(back.attributes['occi.compute.state'], 'active');
    assert.deepEqual(back.mixins, [`${OS}debian12`, tag.id]);
    assert.equal(back.version, String(Number(vm.version) + 3));
    assert.equal(await two.backend.get(ALICE, gone.location), undefined);
    assert.equal(await two.backend.get(ALICE, (gone as Resource).links[0].location), undefined);
    assert.ok(await two.backend.get(ALICE, net.location));
    const tagAgain = two.model.visibleTo('alice').findMixin(tag.id)!;
    assert.deepEqual([tagAgain.origin, tagAgain.owner, tagAgain.location], ['user', 'alice', '/tags/prod/']);
    const golden = two.model.visibleTo(ALICE.owner).findMixin(`${OS}golden`)!;
    assert.deepEqual([templateFamily(golden), golden.location, golden.title], [OS_TPL, '/mixin/os_tpl/golden/', 'Saved from after']);
    assert.deepEqual((await two.backend.list(ALICE, { mixin: tag.id, detail: 'locations' })).locations, [vm.location]);
    await two.backend.stop();
  });

  it('keeps an acknowledged write when the process is killed (kill -9)', async () => {
    const dir = tempDir();
    const script = join(dir, 'writer.mts');
    writeFileSync(script, [
      `import { EmbeddedBackend, DEFAULT_TEMPLATES } from ${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))};`,
      `import { COMPUTE, draftEntity, standardModel } from ${JSON.stringify(fileURLToPath(new URL('../../model/index.ts', import.meta.url)))};`,
      'const model = standardModel();',
      `const backend = new EmbeddedBackend({ dataDir: ${JSON.stringify(dir)}, templates: DEFAULT_TEMPLATES });`,
      'await backend.start(model);',
      "const input = { kind: COMPUTE.id, mixins: [], attributes: { 'occi.core.id': 'survivor' }, links: [], actionLinks: 0 };",
      "await backend.create({ user: 'alice', owner: 'alice', admin: false }, [draftEntity(model, COMPUTE, input, (u) => u)]);",
      "process.kill(process.pid, 'SIGKILL');",
    ].join('\n'));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const { backend } = await started(dir);
    assert.ok(await backend.get(ALICE, '/compute/survivor'));
    await backend.stop();
  });

  it('refuses a database written by a newer occi-server, leaving the model alone', async () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'occi.sqlite'));
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION + 1}')`);
    db.close();
    const model = standardModel();
    const before = model.version;
    await assert.rejects(
      new EmbeddedBackend({ dataDir: dir, templates: DEFAULT_TEMPLATES }).start(model),
      (err: Error) => /written by a newer occi-server/.test(err.message) && err.message.includes(`schema version ${SCHEMA_VERSION + 1}`),
    );
    assert.equal(model.version, before);
  });

  it('runs in WAL mode and stays intact after a burst of writes', async () => {
    const dir = tempDir();
    const { backend, draft } = await started(dir);
    const peek = new Database(join(dir, 'occi.sqlite'), { readonly: true });
    assert.equal(peek.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(peek.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), String(SCHEMA_VERSION));
    const [net] = await backend.create(ALICE, [draft(NETWORK)]);
    for (let i = 0; i < 100; i++) {
      const [vm] = await backend.create(ALICE, [draft(COMPUTE, {}, [], [{ mixins: [], attributes: {}, target: net.location }])]);
      const [changed] = await backend.update(ALICE, [{ before: vm, after: { ...vm, attributes: { ...vm.attributes, 'occi.core.title': `vm${i}` } } }]);
      await backend.invoke(ALICE, [vm.location], START, {});
      if (i % 2 === 0) await backend.delete(ALICE, [changed.location]);
    }
    assert.equal(peek.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(peek.pragma('foreign_key_check'), []);
    assert.equal(peek.prepare('SELECT COUNT(*) FROM entities').pluck().get(), 1 + 50 * 2);
    peek.close();
    await backend.stop();
  });

  it('serialises two backends (processes) sharing one file', async () => {
    const dir = tempDir();
    const [a, b] = [await started(dir), await started(dir)];
    const [x] = await a.backend.create(ALICE, [a.draft(COMPUTE, { 'occi.core.id': 'same' })]);
    const [y] = await b.backend.create(ALICE, [b.draft(COMPUTE, { 'occi.core.id': 'same' })]);
    assert.notEqual(x.location, y.location);
    assert.deepEqual((await a.backend.list(ALICE, { kinds: [COMPUTE.id], detail: 'locations' })).locations, [x.location, y.location]);
    await a.backend.stop();
    await b.backend.stop();
  });

  it('commits concurrent writes together; one that fails leaves the others stored (group commit)', async () => {
    const { backend, draft } = await started(tempDir());
    const [taken] = await backend.create(ALICE, [draft(COMPUTE)]);
    const results = await Promise.allSettled([
      backend.create(ALICE, [draft(COMPUTE)]),
      backend.create(ALICE, [draft(COMPUTE)], taken.location),
      backend.create(ALICE, [draft(COMPUTE)]),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    const stored = (await backend.list(ALICE, { kinds: [COMPUTE.id], detail: 'locations' })).locations;
    assert.equal(stored.length, 3);
    for (const r of results) if (r.status === 'fulfilled') assert.ok(stored.includes(r.value[0].location));
    await backend.stop();
  });

  it('serves cached entities frozen, and sees a write through another backend on the same file at once', async () => {
    const dir = tempDir();
    const [a, b] = [await started(dir), await started(dir)];
    const [x] = await a.backend.create(ALICE, [a.draft(COMPUTE)]);
    const first = (await a.backend.get(ALICE, x.location))!;
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.attributes));
    assert.equal(await a.backend.get(ALICE, x.location), first);
    const [updated] = await b.backend.update(ALICE, [{ before: first, after: { ...first, attributes: { ...first.attributes, 'occi.core.title': 'new' } } }]);
    const seen = (await a.backend.get(ALICE, x.location))!;
    assert.equal(seen.version, updated.version);
    assert.equal(seen.attributes['occi.core.title'], 'new');
    const listed = await a.backend.list(ALICE, { kinds: [COMPUTE.id], detail: 'entities' });
    assert.equal(listed.entities![0].attributes['occi.core.title'], 'new');
    await a.backend.stop();
    await b.backend.stop();
  });

  it('lists 10,000 locations and entities of one kind, in creation order (timings live in npm run bench)', async () => {
    const { backend, draft } = await started();
    const drafts = Array.from({ length: 10_000 }, () => draft(COMPUTE));
    const created = await backend.create(ALICE, drafts);
    const { locations } = await backend.list(ALICE, { kinds: [COMPUTE.id], detail: 'locations' });
    const { entities } = await backend.list(ALICE, { kinds: [COMPUTE.id], detail: 'entities' });
    assert.deepEqual(locations, created.map((e) => e.location));
    assert.deepEqual(entities!.map((e) => e.location), locations);
    await backend.stop();
  });
});

/** The fastest of `runs` runs of `fn`, in milliseconds: a ratio of two of these says how work grows, whatever the machine's load. */
async function fastest(runs: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

describe('embedded backend under hostile sizes (issue 13)', () => {
  it('create() adds n inline links in time linear in n, not quadratic (§1)', async () => {
    const { backend, draft } = await started();
    const [net] = await backend.create(ALICE, [draft(NETWORK)]);
    const nic = { mixins: [], attributes: {}, target: net.location };
    const create = (n: number) => () => backend.create(ALICE, [draft(COMPUTE, {}, [], Array.from({ length: n }, () => nic))]);
    await create(100)();
    // Sizes whose times are well above a scheduler's hiccup, each the fastest of five.
    const small = await fastest(5, create(300));
    const large = await fastest(5, create(2_400));
    // 8 times the links: ~8 times the time when linear, ~64 when each link re-reads its siblings.
    assert.ok(large / small < 24, `300 links ${small.toFixed(1)} ms, 2,400 links ${large.toFixed(1)} ms (${(large / small).toFixed(1)}x)`);
    const [vm] = (await create(300)()) as Resource[];
    const names = vm.links.map((l) => l.attributes['occi.networkinterface.interface']);
    assert.equal(new Set(names).size, 300, 'every interface has its own name');
    assert.deepEqual(names.slice(0, 3), ['eth0', 'eth1', 'eth2']);
    await backend.stop();
  });

  it('refuses a link past --max-links-per-resource and an entity past --max-entities-per-user, storing nothing', async () => {
    const model = standardModel();
    const backend = new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES, limits: { maxEntitiesPerUser: 6, maxLinksPerResource: 2 } });
    await backend.start(model);
    const draft = (kind: Kind, links: LinkInput[] = []) => draftEntity(model, kind, { kind: kind.id, mixins: [], attributes: {}, links, actionLinks: 0 }, (u) => u);
    const [net] = await backend.create(ALICE, [draft(NETWORK)]);
    const nic = { mixins: [], attributes: {}, target: net.location };
    const [vm] = (await backend.create(ALICE, [draft(COMPUTE, [nic, nic])])) as Resource[];
    const all = async () => (await backend.list(ROOT, { detail: 'locations' })).locations;
    const before = await all();
    await assert.rejects(backend.create(ALICE, [draft(COMPUTE, [nic, nic, nic])]), (err: OcciError) =>
      err.code === 'OCCI_ERR_FORBIDDEN_QUOTA' && /--max-links-per-resource 2/.test(err.message));
    const current = (await backend.get(ALICE, vm.location))!;
    await assert.rejects(backend.update(ALICE, [{ before: current, after: current, links: [draftInlineLink(model, nic, (u) => u)] }]), /--max-links-per-resource/);
    await assert.rejects(backend.create(ALICE, [draft(COMPUTE), draft(COMPUTE), draft(COMPUTE), draft(COMPUTE)]), (err: OcciError) =>
      err.code === 'OCCI_ERR_FORBIDDEN_QUOTA' && /at most 6 \(--max-entities-per-user\)/.test(err.message));
    assert.deepEqual(await all(), before, 'the refused writes stored nothing');
    await backend.create(ALICE, [draft(COMPUTE), draft(COMPUTE)]);
    await backend.create(BOB, [draft(COMPUTE)]);
    await assert.rejects(backend.create(ALICE, [draft(COMPUTE)]), /--max-entities-per-user/);
    await backend.delete(ALICE, [vm.location]);
    assert.equal((await backend.create(ALICE, [draft(COMPUTE)])).length, 1, 'deleting a resource (and its links) frees its places');
    await backend.stop();
  });

  it('start() reads its stored user mixins back, many owners\' thousands (§2)', async () => {
    const d = tempDir();
    const db = new Database(join(d, 'occi.sqlite'));
    db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (let v = 0; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.prepare("INSERT INTO meta VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    const insert = db.prepare("INSERT INTO mixins (id, origin, owner, location, data) VALUES (?, 'user', ?, ?, ?)");
    db.transaction(() => {
      for (let i = 0; i < 5_000; i++) {
        const scheme = `http://example.org/u${i % 50}#`;
        insert.run(`${scheme}t${i}`, `u${i % 50}`, `/bm/${i % 7}/t${i}/`, JSON.stringify({ scheme, term: `t${i}`, depends: [OS_TPL.id], applies: [] }));
      }
    })();
    db.close();
    const backend = new EmbeddedBackend({ dataDir: d, templates: DEFAULT_TEMPLATES });
    const model = standardModel();
    await backend.start(model);
    assert.equal(model.visibleTo('u3').mixins.filter((m) => m.origin === 'user').length, 100);
    assert.equal(model.family(OS_TPL).length, 1 + 4 /* images */ + 5_000);
    await backend.stop();
  });

  it('list() of a mixin with more than 32,766 dependants answers, never "too many SQL variables" (§3)', async () => {
    const { backend, draft, model } = await started();
    for (let i = 0; i < 33_000; i++) {
      model.addUserMixin(new Mixin({
        scheme: `http://example.org/u${i % 100}#`, term: `img${i}`, depends: [OS_TPL], applies: [COMPUTE], location: `/img/u${i % 100}/${i}/`, origin: 'user', owner: `u${i % 100}`,
      }));
    }
    // The tagged compute is u7's: an entity carries public mixins and its owner's own.
    const u7 = { user: 'u7', owner: 'u7', admin: false };
    const mine = draftEntity(model.visibleTo('u7'), COMPUTE, { kind: COMPUTE.id, mixins: ['http://example.org/u7#img32007'], attributes: {}, links: [], actionLinks: 0 }, (u) => u);
    const [plain, tagged] = await backend.create(u7, [draft(COMPUTE), mine]);
    const listed = await backend.list(u7, { mixin: OS_TPL.id, detail: 'entities' });
    assert.deepEqual(listed.locations, [plain.location, tagged.location]);
    const page = await backend.list(u7, { mixin: OS_TPL.id, detail: 'locations', offset: 1, limit: 1 });
    assert.deepEqual(page.locations, [tagged.location]);
    await backend.stop();
  });
});

describe('toBackendError()', () => {
  it('maps busy, full and I/O errors to BackendUnavailableError and the rest to InternalError, keeping the cause', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_CANTOPEN']) {
      const cause = new Database.SqliteError('boom', code);
      const err = toBackendError(cause);
      assert.ok(err instanceof BackendUnavailableError, code);
      assert.equal(err.cause, cause);
    }
    assert.ok(toBackendError(new Database.SqliteError('boom', 'SQLITE_CONSTRAINT_UNIQUE')) instanceof InternalError);
    assert.ok(toBackendError(new Error('boom')) instanceof InternalError);
    const validation = new ValidationError('OCCI_ERR_VALIDATION_LINK', 'x');
    assert.equal(toBackendError(validation), validation);
  });
});

describe('createBackend()', () => {
  it('makes the embedded backend and names the known ones for an unknown name', () => {
    assert.ok(createBackend('embedded', { dataDir: ':memory:', templates: DEFAULT_TEMPLATES }) instanceof EmbeddedBackend);
    assert.throws(() => createBackend('cloud9', { dataDir: ':memory:', templates: DEFAULT_TEMPLATES }), /unknown backend "cloud9".*embedded/);
  });
});

describe('the read cache after a write', () => {
  const list = async (backend: EmbeddedBackend) =>
    (await backend.list(ALICE, { kinds: [COMPUTE.id], filter: { categories: [], attributes: {} }, detail: 'entities' })).entities!;

  it('keeps the entities a write did not change (the same objects) and shows every change: a rename, a new link, a target deleted', async () => {
    const { model, backend, draft } = await started();
    const [a, b] = (await backend.create(ALICE, [draft(COMPUTE, { 'occi.core.title': 'a' }), draft(COMPUTE, { 'occi.core.title': 'b' })])) as Resource[];
    const [net] = await backend.create(ALICE, [draft(NETWORK)]);
    const first = await list(backend);
    const keptB = first.find((e) => e.location === b.location)!;

    const renamed = { ...a, attributes: { ...a.attributes, 'occi.core.title': 'a2' } };
    await backend.update(ALICE, [{ before: a, after: renamed }]);
    let now = await list(backend);
    assert.equal(now.find((e) => e.location === a.location)!.attributes['occi.core.title'], 'a2');
    assert.equal(now.find((e) => e.location === b.location), keptB, 'an entity the write did not touch is the same object (its rendering is kept)');

    const current = now.find((e) => e.location === a.location)!;
    const nic = { kind: 'http://schemas.ogf.org/occi/infrastructure#networkinterface', mixins: [], attributes: {}, target: net.location };
    await backend.update(ALICE, [{ before: current, after: current, links: [draftInlineLink(model, nic, (u) => u)] }]);
    now = await list(backend);
    assert.equal((now.find((e) => e.location === a.location) as Resource).links.length, 1, 'a new link shows on its source');
    assert.equal(now.find((e) => e.location === b.location), keptB);

    await backend.delete(ALICE, [net.location]);
    now = await list(backend);
    assert.equal((now.find((e) => e.location === a.location) as Resource).links.length, 0, 'a link deleted with its target leaves its source');
    assert.equal(((await backend.get(ALICE, a.location)) as Resource).links.length, 0);
    await backend.stop();
  });

  it('keeps what a write returned: the next read of a created, updated or started entity is that very object', async () => {
    const { backend, draft } = await started(tempDir());
    const [vm] = await backend.create(ALICE, [draft(COMPUTE)]);
    assert.equal(await backend.get(ALICE, vm.location), vm);
    const [renamed] = await backend.update(ALICE, [{ before: vm, after: { ...vm, attributes: { ...vm.attributes, 'occi.core.title': 'x' } } }]);
    assert.equal(await backend.get(ALICE, vm.location), renamed);
    const [started_] = await backend.invoke(ALICE, [vm.location], START, {});
    assert.equal(started_.type, 'entity');
    const seen = await backend.get(ALICE, vm.location);
    assert.equal(seen, started_.type === 'entity' ? started_.entity : undefined);
    assert.equal(seen!.attributes['occi.compute.state'], 'active');
    assert.ok(Object.isFrozen(seen));
    await backend.stop();
  });

  it('does not keep a write\'s entity that a later write of the same group changed again (a new link on a started compute)', async () => {
    const { backend, draft } = await started(tempDir());
    const [vm, net] = await backend.create(ALICE, [draft(COMPUTE), draft(NETWORK)]);
    const link = () => draft(NETWORKINTERFACE, { 'occi.core.source': vm.location, 'occi.core.target': net.location });
    // Same turn: one group commit, the action first, then a link whose source is the compute.
    const [started_, [nic]] = await Promise.all([backend.invoke(ALICE, [vm.location], START, {}), backend.create(ALICE, [link()])]);
    assert.equal(started_[0].type === 'entity' && (started_[0].entity as Resource).links.length, 0, 'the action read the compute before the link came');
    const seen = (await backend.get(ALICE, vm.location)) as Resource;
    assert.deepEqual(seen.links.map((l) => l.location), [nic.location]);
    assert.equal(seen.attributes['occi.compute.state'], 'active');
    // The other order: the action's compute, read after the link, is current and kept.
    const [[nic2], stopped] = await Promise.all([backend.create(ALICE, [link()]), backend.invoke(ALICE, [vm.location], STOP, {})]);
    const now = (await backend.get(ALICE, vm.location)) as Resource;
    assert.equal(now, stopped[0].type === 'entity' ? stopped[0].entity : undefined);
    assert.deepEqual(now.links.map((l) => l.location), [nic.location, nic2.location]);
    await backend.stop();
  });

  it('forgets nothing for a refused write', async () => {
    const { backend, draft } = await started();
    const [a] = await backend.create(ALICE, [draft(COMPUTE)]);
    const before = await list(backend);
    await assert.rejects(backend.update(ALICE, [{ before: { ...a, version: '999' }, after: a }]));
    const after = await list(backend);
    assert.equal(after[0], before[0]);
    await backend.stop();
  });
});
