import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DestinationStream } from 'pino';
import { spawnSync } from 'node:child_process';
import { eventually } from '../backends/backend.contract.js';
import { accessWriter, createLogger, LineBatch, type AccessEntry } from './logger.js';

/** A destination keeping what it is handed, line by line, and how many writes that took. */
function capture(): DestinationStream & { lines: string[]; writes: number } {
  const lines: string[] = [];
  const out = {
    lines,
    writes: 0,
    write: (s: string) => {
      out.writes++;
      for (const line of s.split(/(?<=\n)/)) if (line !== '') lines.push(line);
    },
  };
  return out;
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
    const b = createLogger('info', viaWriter);
    const write = accessWriter(b);
    for (const e of entries) {
      a.info(e, 'request');
      write(e);
    }
    a.flush();
    b.flush();
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
    logger.flush();
    assert.equal(out.lines.length, 0);
    logger.level = 'info';
    write(entries[0]);
    logger.flush();
    assert.equal(out.lines.length, 1);
  });
});

describe('LineBatch', () => {
  const line = (i: number) => `{"n":${i},"pad":"${'x'.repeat(200)}"}\n`;

  it('hands lines on in order, about 16 KiB at a time, and the rest on flush', () => {
    const out = capture();
    const batch = new LineBatch(out);
    for (let i = 0; i < 1000; i++) batch.write(line(i));
    // 1,000 lines of ~220 bytes: a dozen writes, not a thousand.
    assert.ok(out.writes >= 10 && out.writes <= 15, `${out.writes} writes`);
    batch.flush();
    assert.deepEqual(out.lines, Array.from({ length: 1000 }, (_, i) => line(i)));
    batch.close();
  });

  it('hands on what it holds within 200 ms when the server is quiet', async () => {
    const out = capture();
    const batch = new LineBatch(out);
    batch.write(line(1));
    assert.equal(out.lines.length, 0);
    await eventually(() => assert.equal(out.lines.length, 1), 2_000);
    batch.close();
  });

  it('hands on what it holds when the process exits', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      import { createLogger, accessWriter } from ${JSON.stringify(new URL('./logger.ts', import.meta.url).href)};
      const write = accessWriter(createLogger('info'));
      for (let i = 0; i < 3; i++) write({ reqId: 'r' + i, user: undefined, method: 'GET', path: '/', status: 200, ms: 1, remote: undefined });
      process.exit(0);
    `], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(child.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { reqId: string }).reqId), ['r0', 'r1', 'r2']);
  });
});
