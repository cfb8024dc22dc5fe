/**
 * Issue 4 §4: entity versions with ETag and If-Match (412 on mismatch), and
 * concurrent actions on one compute through several server processes sharing
 * one data directory (as several workers share the SQLite file): every
 * acknowledged action is one step of the state machine, none is lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ANONYMOUS } from '../../src/backends/index.js';
import { PreconditionFailedError } from '../../src/errors.js';
import { START } from '../../src/model/index.js';
import { COMPUTE_LINE, TEXT, createCompute, createTestApp, type TestApp } from '../../src/http/app.testing.js';
import { header, send } from '../support/http.js';
import { exited, spawnServer, type ServerProcess } from '../support/process.js';

describe('If-Match and ETag on entities', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('every entity response carries the new ETag; a stale If-Match is 412 OCCI_ERR_PRECONDITION_FAILED and changes nothing', async () => {
    const vm = await createCompute(t);
    const got = await t.req('GET', vm, { Accept: 'text/plain' });
    const v1 = got.header('ETag')!;
    assert.match(v1, /^"\d+"$/);
    const upd = await t.req('POST', vm, { ...TEXT, 'If-Match': v1 }, 'X-OCCI-Attribute: occi.core.title="one"');
    assert.equal(upd.status, 200);
    const v2 = upd.header('ETag')!;
    assert.notEqual(v2, v1);
    for (const [method, url, body] of [
      ['POST', vm, 'X-OCCI-Attribute: occi.core.title="two"'],
      ['POST', `${vm}?action=start`, ''],
      ['PUT', vm, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="three"`],
      ['DELETE', vm, ''],
    ] as const) {
      const res = await t.req(method, url, { ...TEXT, 'If-Match': v1 }, body);
      assert.equal(res.status, 412, `${method} ${url}: ${res.body}`);
      assert.match(res.body, /If-Match/);
      const json = await t.req(method, url, { 'Content-Type': 'text/plain', Accept: 'application/occi+json', 'If-Match': v1 }, body);
      assert.equal(JSON.parse(json.body).error, 'OCCI_ERR_PRECONDITION_FAILED');
    }
    const now = await t.req('GET', vm, { Accept: 'text/plain' });
    assert.equal(now.header('ETag'), v2);
    assert.match(now.body, /occi\.core\.title="one"/);
    assert.match(now.body, /occi\.compute\.state="inactive"/);
  });

  it('a matching If-Match (or *) lets PUT, action and DELETE through, each answering the next ETag', async () => {
    const vm = await createCompute(t);
    let etag = (await t.req('GET', vm)).header('ETag')!;
    const act = await t.req('POST', `${vm}?action=start`, { ...TEXT, 'If-Match': `"999", ${etag}` }, '');
    assert.equal(act.status, 200);
    assert.notEqual(act.header('ETag'), etag);
    etag = act.header('ETag')!;
    const put = await t.req('PUT', vm, { ...TEXT, 'If-Match': etag }, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="put"`);
    assert.equal(put.status, 200, put.body);
    assert.equal(put.header('ETag'), `"${Number(JSON.parse(etag)) + 1}"`);
    assert.equal((await t.req('POST', vm, { ...TEXT, 'If-Match': `W/${put.header('ETag')}` }, '')).status, 412, 'weak tags never match If-Match');
    assert.equal((await t.req('DELETE', vm, { 'If-Match': '*' })).status, 200);
    assert.equal((await t.req('DELETE', vm, { 'If-Match': '*' })).status, 404, 'gone is 404, not 412');
  });

  it('the backend re-checks If-Match inside its write transaction for actions and DELETE (a write between read and write is 412)', async () => {
    const vm = await createCompute(t);
    const read = (await t.backend.get(ANONYMOUS, vm))!;
    // Another client's write lands between our read and our write.
    assert.equal((await t.req('POST', vm, TEXT, 'X-OCCI-Attribute: occi.core.title="other"')).status, 200);
    await assert.rejects(t.backend.invoke(ANONYMOUS, [vm], START, {}, read.version), PreconditionFailedError);
    await assert.rejects(t.backend.delete(ANONYMOUS, [vm], read.version), PreconditionFailedError);
    const now = (await t.backend.get(ANONYMOUS, vm))!;
    assert.equal(now.attributes['occi.compute.state'], 'inactive', 'the refused action changed nothing');
    const [acted] = await t.backend.invoke(ANONYMOUS, [vm], START, {}, now.version);
    assert.ok(acted.type === 'entity' && acted.entity.version !== now.version);
    await t.backend.delete(ANONYMOUS, [vm], (acted as { entity: { version: string } }).entity.version);
    assert.equal(await t.backend.get(ANONYMOUS, vm), undefined);
  });

  it('PUT with If-None-Match: * creates only; If-Match on an absent entity is 412', async () => {
    const path = `/compute/${crypto.randomUUID()}`;
    const body = `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="chosen"`;
    assert.equal((await t.req('PUT', path, { ...TEXT, 'If-Match': '*' }, body)).status, 412);
    const made = await t.req('PUT', path, { ...TEXT, 'If-None-Match': '*' }, body);
    assert.equal(made.status, 201, made.body);
    assert.equal(made.header('ETag'), '"1"');
    assert.equal((await t.req('PUT', path, { ...TEXT, 'If-None-Match': '*' }, body)).status, 412);
  });
});

/** Compute transitions (Infrastructure §3.1): action term → [states it is valid in, state it leads to]. */
const TRANSITIONS: Record<string, [string[], string]> = {
  start: [['inactive', 'suspended', 'error'], 'active'],
  stop: [['active', 'error'], 'inactive'],
  restart: [['active'], 'active'],
  suspend: [['active'], 'suspended'],
};

