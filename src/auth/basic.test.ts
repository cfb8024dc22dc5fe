import bcrypt from 'bcryptjs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuthenticationError } from '../errors.js';
import { describeAuthenticator } from './authenticator.contract.js';
import { BasicAuthenticator, parseHtpasswd, verifyPassword } from './basic.js';

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
});
