/**
 * Imports point one way (STYLE §1): model ← rendering/backends ← http ← cli,
 * with auth and config beside http. Each rule names the folder and what it
 * must not import; a violation names the file and the import.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Every relative import of every .ts file under `dir`, resolved to a repository path. */
export function importsUnder(dir: string): Array<{ file: string; target: string }> {
  const out: Array<{ file: string; target: string }> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(join(ROOT, d), { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const text = readFileSync(join(ROOT, p), 'utf8');
        for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
          out.push({ file: p, target: relative(ROOT, resolve(ROOT, dirname(p), m[1])) });
        }
      }
    }
  };
  walk(dir);
  return out;
}

const RULES: Array<{ from: string; forbidden: string[]; why: string }> = [
  { from: 'src/model/', forbidden: ['src/rendering', 'src/backends', 'src/http', 'src/auth', 'src/config', 'src/cli', 'src/ops', 'src/context'], why: 'the model imports only errors.ts' },
  { from: 'src/rendering/', forbidden: ['src/backends', 'src/http', 'src/auth', 'src/config', 'src/cli', 'src/ops'], why: 'renderings know the model only' },
  { from: 'src/backends/', forbidden: ['src/rendering', 'src/http', 'src/auth', 'src/config', 'src/cli', 'src/ops'], why: 'backends know the model, the context and errors' },
  { from: 'src/auth/', forbidden: ['src/backends', 'src/http', 'src/config', 'src/cli', 'src/ops'], why: 'authentication produces a context, it does not call backends' },
  { from: 'src/config/', forbidden: ['src/backends', 'src/http', 'src/auth', 'src/cli', 'src/ops', 'src/rendering'], why: 'the CLI hands config what backends declare' },
  { from: 'src/http/', forbidden: ['src/cli', 'src/config', 'src/rendering/text-', 'src/rendering/occi-json', 'src/rendering/uri-list'], why: 'http asks the rendering registry, not a rendering' },
  // `src/cli` above is a prefix of `src/client` too: nothing of the server imports the client.
  { from: 'src/client/', forbidden: ['src/backends', 'src/http', 'src/auth', 'src/config', 'src/cli/', 'src/ops', 'src/context'], why: 'the client is model, renderings and errors only (its package ships nothing else)' },
  { from: 'src/', forbidden: ['test/', 'bench/'], why: 'shipped code and its tests do not reach into test/ or bench/' },
];

describe('import directions', () => {
  const imports = importsUnder('src');

  for (const rule of RULES) {
    it(`${rule.from} does not import ${rule.forbidden.join(', ')} (${rule.why})`, () => {
      const bad = imports.filter((i) => i.file.startsWith(rule.from) && rule.forbidden.some((f) => i.target.startsWith(f)));
      assert.deepEqual(bad.map((b) => `${b.file} → ${b.target}`), []);
    });
  }

  it('shipped code does not import test support (*.testing.ts), only tests and contracts do', () => {
    const testCode = (f: string) => /\.(test|contract|testing)\.ts$/.test(f);
    const bad = imports.filter((i) => !testCode(i.file) && /\.testing(\.js)?$/.test(i.target));
    assert.deepEqual(bad.map((b) => `${b.file} → ${b.target}`), []);
  });

  it('finds the imports it checks (the scanner itself works)', () => {
    assert.ok(imports.some((i) => i.file === 'src/http/app.ts' && i.target === 'src/backends/index.js'));
    assert.ok(imports.length > 200);
  });
});
