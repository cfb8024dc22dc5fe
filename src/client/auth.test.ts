import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keystoneUri, splitPem } from './auth.js';
import type { HttpResponse } from './transport.js';

const block = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----`;

describe('splitPem()', () => {
  it('splits a proxy file into its chain, in order, and its key', () => {
    const text = [block('CERTIFICATE', 'proxy'), block('RSA PRIVATE KEY', 'key'), block('CERTIFICATE', 'user')].join('\n');
    const { cert, key } = splitPem(text);
    assert.equal(cert, `${block('CERTIFICATE', 'proxy')}\n${block('CERTIFICATE', 'user')}\n`);
    assert.equal(key, `${block('RSA PRIVATE KEY', 'key')}\n`);
  });
  it('gives no key for a certificate alone', () => assert.equal(splitPem(block('CERTIFICATE', 'c')).key, undefined));
});

describe('keystoneUri()', () => {
  const res = (...challenges: string[]): HttpResponse => ({ status: 401, statusText: '', headers: {}, body: '', rawHeaders: challenges.map((c) => ['WWW-Authenticate', c] as const) });
  it('reads the Keystone challenge among others, quoted either way', () => {
    assert.equal(keystoneUri(res('Basic realm="occi"', 'Keystone uri="http://ks:5000/v3"')), 'http://ks:5000/v3');
    assert.equal(keystoneUri(res("Keystone uri='https://ks/'")), 'https://ks/');
    assert.equal(keystoneUri(res('Basic realm="occi"')), undefined);
  });
});
