import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../errors.js';
import { ERROR_STATUS } from './error-status.js';

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `(OCCI_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));

  it('lists every error code with the status the table gives it', () => {
    for (const code of ERROR_CODES) assert.equal(rows.get(code), ERROR_STATUS[code], `${code} in docs/errors.md`);
  });

  it('lists no code that does not exist', () => {
    for (const code of rows.keys()) assert.ok((ERROR_CODES as readonly string[]).includes(code), `${code} is not in src/errors.ts`);
  });
});
