import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { backendSettings } from '../src/backends/index.js';
import { KEYS } from '../src/config/schema.js';

describe('README configuration table', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const rows = readme.split('\n').filter((l) => l.startsWith('| `--') || l.startsWith('| – |'));

  it('documents every key with its flag, environment variable and file key', () => {
    for (const [key, spec] of Object.entries(KEYS)) {
      if (!spec.flag) continue;
      const row = rows.find((r) => r.startsWith(`| \`--${spec.flag}\` |`));
      assert.ok(row, `a row for --${spec.flag} (${key})`);
      assert.ok(row.includes(`| \`${spec.env}\` |`) && row.includes(`| \`${spec.flag}\` |`), `--${spec.flag}: ${spec.env} and file key ${spec.flag}`);
    }
  });

  it("documents every backend's settings with the file key of its section", () => {
    for (const [name, settings] of Object.entries(backendSettings())) {
      for (const [key, s] of Object.entries(settings)) {
        const fileKey = `backends.${name}.${s.flag || key}`;
        const row = s.flag ? rows.find((r) => r.startsWith(`| \`--${s.flag}\` |`)) : readme.split('\n').find((l) => l.includes(`\`${fileKey}\``));
        assert.ok(row, `a row for ${fileKey}`);
        // A setting several backends share (--store) names each backend's file key in its one row.
        const fileKeys = s.flag ? (row.split('|')[3] ?? '').split(',').map((k) => k.trim()) : [];
        if (s.flag) assert.ok(row.includes(`| \`${s.env}\` |`) && fileKeys.includes(`\`${fileKey}\``), `--${s.flag}: ${s.env} and file key ${fileKey}`);
      }
    }
  });
});
