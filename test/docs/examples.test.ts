/**
 * Every shell example in README.md and docs/*.md runs (issue 12): each
 * fenced ```sh, ```bash or ```shell block, unless the line before its fence
 * is `<!-- not-run: <reason> -->`. The blocks of one file run in order in
 * one bash, against a fresh server on 127.0.0.1 (port 0): `127.0.0.1:8787`
 * and `localhost:8787` in the examples become its address, so a variable a
 * block sets is there in the next. A block fails when
 * - a command fails (`set -e`), or curl fails (any exit but 23, the write
 *   error of `curl … | head`), or
 * - an answer is 4xx/5xx and that status is not named in one of the
 *   block's comments (`curl -X POST "$VM?action=start"   # 409: …`), or a
 *   status a comment names is not answered (the example no longer shows it).
 * Examples that cannot run here (other backends, TLS, `npm start` itself)
 * carry the marker with the reason; indented code is never run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChildOutput } from '../support/child-output.js';
import { startTestServer } from '../support/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FENCE = /^```(sh|bash|shell)\s*$/;
const NOT_RUN = /^<!--\s*not-run:\s*(.*?)\s*-->$/;

export interface Example {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  /** Why it is not run, when it is marked so. */
  readonly notRun?: string;
}

/** The fenced shell blocks of a Markdown text, in order. */
export function shellExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  let inFence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (inFence !== undefined) {
      if (l.startsWith('```')) inFence = undefined;
      continue;
    }
    if (!l.startsWith('```')) continue;
    inFence = l;
    if (!FENCE.test(l)) continue;
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    let prev = i - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    const marker = prev >= 0 ? NOT_RUN.exec(lines[prev].trim()) : null;
    out.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), ...(marker ? { notRun: marker[1] } : {}) });
    i = end;
    inFence = undefined;
  }
  return out;
}

/** HTTP error statuses a block announces in its comments (`# 409`, `# → 404 Not Found`). */
export function announcedErrors(code: string): Set<number> {
  const out = new Set<number>();
  for (const m of code.matchAll(/(?:^|\s)#([^\n]*)/g)) for (const s of m[1].matchAll(/\b([45]\d\d)\b/g)) out.add(Number(s[1]));
  return out;
}

/** Runs one curl through a wrapper that reports its status (to stderr) and its failures. */
const PRELUDE = `set -e
curl() {
  local rc=0
  command curl -w '%{stderr}@@status %{http_code}\\n' "$@" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 23 ]; then echo "@@curl-exit $rc" >&2; fi
  return "$rc"
}
`;

interface BlockReport {
  readonly example: Example;
  readonly statuses: number[];
  readonly curlExits: number[];
}

/** Runs a file's examples in one bash against `base`; returns what each block did and the shell's exit. */
async function runExamples(examples: readonly Example[], base: string, cwd: string): Promise<{ blocks: BlockReport[]; code: number | null; tail: string }> {
  const { host } = new URL(base);
  const script = PRELUDE + examples.map((e, i) => `echo "@@block ${i}" >&2\n${e.code.replaceAll(/(127\.0\.0\.1|localhost):8787/g, host)}\n`).join('');
  const file = join(cwd, 'examples.sh');
  writeFileSync(file, script);
  const env = { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}` };
  const child = spawn('bash', [file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Only a bounded tail of what bash printed is kept, for the failure messages (issue 16).
  const out = new ChildOutput([child.stdout, child.stderr]);
  const blocks: BlockReport[] = [];
  let current: BlockReport | undefined;
  let pending = '';
  child.stderr.on('data', (c: string) => { // text: ChildOutput set the encoding
    pending += c;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) {
      let m: RegExpExecArray | null;
      if ((m = /^@@block (\d+)$/.exec(l))) blocks.push((current = { example: examples[Number(m[1])], statuses: [], curlExits: [] }));
      else if ((m = /@@status (\d{3})$/.exec(l))) current?.statuses.push(Number(m[1]));
      else if ((m = /^@@curl-exit (\d+)$/.exec(l))) current?.curlExits.push(Number(m[1]));
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { blocks, code, tail: out.tail() };
}

const FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

describe('shell examples in README.md and docs/*.md', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('finds the examples: the README walk-through and the user guide run, every not-run marker gives a reason', () => {
    const readme = shellExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    assert.ok(readme.some((e) => e.notRun === undefined && e.code.includes('action=start')), 'the README walk-through runs');
    const guide = shellExamples(readFileSync(join(ROOT, 'docs/guide.md'), 'utf8'));
    assert.ok(guide.filter((e) => e.notRun === undefined).length >= 10, 'the guide has examples that run');
    for (const file of FILES) {
      for (const e of shellExamples(readFileSync(join(ROOT, file), 'utf8'))) {
        if (e.notRun !== undefined) assert.ok(e.notRun.length >= 8, `${file}:${e.line}: say why it is not run`);
      }
    }
  });

  it('shellExamples() reads fences and markers; announcedErrors() reads statuses from comments only', () => {
    const md = ['```sh', 'echo a', '```', '', '<!-- not-run: needs a real cloud -->', '', '```bash', 'echo b', '```', '```yaml', 'x: 1', '```', '    indented'].join('\n');
    assert.deepEqual(shellExamples(md), [{ line: 1, code: 'echo a' }, { line: 7, code: 'echo b', notRun: 'needs a real cloud' }]);
    assert.deepEqual([...announcedErrors('curl -s "$VM?action=start"   # 409: not valid while active\ncurl x#404')], [409]);
  });

  for (const file of FILES) {
    const examples = shellExamples(readFileSync(join(ROOT, file), 'utf8')).filter((e) => e.notRun === undefined);
    if (examples.length === 0) continue;
    it(`${file}: ${examples.length} example${examples.length > 1 ? 's' : ''} run without an unexpected failure`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'occi-docs-'));
      dirs.push(cwd);
      const server = await startTestServer({ logLevel: 'silent' });
      try {
        const { blocks, code, tail: printed } = await runExamples(examples, server.base, cwd);
        const where = (b: BlockReport | undefined) => (b ? `${file}:${b.example.line}` : file);
        const tail = `\n--- output (last 3000 characters) ---\n${printed.slice(-3000)}`;
        assert.equal(code, 0, `${where(blocks.at(-1))}: the block failed (exit ${code})${tail}`);
        assert.equal(blocks.length, examples.length, `every block ran${tail}`);
        for (const b of blocks) {
          assert.deepEqual(b.curlExits, [], `${where(b)}: curl failed${tail}`);
          assert.ok(!b.statuses.includes(0), `${where(b)}: a curl got no answer${tail}`);
          const announced = announcedErrors(b.example.code);
          const unexpected = b.statuses.filter((s) => s >= 400 && !announced.has(s));
          assert.deepEqual(unexpected, [], `${where(b)}: error statuses its comments do not announce${tail}`);
          const missing = [...announced].filter((s) => !b.statuses.includes(s));
          assert.deepEqual(missing, [], `${where(b)}: error statuses its comments announce but no answer had${tail}`);
        }
      } finally {
        await server.stop();
      }
    });
  }
});
