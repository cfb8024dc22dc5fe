/**
 * What a user installs (issue 12): `npm start` builds when it must and runs
 * `--version`; the tarball `npm pack` makes holds the compiled server, its
 * `occi-server` command, LICENSE and deploy/, and no tests; its command runs
 * from the unpacked tarball. Installing the tarball's dependencies (a
 * better-sqlite3 build) is too slow for here: README says how it was checked.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; bin: Record<string, string> };

describe('packaging', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occi-pack-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('npm start runs --version (compiling first when a source changed), printing the package version', async () => {
    // As `npm start -- --version` does, without npm's own start-up.
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts/start.mjs'), '--version'], { cwd: ROOT, timeout: 120_000 });
    assert.equal(stdout.trim(), `occi-server ${pkg.version}`);
  });

  it('the packed tarball holds the command, LICENSE, config and deploy files, and no tests', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
    for (const f of ['LICENSE', 'README.md', pkg.bin['occi-server'], 'deploy/occi-server.service', 'deploy/Containerfile', 'config/occi-server.example.yaml', 'docs/guide.md']) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    assert.deepEqual(files.filter((f) => /\.(test|testing|contract)\.js$|^(src|test|bench)\//.test(f)), []);
    assert.equal(pkg.license, 'Apache-2.0');
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
    assert.match(readFileSync(join(ROOT, pkg.bin['occi-server']), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('the unpacked tarball runs `occi-server --version` (with the dependencies beside it)', async () => {
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const tarball = (JSON.parse(stdout) as Array<{ filename: string }>)[0].filename;
    await run('tar', ['-xzf', join(dir, tarball), '-C', dir]);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'package/node_modules'));
    const { stdout: version } = await run(process.execPath, [join(dir, 'package', pkg.bin['occi-server']), '--version']);
    assert.equal(version.trim(), `occi-server ${pkg.version}`);
  });
});
