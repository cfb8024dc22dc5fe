/**
 * Request shapes of the real OCCI clients (rOCCI-cli/rOCCI-core 5, jOCCI, IM)
 * against a freshly started server over loopback.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { header, send } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

describe('real client request shapes', () => {
  let server: TestServer;
  /** A request as the server's user: its credentials (none on the embedded backend) and the headers given. */
  const call = (method: string, path: string, headers: Record<string, string> = {}, body = '') => send(server.base, method, path, { ...server.headers, ...headers }, body);
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('rOCCI-cli: Accept "text/plain,text/occi" gets text/plain, and its own id and Category style are accepted', async () => {
    const id = '0a7c3b52-5c1e-4a0b-9d5e-2f8a4c6b1e90';
    const body = [
      'Category: compute;scheme="http://schemas.ogf.org/occi/infrastructure#";class="kind";',
      'Category: small;scheme="http://localhost/occi/resource_tpl#";class="mixin";',
      `X-OCCI-Attribute: occi.core.id="${id}"`,
      'X-OCCI-Attribute: occi.core.title="rocci"',
    ].join('\n');
    const res = await call('POST', '/compute/', {
      Accept: 'text/plain,text/occi', 'Content-Type': 'text/plain', 'User-Agent': 'rOCCI-cli/5.0.0 OCCI/1.2',
    }, body);
    assert.equal(res.status, 201, res.body);
    assert.equal(header(res, 'content-type'), 'text/plain; charset=utf-8');
    assert.equal(header(res, 'location'), `${server.base}/compute/${id}`);
  });

  it('rOCCI-cli 4: the OCCI 1.1-era OpenStack context mixins are accepted and rendered', async () => {
    const body = [
      'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"',
      'Category: public_key; scheme="http://schemas.openstack.org/instance/credentials#"; class="mixin"',
      'Category: user_data; scheme="http://schemas.openstack.org/compute/instance#"; class="mixin"',
      'X-OCCI-Attribute: org.openstack.credentials.publickey.name="default"',
      'X-OCCI-Attribute: org.openstack.credentials.publickey.data="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@host"',
      'X-OCCI-Attribute: org.openstack.compute.user_data="I2Nsb3VkLWNvbmZpZwo="',
    ].join('\r\n');
    const res = await call('POST', '/compute/', { 'Content-Type': 'text/plain', 'User-Agent': 'rOCCI-cli/4.3.12 OCCI/1.1' }, body);
    assert.equal(res.status, 201, res.body);
    const vm = await call('GET', header(res, 'location')!, { Accept: 'text/plain' });
    assert.match(vm.body, /X-OCCI-Attribute: org\.openstack\.compute\.user_data="I2Nsb3VkLWNvbmZpZwo="/);
    assert.match(vm.body, /Category: public_key; scheme="http:\/\/schemas\.openstack\.org\/instance\/credentials#"; class="mixin"/);
  });

  it('rOCCI-core 5: its JSON compute (with an echoed state) and its action invocations are accepted', async () => {
    const res = await call('POST', '/compute/', { Accept: 'application/occi+json', 'Content-Type': 'application/occi+json' }, fixture('rocci-core.compute.json'));
    assert.equal(res.status, 201, res.body);
    const location = header(res, 'location')!;
    assert.match(location, /\/compute\/488f6764-d4e3-4668-8cbb-1aaa06e92d5f$/);
    const entity = JSON.parse(res.body) as { attributes: Record<string, unknown> };
    assert.equal(entity.attributes['occi.compute.cores'], 4);
    assert.equal(entity.attributes['occi.core.id'], '488f6764-d4e3-4668-8cbb-1aaa06e92d5f');
    const path = new URL(location).pathname;
    assert.equal((await call('POST', `${path}?action=start`, {}, '')).status, 200);
    const suspend = await call('POST', `${path}?action=suspend`, { 'Content-Type': 'text/plain' }, fixture('rocci-core.action_instance.txt'));
    assert.equal(suspend.status, 200, suspend.body);
    const start = await call('POST', `${path}?action=start`, { 'Content-Type': 'application/occi+json' }, '{"action":"http://schemas.ogf.org/occi/infrastructure/compute/action#start"}');
    assert.equal(start.status, 200, start.body);
    const json = await call('POST', `${path}?action=suspend`, { 'Content-Type': 'application/occi+json' }, fixture('rocci-core.action_instance.json'));
    assert.equal(json.status, 200, json.body);
  });

  it('jOCCI: occi.core.id is rendered in text/plain and text/occi', async () => {
    const made = await call('POST', '/network/', { 'Content-Type': 'text/occi', Category: 'network; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"' });
    const url = header(made, 'location')!;
    const id = url.slice(url.lastIndexOf('/') + 1);
    const plain = await call('GET', url, { Accept: 'text/plain' });
    assert.ok(plain.body.split('\r\n').includes(`X-OCCI-Attribute: occi.core.id="${id}"`));
    const occi = await call('GET', url, { Accept: 'text/occi' });
    assert.equal(occi.body, 'OK');
    assert.match(header(occi, 'x-occi-attribute')!, new RegExp(`^occi\\.core\\.id="${id}"`));
  });

  it('IM: the creation answer and listings are "X-OCCI-Location: <absolute URL>" lines', async () => {
    const made = await call('POST', '/storage/', { Accept: 'text/plain', 'Content-Type': 'text/plain' },
      'Category: storage; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\nX-OCCI-Attribute: occi.storage.size=1.5\n');
    assert.equal(made.body, `X-OCCI-Location: ${header(made, 'location')}\r\n`);
    const list = await call('GET', '/storage/', { Accept: 'text/plain' });
    for (const line of list.body.split('\r\n').filter(Boolean)) assert.match(line, /^X-OCCI-Location: http:\/\/127\.0\.0\.1:\d+\/storage\/[\w-]+$/);
  });
});
