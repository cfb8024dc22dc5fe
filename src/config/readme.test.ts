import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { KEYS } from './schema.js';

describe('README configuration table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = readme.split('\n').filter((l) => l.startsWith('| `--') || l.startsWith('| – |'));

  it('documents every key with its flag, environment variable and file key', () => {
    for (const [key, spec] of Object.entries(KEYS)) {
      if (!spec.flag) continue;
      const row = rows.find((r) => r.startsWith(`| \`--${spec.flag}\` |`));
      assert.ok(row, `a row for --${spec.flag} (${key})`);
      assert.ok(row.includes(`| \`${spec.env}\` |`) && row.includes(`| \`${spec.flag}\` |`), `--${spec.flag}: ${spec.env} and file key ${spec.flag}`);
    }
  });
});
