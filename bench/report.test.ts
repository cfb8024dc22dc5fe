import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Row } from './bench.js';
import { historyLine, withHistory } from './report.js';

const row = (name: string, ratio: number | null, p50: number | null = null): Row => ({
  name, ops_per_s: 1, p50_ms: p50, p99_ms: p50, baseline_ops_per_s: 1, ratio, errors: 0,
});

describe('the bench history in docs/performance.md', () => {
  const rows = [row('get-entity-text', 0.49), row('action-start', 0.24), row('list-10k-json-after-write', null, 32.43)];

  it('writes a line with the date, the commit, each ratio and the after-write latency', () => {
    assert.equal(
      historyLine(rows, 'abc1234+', new Date('2026-11-25T22:00:00Z')),
      '| 2026-11-25 | abc1234+ | 0.49 | – | – | – | 0.24 | – | – | 32.4 |',
    );
  });

  it('adds the table once, then appends newest last, keeping the text around it and the last 30 lines', () => {
    let text = '# Performance\n\nkept\n';
    for (let i = 0; i < 35; i++) text = withHistory(text, `| 2026-11-${String(i).padStart(2, '0')} | c${i} |`);
    assert.ok(text.startsWith('# Performance\n\nkept\n'));
    assert.equal(text.match(/## History/g)?.length, 1);
    const lines = text.split('\n').filter((l) => /^\| 2026-11-\d\d \| c\d+ \|$/.test(l));
    assert.equal(lines.length, 30);
    assert.match(lines[0], /\| c5 \|$/);
    assert.match(lines.at(-1)!, /\| c34 \|$/);
  });
});
