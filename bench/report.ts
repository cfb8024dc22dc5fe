/** The bench's outputs: the table on the terminal, results JSON, and the generated part of docs/performance.md. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { judge, median, type Row } from './bench.js';

/** Per scenario, the median of each figure over several runs; errors add up. */
export function medianRows(runs: readonly Row[][]): Row[] {
  if (runs.length === 1) return runs[0];
  return runs[0].map((first) => {
    const all = runs.map((rows) => rows.find((r) => r.name === first.name)).filter((r): r is Row => r !== undefined);
    const med = (pick: (r: Row) => number | null | undefined): number | null => {
      const values = all.map(pick).filter((v): v is number => typeof v === 'number');
      return values.length === 0 ? null : median(values);
    };
    const row: Row = {
      name: first.name,
      ops_per_s: med((r) => r.ops_per_s),
      p50_ms: med((r) => r.p50_ms),
      p99_ms: med((r) => r.p99_ms),
      baseline_ops_per_s: med((r) => r.baseline_ops_per_s),
      ratio: med((r) => r.ratio),
      errors: all.reduce((n, r) => n + r.errors, 0),
    };
    if (first.value !== undefined) {
      row.value = med((r) => r.value) ?? undefined;
      row.unit = first.unit;
    }
    return judge(row);
  });
}

const fmt = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? '–' : v.toFixed(digits));

/** A Markdown table (also what the terminal shows). */
export function table(rows: readonly Row[]): string {
  const out = [
    '| scenario | ops/s | p50 ms | p99 ms | baseline ops/s | ratio | other | errors | target | met |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    out.push(`| ${[
      r.name, fmt(r.ops_per_s, 0), fmt(r.p50_ms, 2), fmt(r.p99_ms, 2), fmt(r.baseline_ops_per_s, 0), fmt(r.ratio, 2),
      r.value === undefined ? '–' : `${r.value.toFixed(r.unit === 's' ? 3 : 1)} ${r.unit}`, String(r.errors),
      r.target ?? '–', r.met === true ? 'yes' : r.met === false ? '**no**' : '–',
    ].join(' | ')} |`);
  }
  return out.join('\n');
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly node: string;
  readonly generator: string;
  readonly disk: string;
}

export function machine(generator: string, dataDir: string): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux
  }
  const df = spawnSync('df', ['-h', '--output=source,fstype,size', dataDir], { encoding: 'utf8' });
  const disk = df.status === 0 ? df.stdout.trim().split('\n').slice(-1)[0].replace(/\s+/g, ' ') : 'unknown';
  return {
    cpu, cores: availableParallelism(), memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`, node: process.version, generator, disk,
  };
}

const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/** Rewrites the generated part of docs/performance.md, keeping what is written around it. */
export function writeDocs(file: string, rows: readonly Row[], m: Machine, runs: number, command: string): void {
  const generated = [
    BEGIN,
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${command}\`` +
      (runs > 1 ? `: the median of ${runs} runs.` : '.'),
    '',
    table(rows),
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.memory} RAM, Node ${m.node}; load generator ${m.generator}; ` +
      `data directory on ${m.disk}.`,
    '',
    END,
  ].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + generated + text.slice(b + END.length);
  else text = `# Performance\n\n${generated}\n${text}`;
  writeFileSync(file, text);
}
