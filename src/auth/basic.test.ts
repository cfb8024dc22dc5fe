import bcrypt from 'bcryptjs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { AuthenticationError } from '../errors.js';
import { describeAuthenticator } from './authenticator.contract.js';
import { BasicAuthenticator, dummyHash, parseHtpasswd, verifyPassword } from './basic.js';

const basic = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
/** Apache writes $2y$; bcryptjs writes $2b$. */
const apacheBcrypt = (password: string) => bcrypt.hashSync(password, 4).replace(/^\$2b\$/, '$2y$');

describeAuthenticator('basic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'occi-basic-'));
  const file = join(dir, 'htpasswd');
  writeFileSync(file, `# users\nalice:${apacheBcrypt('wonderland')}\nbob:{SHA}${createHash('sha1').update('builder').digest('base64')}\n`);
  const authenticator = new BasicAuthenticator({ htpasswd: file });
  await authenticator.load();
  return {
    authenticator,
    good: basic('alice', 'wonderland'),
    user: 'alice',
    groups: [],
    wrong: {
      'wrong password': basic('alice', 'looking-glass'),
      'unknown user': basic('carol', 'wonderland'),
      'no colon': { headers: { authorization: `Basic ${Buffer.from('alice').toString('base64')}` } },
      'not base64': { headers: { authorization: 'Basic !!!' } },
    },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('BasicAuthenticator', () => {
  it('re-reads the htpasswd file when it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-basic-'));
    try {
      const file = join(dir, 'htpasswd');
      writeFileSync(file, `alice:${apacheBcrypt('one')}\n`);
      const a = new BasicAuthenticator({ htpasswd: file });
      await a.load();
      assert.equal((await a.authenticate(basic('alice', 'one')))?.user, 'alice');
      writeFileSync(file, `alice:${apacheBcrypt('two')}\nbob:${apacheBcrypt('three')}\n`);
      await assert.rejects(a.authenticate(basic('alice', 'one')), AuthenticationError);
      assert.equal((await a.authenticate(basic('alice', 'two')))?.user, 'alice');
      assert.equal((await a.authenticate(basic('bob', 'three')))?.user, 'bob');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves other Authorization schemes to other authenticators', async () => {
    const a = new BasicAuthenticator({ htpasswd: '/nonexistent' });
    assert.equal(await a.authenticate({ headers: { authorization: 'Bearer abc' } }), undefined);
  });

  it('parseHtpasswd() skips comments and blank lines; verifyPassword() accepts $2a$/$2b$/$2y$ and {SHA}, nothing else', async () => {
    assert.deepEqual([...parseHtpasswd('# c\n\nu:h\r\nv:x:y\n')], [['u', 'h'], ['v', 'x:y']]);
    const h = bcrypt.hashSync('pw', 4);
    for (const prefix of ['$2a$', '$2b$', '$2y$']) assert.equal(await verifyPassword('pw', h.replace(/^\$2b\$/, prefix)), true);
    assert.equal(await verifyPassword('pw', '$apr1$abc$def'), false);
    assert.equal(await verifyPassword('pw', 'pw'), false, 'plain text is never accepted');
  });

  it('checks bcrypt off the event loop, and refuses an unknown user as slowly as a wrong password (issue 13 §4)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-basic-'));
    try {
      const file = join(dir, 'htpasswd');
      writeFileSync(file, `alice:${bcrypt.hashSync('secret', 10)}\nbob:${apacheBcrypt('builder')}\n`);
      const a = new BasicAuthenticator({ htpasswd: file });
      await a.load();
      const refusal = async (user: string) => {
        const t0 = performance.now();
        await assert.rejects(a.authenticate(basic(user, 'wrong')), AuthenticationError);
        return performance.now() - t0;
      };
      const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
      await refusal('alice');
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 3; i++) {
        wrong.push(await refusal('alice'));
        unknown.push(await refusal('mallory'));
      }
      const ratio = median(unknown) / median(wrong);
      assert.ok(ratio > 0.5 && ratio < 2, `unknown user ${median(unknown).toFixed(0)} ms, wrong password ${median(wrong).toFixed(0)} ms`);
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      await Promise.all(Array.from({ length: 4 }, () => refusal('alice')));
      delay.disable();
      // On the event loop, each check would hold it for the whole check.
      assert.ok(delay.max / 1e6 < median(wrong) / 2, `event loop held ${(delay.max / 1e6).toFixed(1)} ms by checks of ${median(wrong).toFixed(0)} ms each`);
      assert.equal(dummyHash(['{SHA}x', '$2a$05$c', '$2b$12$b', '$2y$10$a'])?.slice(0, 7), '$2b$12$', 'the dummy has the highest cost');
      assert.equal(dummyHash(['{SHA}x']), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
