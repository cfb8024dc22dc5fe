import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { listen, type RunningServer } from './server.js';

/**
 * A client as curl or a blocking socket library is: it writes the whole
 * request in one write, without `Expect: 100-continue`, and reads only once
 * the write has gone out (or failed).
 */
function writeThenRead(port: number, request: Buffer): Promise<{ written: boolean; answer: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    const received: Buffer[] = [];
    let written = false;
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ written, answer: Buffer.concat(received).toString('latin1') }));
    socket.write(request, (err) => {
      written = err === undefined || err === null;
      socket.resume();
    });
    setTimeout(() => socket.destroy(), 15_000).unref();
  });
}

const MIB = 1024 * 1024;

describe('listen() with a body over --max-body-size', () => {
  let server: RunningServer;
  before(async () => {
    server = await listen({
      handle: async () => ({ status: 200, headers: [], body: 'ok' }), maxBodySize: MIB, maxHeaderSize: 65_536, headersTimeout: 10_000, requestTimeout: 30_000,
    }, '127.0.0.1', 0);
  });
  after(() => server.close());

  const declared = (size: number) => Buffer.concat([Buffer.from(`POST /compute/ HTTP/1.1\r\nHost: a\r\nContent-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 0x61)]);
  const chunked = (size: number) => Buffer.concat([
    Buffer.from(`POST /compute/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${size.toString(16)}\r\n`), Buffer.alloc(size, 0x61), Buffer.from('\r\n0\r\n\r\n'),
  ]);

  for (const [name, request] of [['declared', declared], ['chunked', chunked]] as const) {
    it(`lets a client that writes an 8 MiB ${name} body in one write read the 413 (lingering close)`, async () => {
      const { written, answer } = await writeThenRead(server.address.port, request(8 * MIB));
      assert.ok(written, 'the whole request was read, not reset');
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /Connection: close/i);
      assert.match(answer, /request body larger than 1048576 bytes\r\n$/);
    });
  }

  it('reads and discards a bounded amount: past 16 MiB the connection is cut, and the server serves on', async () => {
    const began = Date.now();
    const { written } = await writeThenRead(server.address.port, declared(40 * MIB));
    assert.equal(written, false);
    assert.ok(Date.now() - began < 10_000);
    const next = await writeThenRead(server.address.port, Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'));
    assert.match(next.answer, /^HTTP\/1\.1 200 /);
  });
});
