/**
 * The `occi-client` package (packages/occi-client): zero runtime
 * dependencies, built from src/client, src/model, src/rendering and
 * src/errors.ts only. The static checks run with `npm test`; with
 * OCCI_TEST_PACK=1 (`npm run test:client-pack`) the package is packed,
 * installed into a temporary prefix without network access, and run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLIENT_VERSION } from '../../src/client/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = join(ROOT, 'packages/occi-client');
const SHIPPED = ['src/client/', 'src/model/', 'src/rendering/', 'src/errors.ts'];
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/** Every non-test source file the package compiles. */
function shippedFiles(): string[] {
  const out: string[] = [join(ROOT, 'src/errors.ts')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !/\.(test|testing|contract)\.ts$/.test(e.name)) out.push(p);
    }
  };
  for (const d of SHIPPED.slice(0, 3)) walk(join(ROOT, d));
  return out;
}

describe('the occi-client package', () => {
  it('is a workspace of the repository with bin occi, no dependencies, the client\'s version', () => {
    const pkg = json(join(PACKAGE, 'package.json'));
    assert.equal(pkg.name, 'occi-client');
    assert.equal(pkg.version, CLIENT_VERSION);
    assert.deepEqual(pkg.bin, { occi: 'dist/client/cli/main.js' });
    for (const key of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) assert.equal(pkg[key], undefined, key);
    assert.ok((json(join(ROOT, 'package.json')).workspaces as string[]).includes('packages/*'));
    assert.ok(readFileSync(join(ROOT, 'src/client/cli/main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n'));
  });

  it('compiles exactly the client, the model, the renderings and errors.ts', () => {
    const tsconfig = json(join(PACKAGE, 'tsconfig.json')) as { include: string[] };
    assert.deepEqual(tsconfig.include, ['../../src/client/**/*.ts', '../../src/model/**/*.ts', '../../src/rendering/**/*.ts', '../../src/errors.ts']);
  });

  it('whose sources import nothing but each other and node: built-ins', () => {
    const bad: string[] = [];
    for (const file of shippedFiles()) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
        const spec = m[1];
        const where = relative(ROOT, file);
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
          if (!SHIPPED.some((s) => target.startsWith(s))) bad.push(`${where} → ${target}`);
        } else if (!spec.startsWith('node:')) bad.push(`${where} → ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('packs, installs offline into an empty prefix and runs occi --help', { skip: process.env.OCCI_TEST_PACK ? false : 'set OCCI_TEST_PACK=1 (npm run test:client-pack)' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-pack-'));
    try {
      const npm = (args: string[], cwd = ROOT) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const [packed] = JSON.parse(npm(['pack', '--workspace', 'occi-client', '--pack-destination', dir, '--json'])) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
      const top = new Set(packed.files.map((f) => f.path.split('/').slice(0, 2).join('/')));
      assert.deepEqual([...top].sort(), ['README.md', 'dist/client', 'dist/errors.d.ts', 'dist/errors.js', 'dist/model', 'dist/rendering', 'package.json']);
      const prefix = join(dir, 'prefix');
      npm(['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(dir, packed.filename)], dir);
      assert.deepEqual(readdirSync(join(prefix, 'lib/node_modules')), ['occi-client']);
      assert.deepEqual(readdirSync(join(prefix, 'lib/node_modules/occi-client')).sort(), ['README.md', 'dist', 'package.json']);
      const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir };
      const help = execFileSync(join(prefix, 'bin/occi'), ['--help'], { cwd: dir, env, encoding: 'utf8' });
      assert.match(help, /^occi \d+\.\d+\.\d+: a command-line client for OCCI 1\.1 and 1\.2 servers/);
      assert.equal(execFileSync(join(prefix, 'bin/occi'), ['--version'], { cwd: dir, env, encoding: 'utf8' }), `${CLIENT_VERSION}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
