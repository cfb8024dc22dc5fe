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
    if (first.skipped !== undefined) row.skipped = first.skipped;
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
      r.skipped !== undefined ? `skipped: ${r.skipped.replace(/\|/g, '/')}` : r.value === undefined ? '–' : `${r.value.toFixed(r.unit === 's' ? 3 : r.unit?.startsWith('ops/s') ? 0 : 1)} ${r.unit}`, String(r.errors),
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

/** The commit measured: short id, `+` when the working tree has changes. */
export function commitId(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+' : ''}`;
}

const HISTORY_BEGIN = '<!-- bench:history:begin (a line per full `npm run bench`, newest last; edit outside these markers) -->';
const HISTORY_END = '<!-- bench:history:end -->';
/** The ratios the history keeps, then the one latency target that is not a ratio. */
const HISTORY_RATIOS = [
  'get-entity-text', 'get-entity-json', 'get-query-interface-text', 'get-query-interface-json', 'action-start', 'create-compute-text', 'create-compute-json',
];
const HISTORY_LINES = 30;

/** One history line: date, commit, each ratio, list-10k-json-after-write p50. */
export function historyLine(rows: readonly Row[], commit: string, date = new Date()): string {
  const by = new Map(rows.map((r) => [r.name, r]));
  const ratio = (n: string) => (by.get(n)?.ratio ?? null) === null ? '–' : by.get(n)!.ratio!.toFixed(2);
  const p50 = by.get('list-10k-json-after-write')?.p50_ms;
  return `| ${date.toISOString().slice(0, 10)} | ${commit} | ${HISTORY_RATIOS.map(ratio).join(' | ')} | ${p50 === null || p50 === undefined ? '–' : p50.toFixed(1)} |`;
}

/** Adds `line` to the history table of `text` (made when absent), keeping the last HISTORY_LINES lines. */
export function withHistory(text: string, line: string): string {
  const header = [
    `| date | commit | ${HISTORY_RATIOS.join(' | ')} | list-10k-json-after-write p50 ms |`,
    `| --- | --- | ${HISTORY_RATIOS.map(() => '---:').join(' | ')} | ---: |`,
  ];
  const a = text.indexOf(HISTORY_BEGIN);
  const b = text.indexOf(HISTORY_END);
  const old = a >= 0 && b > a ? text.slice(a + HISTORY_BEGIN.length, b).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| date') && !l.startsWith('| ---')) : [];
  const lines = [...old, line].slice(-HISTORY_LINES);
  const block = [HISTORY_BEGIN, '', ...header, ...lines, '', HISTORY_END].join('\n');
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + HISTORY_END.length);
  return `${text.trimEnd()}\n\n## History\n\nRatios to the baseline of each full run (\`npm run bench\` writes a line), so that a regression shows.\n\n${block}\n`;
}

/** Rewrites the generated part of docs/performance.md, keeping what is written around it, and adds a history line. */
export function writeDocs(file: string, rows: readonly Row[], m: Machine, runs: number, command: string, commit = commitId()): void {
  const generated = [
    BEGIN,
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit} with \`${command}\`` +
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
  writeFileSync(file, withHistory(text, historyLine(rows, commit)));
}
