import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finished } from 'node:stream/promises';
import { TAIL_CHARS } from './child-output.js';
import { spawnListening } from './process.js';

/** A child as chatty as a server with its access log on: 1 MiB before `listening on`, 16 MiB after (issue 16). */
const CHATTY = `
const line = '{"level":30,"msg":"request","method":"GET","path":"/compute/x","status":200,"ms":0.4}\\n';
const chunk = (bytes) => line.repeat(Math.ceil(bytes / line.length));
process.stdout.write(chunk(1 << 20));
process.stderr.write('warming up\\n');
process.stdout.write('listening on http://127.0.0.1:1\\n');
for (let i = 0; i < 256; i++) process.stdout.write(chunk(64 << 10));
process.stdout.write('the last line\\n');
`;

describe('spawnListening()', () => {
  it('finds `listening on` after a megabyte of output and keeps only a bounded tail of the 16 MiB after it', async () => {
    const server = await spawnListening(['-e', CHATTY]);
    assert.equal(server.base, 'http://127.0.0.1:1');
    await Promise.all([finished(server.child.stdout!), finished(server.child.stderr!)]);
    const tail = server.output();
    assert.ok(tail.length <= TAIL_CHARS, `output() holds ${tail.length} characters, more than the ${TAIL_CHARS} of its tail`);
    assert.ok(tail.endsWith('"ms":0.4}\nthe last line\n'), `the tail ends with what the child printed last: ${JSON.stringify(tail.slice(-80))}`);
  });

  it('rejects with the tail when the child exits before listening', async () => {
    await assert.rejects(spawnListening(['-e', 'console.log("no port"); process.exit(3)'], {}, 'the child'),
      /the child exited \(3\) before listening:\nno port\n/);
  });
});
