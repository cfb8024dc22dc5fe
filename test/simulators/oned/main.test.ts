import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { XmlRpcClient } from '../../../src/backends/opennebula/xmlrpc.js';

it('main.ts starts the simulator on 127.0.0.1 and prints its endpoint', async () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    while (!out.includes('\n')) {
      const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => { throw new Error('exited'); })])) as [string];
      out += chunk;
    }
    const m = /^oned simulator on (http:\/\/127\.0\.0\.1:(\d+)\/RPC2)\n$/.exec(out);
    assert.ok(m, `unexpected output ${JSON.stringify(out)}`);
    assert.notEqual(Number(m[2]), 0);
    assert.equal(await new XmlRpcClient({ url: m[1] }).callOned('one.system.version', ['oneadmin:opennebula']), '7.0.2');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
