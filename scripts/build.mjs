#!/usr/bin/env node
// @ts-check
/**
 * Compiles TypeScript into dist/ and records what it compiled, so that
 * `npm start` (scripts/start.mjs) compiles again only when a source changed.
 *
 *   node scripts/build.mjs            everything: src, test, bench (`npm run build`, the bench, the soak)
 *   node scripts/build.mjs --server   the shipped server only (src without tests): `npm start`
 *   node scripts/build.mjs --server --clean   the same into an emptied dist/src: `npm pack` ships nothing stale
 *
 * Plain JavaScript: it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `npm start` runs and `bin.occi-server` names. */
export const MAIN = join(ROOT, 'dist/src/cli/main.js');
/** The fingerprint of the sources dist/src was compiled from. */
const STAMP = join(ROOT, 'dist/.server-sources');

/** Sources of the shipped server: what tsconfig.build.json compiles. */
const shipped = (name) => name.endsWith('.ts') && !/\.(test|testing|contract)\.ts$/.test(name);

/**
 * Path, modification time and size of every shipped source and of the
 * compiler settings: cheap (a stat per file, no reading), and any edit,
 * checkout, added or removed file changes it.
 */
export function fingerprint() {
  const hash = createHash('sha256');
  const add = (path) => {
    const s = statSync(path);
    hash.update(`${relative(ROOT, path)}\t${s.mtimeMs}\t${s.size}\n`);
  };
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (shipped(e.name)) add(path);
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) add(join(ROOT, f));
  return hash.digest('hex');
}

/** True when dist/src was compiled from the sources as they are now. */
export function upToDate() {
  return existsSync(MAIN) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === fingerprint();
}

/** Runs tsc on `project`; records the fingerprint when it succeeds. Returns tsc's exit status. */
export function build(project = 'tsconfig.json') {
  const before = fingerprint();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, project)], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  // A source edited while tsc ran is compiled again next time.
  writeFileSync(STAMP, `${before}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--clean')) rmSync(join(ROOT, 'dist/src'), { recursive: true, force: true });
  process.exit(build(process.argv.includes('--server') ? 'tsconfig.build.json' : 'tsconfig.json'));
}
