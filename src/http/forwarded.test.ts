import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddress, forwardedOrigin } from './forwarded.js';

describe('forwarded headers', () => {
  it('forwardedOrigin() prefers Forwarded (first element) over X-Forwarded-*, and refuses odd schemes', () => {
    assert.deepEqual(forwardedOrigin({ forwarded: 'for=1.2.3.4;proto=https;host="cloud.example.org", for=10.0.0.1;proto=http', 'x-forwarded-proto': 'http' }), { proto: 'https', host: 'cloud.example.org' });
    assert.deepEqual(forwardedOrigin({ 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'a.example.org' }), { proto: 'https', host: 'a.example.org' });
    assert.deepEqual(forwardedOrigin({ 'x-forwarded-proto': 'javascript' }), {});
  });

  it('clientAddress() believes Forwarded for= and X-Forwarded-For only from trusted proxies', () => {
    const trusted = (a: string | undefined) => a === '10.0.0.5';
    assert.equal(clientAddress({ forwarded: 'for="[2001:db8::1]";proto=https' }, '10.0.0.5', trusted), '2001:db8::1');
    assert.equal(clientAddress({ 'x-forwarded-for': '1.2.3.4, 10.0.0.5' }, '10.0.0.5', trusted), '1.2.3.4');
    assert.equal(clientAddress({ 'x-forwarded-for': '1.2.3.4' }, '9.9.9.9', trusted), '9.9.9.9');
  });
});
