import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ChildOutput, TAIL_CHARS } from './child-output.js';

/** Lets the streams deliver what was written. */
const flush = () => new Promise((r) => setImmediate(r));

describe('ChildOutput', () => {
  it('tail() keeps only the last TAIL_CHARS characters of a long output', async () => {
    const out = new PassThrough();
    const reader = new ChildOutput([out]);
    for (let i = 0; i < 20_000; i++) out.write(`{"msg":"request","n":${i}}\n`);
    await flush();
    const tail = reader.tail();
    assert.ok(tail.length <= TAIL_CHARS, `tail of ${tail.length} characters`);
    assert.ok(tail.endsWith('{"msg":"request","n":19999}\n'));
    assert.ok(!tail.includes('"n":0}'));
  });

  it('watch() counts every matching line from then on, lines split across chunks and streams included', async () => {
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    const reader = new ChildOutput([stdout, stderr]);
    stdout.write('"status":500 before the watch\n');
    await flush();
    const watch = reader.watch(/"status":5\d\d/);
    stdout.write('{"status":200}\n{"sta');
    stderr.write('internal error\r\n{"status":503}\n');
    await flush();
    stdout.write('tus":502}\n');
    for (let i = 0; i < 50; i++) stdout.write(`{"status":500,"i":${i}}\n`);
    await flush();
    assert.equal(watch.count, 52);
    assert.deepEqual(watch.lines.slice(0, 2), ['{"status":503}', '{"status":502}']);
    assert.equal(watch.lines.length, 20);
    watch.stop();
    stdout.write('{"status":500}\n');
    await flush();
    assert.equal(watch.count, 52);
  });

  it('nextLine() waits for the next matching line, even one split across chunks, or gives up with the tail', async () => {
    const out = new PassThrough();
    const reader = new ChildOutput([out]);
    out.write('ready before\n');
    await flush();
    const later = reader.nextLine(/ready (\w+)/, 1_000);
    out.write('ready n');
    await flush();
    out.write('ow\n');
    assert.equal((await later)[1], 'now');
    await assert.rejects(reader.nextLine(/never/, 50), /no line matching \/never\/ in 50 ms; the output ended with:\n.*ready now/s);
    const gone = new AbortController();
    const aborted = reader.nextLine(/never/, 10_000, gone.signal);
    gone.abort(new Error('the child exited'));
    await assert.rejects(aborted, /the child exited/);
  });
});
