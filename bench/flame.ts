/**
 * A flame graph (as SVG, no dependencies) of a V8 CPU profile written by
 * `node --cpu-prof`: each box is a function called from the boxes above it,
 * as wide as the share of the samples spent in it and what it called.
 * Frames of one function under the same caller are merged; idle and
 * `(program)` samples are left out and the title says how many there were.
 *
 *   node --import tsx bench/flame.ts CPU.cpuprofile docs/figures/get.svg "GET entity, after"
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One merged frame: its label, the time in it and below it, its callees. */
export interface Frame {
  readonly name: string;
  readonly kind: 'ours' | 'dependency' | 'node' | 'native';
  total: number;
  readonly children: Map<string, Frame>;
}

const LEFT_OUT = new Set(['(idle)', '(program)', '(root)']);

function label(f: ProfileNode['callFrame']): { name: string; kind: Frame['kind'] } {
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return { name: fn, kind: 'native' };
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.url);
  if (m) return { name: `${fn} ${m[1]}`, kind: 'dependency' };
  if (f.url.startsWith('node:')) return { name: `${fn} ${f.url}`, kind: 'node' };
  const file = f.url.replace(/^.*\/(src|bench|test)\//, '$1/');
  return { name: `${fn} ${file}:${f.lineNumber + 1}`, kind: 'ours' };
}

/** The merged call tree of a profile, in microseconds, without idle time. */
export function foldProfile(profile: CpuProfile): { root: Frame; leftOut: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const root: Frame = { name: 'all', kind: 'native', total: 0, children: new Map() };
  let leftOut = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) stack.push(byId.get(id)!);
    stack.reverse();
    const frames = stack.filter((n) => n.callFrame.functionName !== '(root)');
    if (frames.length === 0 || LEFT_OUT.has(frames[frames.length - 1].callFrame.functionName)) {
      leftOut += dt;
      continue;
    }
    root.total += dt;
    let at = root;
    for (const n of frames) {
      const { name, kind } = label(n.callFrame);
      let next = at.children.get(name);
      if (!next) at.children.set(name, (next = { name, kind, total: 0, children: new Map() }));
      next.total += dt;
      at = next;
    }
  }
  return { root, leftOut };
}

const COLOURS: Record<Frame['kind'], string> = { ours: '#f28e2b', dependency: '#59a14f', node: '#4e79a7', native: '#e15759' };
const WIDTH = 1200;
const ROW = 17;

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The SVG of a folded tree: the root's callees side by side, callers on top (an icicle: time flows down). */
export function flameSvg(root: Frame, title: string): string {
  const boxes: string[] = [];
  let depth = 0;
  const walk = (f: Frame, x: number, level: number) => {
    depth = Math.max(depth, level);
    const w = (f.total / root.total) * WIDTH;
    if (w < 0.5) return;
    const share = ((100 * f.total) / root.total).toFixed(1);
    const y = 24 + level * ROW;
    const text = w > 40 ? `<text x="${(x + 3).toFixed(1)}" y="${y + 12}">${escape(fit(f.name, w))}</text>` : '';
    boxes.push(`<g><title>${escape(f.name)}: ${share} %</title><rect x="${x.toFixed(1)}" y="${y}" width="${(w - 0.5).toFixed(1)}" height="${ROW - 1}" fill="${COLOURS[f.kind]}"/>${text}</g>`);
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => b.total - a.total)) {
      walk(c, cx, level + 1);
      cx += (c.total / root.total) * WIDTH;
    }
  };
  let x = 0;
  for (const c of [...root.children.values()].sort((a, b) => b.total - a.total)) {
    walk(c, x, 0);
    x += (c.total / root.total) * WIDTH;
  }
  const height = 24 + (depth + 1) * ROW + 20;
  const legend = (Object.entries(COLOURS) as Array<[Frame['kind'], string]>)
    .map(([k, c], i) => `<rect x="${8 + i * 110}" y="${height - 14}" width="10" height="10" fill="${c}"/><text x="${22 + i * 110}" y="${height - 5}">${k === 'ours' ? 'occi-server' : k === 'node' ? 'Node.js' : k === 'dependency' ? 'dependency' : 'native, GC'}</text>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace" font-size="11">`,
    `<text x="4" y="15" font-size="13">${escape(title)}</text>`,
    ...boxes,
    legend,
    '</svg>',
    '',
  ].join('\n');
}

/** Characters that fit a box of `width` pixels (about 6.6 px each at 11 px monospace). */
function fit(name: string, width: number): string {
  const n = Math.floor((width - 6) / 6.6);
  return name.length <= n ? name : `${name.slice(0, Math.max(0, n - 1))}…`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [input, output, title = input] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node --import tsx bench/flame.ts PROFILE.cpuprofile OUT.svg [TITLE]');
    process.exit(2);
  }
  const { root, leftOut } = foldProfile(JSON.parse(readFileSync(input, 'utf8')) as CpuProfile);
  const busy = (100 * root.total) / (root.total + leftOut);
  writeFileSync(output, flameSvg(root, `${title} (${(root.total / 1000).toFixed(0)} ms of samples shown; idle and (program) left out: ${(100 - busy).toFixed(0)} %)`));
  console.log(`${output}: ${root.children.size} top frames, ${(root.total / 1000).toFixed(0)} ms shown`);
}
