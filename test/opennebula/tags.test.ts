import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { header, send } from '../support/http.js';
import { startOnedServer } from './_server.js';

describe('OpenNebula backend tags over HTTP (--auth opennebula)', () => {
  it("associates a user's tag with their compute: the tag's owner is the signed-in owner (opennebula:alice), not oned's UNAME", async () => {
    const server = await startOnedServer({ stepMode: 'immediate' });
    const TEXT = { ...server.alice, 'Content-Type': 'text/plain', Accept: 'text/plain' };
    try {
      assert.ok((await send(server.base, 'POST', '/-/', TEXT, 'Category: prod; scheme="http://example.org/t#"; class="mixin"; location="/tags/prod/"\r\n')).status < 300);
      const created = await send(server.base, 'POST', '/compute/', TEXT,
        'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\nX-OCCI-Attribute: occi.core.title="t"\r\n');
      assert.equal(created.status, 201, created.body);
      const location = new URL(header(created, 'location')!).pathname;
      const tagged = await send(server.base, 'POST', '/tags/prod/', { ...server.alice, 'Content-Type': 'text/uri-list' }, `${server.base}${location}\r\n`);
      assert.equal(tagged.status, 200, tagged.body);
      const members = await send(server.base, 'GET', '/tags/prod/', { ...server.alice, Accept: 'text/uri-list' });
      assert.ok(members.body.includes(location), members.body);
      assert.ok((await send(server.base, 'GET', location, TEXT)).body.includes('Category: prod; scheme="http://example.org/t#"'));
    } finally {
      await server.stop();
    }
  });
});
