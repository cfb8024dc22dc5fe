/**
 * What `occi` shows in a real terminal: run in a tmux pane (a pseudo-terminal
 * of a known size, on a private tmux server), read back with its colours.
 * A table with coloured states; the --wait progress line redrawn in place
 * while the state changes; no colour and no cursor movement in a pipe.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OcciClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { fakeServer, type FakeServer } from './support.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TMUX = '/usr/bin/tmux';
/** The private tmux server's socket, in a directory removed afterwards. */
const SOCKET = join(mkdtempSync(join(tmpdir(), 'occi-tmux-')), 'socket');
const OCCI = `${process.execPath} --import tsx ${ROOT}src/client/cli/main.ts`;

const tmux = (...args: string[]) => run(TMUX, ['-S', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });

/** Runs `command` in a fresh 100×30 pane; `sample` is called with the screen (escapes kept) until `done` holds. */
async function inTerminal(command: string, done: (screen: string) => boolean, sample: (screen: string) => void = () => {}): Promise<string> {
  const name = `t${Math.random().toString(36).slice(2, 8)}`;
  // The pane stays open after the command so that its last screen can be read.
  await tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', `cd ${ROOT} && ${command}; echo "[exit $?]"; sleep 30`);
  try {
    const began = Date.now();
    for (;;) {
      const { stdout } = await tmux('capture-pane', '-p', '-e', '-t', name);
      sample(stdout);
      if (done(stdout)) return stdout;
      if (Date.now() - began > 20_000) throw new Error(`the terminal never showed what was expected:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await tmux('kill-session', '-t', name).catch(() => undefined);
  }
}

describe('occi in a terminal (tmux)', { skip: existsSync(TMUX) ? false : 'tmux is not installed' }, () => {
  let server: TestServer;
  let stepping: FakeServer;
  let env: string;

  before(async () => {
    server = await startTestServer();
    const client = new OcciClient({ endpoint: server.base });
    const vm = await client.create({ kind: 'compute', mixins: ['os_tpl#debian12', 'resource_tpl#large'], attributes: { 'occi.core.title': 'web-1' } });
    await client.create({ kind: 'compute', mixins: ['os_tpl#ubuntu2404', 'resource_tpl#small'], attributes: { 'occi.core.title': 'db-1' } });
    await client.trigger(vm, 'start');
    client.close();
    // A compute that boots: inactive for its first reads, then active (what a cloud does after a create).
    const query = await (await fetch(`${server.base}/-/`, { headers: { Accept: 'text/plain' } })).text();
    let reads = 0;
    stepping = await fakeServer((req) => {
      if (req.url === '/-/') return { headers: { 'Content-Type': 'text/plain' }, body: query };
      if (req.url !== '/compute/vm1') return undefined;
      reads++;
      const state = reads <= 4 ? 'inactive' : 'active';
      const message = reads <= 4 ? `booting (${reads})` : 'running';
      return {
        headers: { 'Content-Type': 'text/plain' },
        body: `Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\nX-OCCI-Attribute: occi.core.id="vm1"\nX-OCCI-Attribute: occi.compute.state="${state}"\nX-OCCI-Attribute: occi.compute.state.message="${message}"\n`,
      };
    });
    env = `env -u NO_COLOR TERM=xterm-256color OCCI_ENDPOINT=${server.base}`;
  });
  after(async () => {
    await tmux('kill-server').catch(() => undefined);
    rmSync(dirname(SOCKET), { recursive: true, force: true });
    await server.stop();
    await stepping.close();
  });

  it('lists computes as an aligned table, states coloured, a dim footer', async () => {
    const screen = await inTerminal(`${env} ${OCCI} list compute`, (s) => s.includes('[exit'));
    assert.match(screen, /\[exit 0\]/);
    const lines = screen.split('\n');
    const header = lines.findIndex((l) => l.includes('TITLE'));
    assert.match(lines[header], /^\u001b\[1mID {36}TITLE  STATE {5}CORES  MEMORY  OS/);
    const titleColumn = lines[header].replace(/\u001b\[[0-9;]*m/g, '').indexOf('TITLE');
    const rows = lines.slice(header + 1, header + 3).map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
    for (const row of rows) assert.ok(['web-1', 'db-1'].includes(row.slice(titleColumn).split(/ +/)[0]), row);
    assert.ok(lines.some((l) => /web-1 +\u001b\[32mactive\u001b\[(0|39)m +4 +4 GiB +Debian 12/.test(l)), screen);
    assert.ok(lines.some((l) => /db-1 +\u001b\[33minactive\u001b\[(0|39)m +1 +1 GiB +Ubuntu 24\.04 LTS/.test(l)), screen);
    assert.match(screen, /\u001b\[2m2 in \/compute\//);
  });

  it('draws --wait progress in place: spinner, state, message, seconds; then a green tick', async () => {
    const frames = new Set<string>();
    const screen = await inTerminal(
      `env -u NO_COLOR TERM=xterm-256color OCCI_ENDPOINT=${stepping.base} OCCI_WAIT_INTERVAL=300 ${OCCI} wait /compute/vm1 active`,
      (s) => s.includes('[exit'),
      (s) => {
        const line = s.split('\n').find((l) => l.includes('waiting for'));
        if (line) frames.add(line.replace(/\u001b\[[0-9;]*m/g, '').trim());
      },
    );
    assert.match(screen, /\[exit 0\]/);
    const seen = [...frames];
    assert.ok(seen.some((f) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for \/compute\/vm1 to be active: inactive \(booting \(\d\)\) · \ds$/.test(f)), seen.join('\n'));
    assert.ok(new Set(seen.map((f) => f[0])).size > 1, `the spinner turns: ${seen.join('\n')}`);
    // One line, redrawn: the screen ends with the outcome alone on the line the progress used.
    assert.match(screen, /\u001b\[32m✓\u001b\[(0|39)m \/compute\/vm1 is active \(\ds\)\n/);
    assert.ok(!/waiting for/.test(screen), screen);
  });

  it('in a pipe: no colour, no cursor movement, progress as plain lines on stderr', async () => {
    const screen = await inTerminal(`${env} ${OCCI} list compute | cat; OCCI_ENDPOINT=${stepping.base} OCCI_WAIT_INTERVAL=50 ${OCCI} wait /compute/vm1 2>&1 | cat`, (s) => s.includes('[exit'));
    assert.ok(!screen.replace(/\[exit 0\]/, '').includes('\u001b[3'), screen);
    assert.match(screen, /^http:\/\/127\.0\.0\.1:\d+\/compute\/\S+$/m);
    assert.match(screen, /^waiting for \/compute\/vm1 to be active$/m);
    assert.match(screen, /^done: \/compute\/vm1 is active \(\ds\)$/m);
  });
});