describe('concurrent actions on one compute through several server processes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'occi-conc-'));
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) {
      s.child.kill('SIGKILL');
      await exited(s.child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serialises them: acknowledged actions form one valid path through the state machine, with no version lost', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => spawnServer(['--port', '0', '--data-dir', dataDir])));
    servers.push(a, b);
    await raceActions([a.base, b.base]);
  });

  it('does the same across 2 cluster workers sharing one port (--workers 2)', async () => {
    const workersDir = mkdtempSync(join(tmpdir(), 'occi-workers-'));
    try {
      const w = await spawnServer(['--port', '0', '--data-dir', workersDir, '--workers', '2']);
      servers.push(w);
      await raceActions([w.base]);
    } finally {
      rmSync(workersDir, { recursive: true, force: true });
    }
  });

  it('If-Match makes concurrent read-modify-write safe: of N writers holding one ETag, exactly one wins', async () => {
    const [a, b] = servers;
    const made = await send(a.base, 'POST', '/compute/', TEXT, COMPUTE_LINE);
    const vm = new URL(header(made, 'location')!).pathname;
    const etag = header(await send(a.base, 'GET', vm), 'etag')!;
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      send((i % 2 ? a : b).base, 'POST', vm, { ...TEXT, 'If-Match': etag }, `X-OCCI-Attribute: occi.core.title="w${i}"`)));
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, results.map((r) => r.status).join(' '));
    // The losers saw either the 412 (stale at read) or the 409 (stale at commit): never a silent overwrite.
    for (const r of results) assert.ok([200, 409, 412].includes(r.status), `${r.status} ${r.body}`);

    // PUT-create with If-None-Match: * from many clients at once: one 201, every other one 412.
    const path = `/compute/${crypto.randomUUID()}`;
    const creates = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      send((i % 2 ? a : b).base, 'PUT', path, { ...TEXT, 'If-None-Match': '*' }, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="c${i}"`)));
    assert.deepEqual(creates.map((r) => r.status).sort(), [201, ...Array(11).fill(412)]);
  });
});

/**
 * 8 clients fire 25 random actions each at one new compute, spread over
 * `bases`; the acknowledged ones, ordered by the version each answered,
 * must be one valid path through the compute state machine, each making
 * exactly one new version, and the final version must count them all.
 */
async function raceActions(bases: string[]): Promise<void> {
  const made = await send(bases[0], 'POST', '/compute/', TEXT, COMPUTE_LINE);
  assert.equal(made.status, 201);
  const vm = new URL(header(made, 'location')!).pathname;
  const v0 = Number(JSON.parse(header(await send(bases[0], 'GET', vm), 'etag')!));
  const acked: Array<{ action: string; version: number; state: string }> = [];
  let conflicts = 0;
  const terms = Object.keys(TRANSITIONS);
  await Promise.all(Array.from({ length: 8 }, async (_, c) => {
    const base = bases[c % bases.length];
    for (let i = 0; i < 25; i++) {
      const action = terms[(c * 7 + i * 3 + Math.floor(Math.random() * 4)) % terms.length];
      const res = await send(base, 'POST', `${vm}?action=${action}`, { Accept: 'application/occi+json' }, '');
      if (res.status === 409) {
        conflicts++;
        continue;
      }
      assert.equal(res.status, 200, res.body);
      const e = JSON.parse(res.body) as { attributes: Record<string, string> };
      acked.push({ action, version: Number(JSON.parse(header(res, 'etag')!)), state: e.attributes['occi.compute.state'] });
    }
  }));
  acked.sort((x, y) => x.version - y.version);
  let state = 'inactive';
  acked.forEach((step, i) => {
    assert.equal(step.version, v0 + i + 1, 'each acknowledged action made exactly one new version');
    const [from, to] = TRANSITIONS[step.action];
    assert.ok(from.includes(state), `${step.action} acknowledged in state ${state} (version ${step.version})`);
    assert.equal(step.state, to);
    state = to;
  });
  const final = await send(bases[bases.length - 1], 'GET', vm, { Accept: 'application/occi+json' });
  assert.equal(Number(JSON.parse(header(final, 'etag')!)), v0 + acked.length);
  assert.equal((JSON.parse(final.body) as { attributes: Record<string, string> }).attributes['occi.compute.state'], state);
  assert.equal(acked.length + conflicts, 200);
}
