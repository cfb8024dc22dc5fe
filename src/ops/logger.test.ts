import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DestinationStream } from 'pino';
import { accessWriter, createLogger, type AccessEntry } from './logger.js';

function capture(): DestinationStream & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');

describe('accessWriter', () => {
  const entries: AccessEntry[] = [
    { reqId: '0a6f3c1e-0000-4000-8000-000000000000', user: 'basic:alice', method: 'GET', path: '/compute/x', status: 200, ms: 0.412, remote: '127.0.0.1' },
    { reqId: 'trace-42', user: undefined, method: 'POST', path: '/a "quoted"\\path/ünï\u0001', status: 401, ms: 12, remote: undefined },
    { reqId: 'r', user: 'oidc:"; DROP', method: 'DELETE', path: '/', status: 404, ms: 1.5, remote: '::1' },
  ];

  it("writes, byte for byte but the time, the line pino writes for logger.info(entry, 'request')", () => {
    const [viaPino, viaWriter] = [capture(), capture()];
    const a = createLogger('info', viaPino);
    const write = accessWriter(createLogger('info', viaWriter));
    for (const e of entries) {
      a.info(e, 'request');
      write(e);
    }
    assert.equal(viaWriter.lines.length, entries.length);
    assert.deepEqual(viaWriter.lines.map(withoutTime), viaPino.lines.map(withoutTime));
    for (const line of viaWriter.lines) {
      const parsed = JSON.parse(line) as { time: string };
      assert.ok(!Number.isNaN(Date.parse(parsed.time)), parsed.time);
    }
  });

  it('writes nothing while the level is above info, and follows a level changed at run time', () => {
    const out = capture();
    const logger = createLogger('warn', out);
    const write = accessWriter(logger);
    write(entries[0]);
    assert.equal(out.lines.length, 0);
    logger.level = 'info';
    write(entries[0]);
    assert.equal(out.lines.length, 1);
  });
});
