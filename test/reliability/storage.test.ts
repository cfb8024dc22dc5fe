/**
 * Storage faults (issue 4 §6): the embedded database on a full disk answers
 * 503 with a clear reason, keeps serving reads, and recovers once space
 * returns, with nothing acknowledged lost and an intact file; a read-only
 * data directory and a database from a newer schema are refused at start
 * with a clear message.
 *
 * The full and read-only disks are small tmpfs mounts, which needs root
 * (as in CI here); without it those cases are skipped and say so. The
 * kernel refuses to remount a file system read-only while SQLite holds the
 * database open for writing (EBUSY), so a disk turning read-only under a
 * running server cannot be produced here: the read-only case is tested at
 * start, and the SQLITE_READONLY → 503 mapping in
 * src/backends/embedded/errors.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { header, send } from '../support/http.js';
import { exited, spawnServer, type ServerProcess } from '../support/process.js';
import { SCHEMA_VERSION } from '../../src/backends/embedded/index.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const KIND = `Category: compute; scheme="${INFRA}"; class="kind"`;
const TEXT = { 'Content-Type': 'text/plain', Accept: 'application/occi+json' };

/** Mounts a tmpfs of `size` at a fresh directory; undefined when this machine does not let us. */
function mountTmpfs(size: string, readOnly = false): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'occi-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string | undefined): void {
  if (!dir) return;
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
}

describe('storage faults', () => {
  const mounts: Array<string | undefined> = [];
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) {
      s.child.kill('SIGKILL');
      await exited(s.child);
    }
    for (const m of mounts) unmount(m);
  });

  it('a full disk answers 503 with the reason, keeps serving reads, and recovers when space returns', async (t) => {
    const fs = mountTmpfs('4m');
    mounts.push(fs);
    if (!fs) return t.skip('cannot mount a tmpfs here (needs root): see docs/reliability.md');
    const dataDir = join(fs, 'data');
    const server = await spawnServer(['--port', '0', '--data-dir', dataDir]);
    servers.push(server);
    // Leave little room: a filler file takes most of the disk.
    const filler = join(fs, 'filler');
    writeFileSync(filler, Buffer.alloc(3 * 1024 * 1024 - 256 * 1024));
    const acked: string[] = [];
    let full: { status: number; body: string } | undefined;
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 200 && !full; i++) {
      const res = await send(server.base, 'POST', '/compute/', TEXT, `${KIND}\r\nX-OCCI-Attribute: occi.core.summary="${big}"\r\nX-OCCI-Attribute: occi.core.title="n${i}"`);
      if (res.status === 201) acked.push(new URL(header(res, 'location')!).pathname);
      else full = res;
    }
    assert.ok(full, 'the disk never filled up');
    assert.equal(full.status, 503, full.body);
    const error = JSON.parse(full.body) as { error: string; message: string };
    assert.equal(error.error, 'OCCI_ERR_BACKEND_UNAVAILABLE');
    assert.match(error.message, /SQLITE_FULL|disk is full/i);
    assert.ok(acked.length > 0);
    // Reads go on while the disk is full.
    assert.equal((await send(server.base, 'GET', acked[0])).status, 200);
    assert.equal((await send(server.base, 'GET', '/-/')).status, 200);

    rmSync(filler);
    const again = await send(server.base, 'POST', '/compute/', TEXT, `${KIND}\r\nX-OCCI-Attribute: occi.core.title="after"`);
    assert.equal(again.status, 201, again.body);
    acked.push(new URL(header(again, 'location')!).pathname);
    for (const l of acked) assert.equal((await send(server.base, 'GET', l)).status, 200, `${l} lost`);

    server.child.kill('SIGKILL');
    await exited(server.child);
    const db = new Database(join(dataDir, 'occi.sqlite'), { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });

  it('a read-only data directory is refused at start with a clear message', async (t) => {
    const fs = mountTmpfs('1m');
    mounts.push(fs);
    if (!fs) return t.skip('cannot mount a tmpfs here (needs root)');
    // An existing database on a disk then remounted read-only (as after an fs error).
    const dataDir = join(fs, 'data');
    mkdirSync(dataDir);
    const s = await spawnServer(['--port', '0', '--data-dir', dataDir]);
    s.child.kill('SIGTERM');
    await exited(s.child);
    execFileSync('mount', ['-o', 'remount,ro', fs]);
    await assert.rejects(spawnServer(['--port', '0', '--data-dir', dataDir]), (err: Error) => {
      assert.match(err.message, /read-only|readonly|SQLITE_READONLY|SQLITE_CANTOPEN|unable to open/i);
      assert.doesNotMatch(err.message, /\n\s+at /, 'a message, not a stack trace');
      t.diagnostic(err.message.split('\n').filter((l) => l.startsWith('occi-server')).join(' '));
      return true;
    });
  });

  it('a database from a newer schema version is refused at start, naming both versions', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'occi-newer-'));
    try {
      const db = new Database(join(dataDir, 'occi.sqlite'));
      db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '99')");
      db.close();
      await assert.rejects(spawnServer(['--port', '0', '--data-dir', dataDir]), new RegExp(`newer occi-server \\(schema version 99\\).*schema version ${SCHEMA_VERSION} at most`, 's'));
      // Refused without touching it.
      const check = new Database(join(dataDir, 'occi.sqlite'), { readonly: true });
      assert.equal(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), '99');
      check.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
