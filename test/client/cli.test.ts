/**
 * `occi`, the command, end to end against occi-server on loopback (run in
 * process, output captured as a pipe or as a terminal would get it): every
 * verb, the output formats, the progress display, exit codes and messages,
 * help and completion.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../../src/client/cli/exit.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { occi } from './support.js';

const ESC = '\u001b[';
const execFileAsync = promisify(execFile);

describe('occi against occi-server', () => {
  let server: TestServer;
  let dir: string;
  let run: (argv: string[], options?: Parameters<typeof occi>[1]) => ReturnType<typeof occi>;
  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'occi-cli-'));
    writeFileSync(join(dir, 'id.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice@laptop\n');
    writeFileSync(join(dir, 'cloud-init.yaml'), '#cloud-config\npackages: [nginx]\n');
    run = (argv, options = {}) => occi(argv, { ...options, env: { OCCI_ENDPOINT: server.base, ...options.env } });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the walk-through of the README', () => {
    let vm: string;
    let lan: string;
    let data: string;

    it('discovers the templates (type ids in a pipe, a table on a terminal)', async () => {
      const piped = await run(['discover', '--templates']);
      assert.equal(piped.code, 0, piped.stderr);
      assert.ok(piped.stdout.split('\n').includes('http://localhost/occi/os_tpl#debian12'));
      const tty = await run(['discover', '--templates'], { tty: true });
      assert.match(tty.stdout, /TEMPLATES os_tpl/);
      assert.match(tty.stdout, /small +A small Compute instance +cores=1 memory=1/);
    });

    it('creates a compute from templates with an ssh key and user data; prints only its URL in a pipe', async () => {
      const r = await run(['create', 'compute', '--os', 'debian12', '--size', 'small', '--title', 'web-1', '--ssh-key', `@${join(dir, 'id.pub')}`, '--user-data', `@${join(dir, 'cloud-init.yaml')}`]);
      assert.equal(r.code, 0, r.stderr);
      vm = r.stdout.trim();
      assert.match(vm, new RegExp(`^${server.base}/compute/[^/\\s]+$`));
      const shown = JSON.parse((await run(['show', 'web-1'])).stdout) as { attributes: Record<string, string>; mixins: string[] };
      assert.equal(shown.attributes['occi.credentials.ssh.publickey'], 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice@laptop');
      assert.equal(Buffer.from(shown.attributes['occi.compute.userdata'], 'base64').toString(), '#cloud-config\npackages: [nginx]\n');
      assert.ok(shown.mixins.includes('http://localhost/occi/resource_tpl#small'));
    });

    it('starts it and waits for active: progress lines on stderr without colour in a pipe', async () => {
      const r = await run(['do', 'web-1', 'start', '--wait']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), vm);
      assert.match(r.stderr, /^waiting for web-1 to be active\n\d+s active\ndone: web-1 is active \(\d+s\)\n$/);
      assert.ok(!r.stderr.includes(ESC));
    });

    it('draws the progress line in place on a terminal', async () => {
      const r = await run(['wait', 'web-1', 'active'], { tty: true });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\r\u001b\[2K.*waiting for web-1 to be active: /);
      assert.match(r.stderr, /\u001b\[32m✓\u001b\[0m web-1 is active \(\d+s\)\n$/);
    });

    it('creates a network and a storage and links the compute to both', async () => {
      lan = (await run(['create', 'network', '--title', 'lan', '--mixin', 'ipnetwork', '--attribute', 'occi.network.address=10.1.0.0/24'])).stdout.trim();
      data = (await run(['create', 'storage', '--title', 'data', '--attribute', 'occi.storage.size=10'])).stdout.trim();
      assert.match(lan, /\/network\//);
      assert.match(data, /\/storage\//);
      const nic = await run(['link', 'web-1', 'lan']);
      assert.match(nic.stdout, /\/networkinterface\/\S+\n$/);
      const disk = await run(['link', 'web-1', 'data', '--attribute', 'occi.storagelink.mountpoint=/srv'], { tty: true });
      assert.match(disk.stdout, /linked.* http:\/\/\S+\/storagelink\/\S+/);
    });

    it('shows the compute: a table on a terminal (coloured state, links), name = value lines, JSON', async () => {
      const tty = await run(['show', 'web-1'], { tty: true });
      assert.match(tty.stdout, /State(\u001b\[0m)? +\u001b\[32mactive\u001b\[0m/);
      assert.match(tty.stdout, /Actions(\u001b\[0m)? +stop, restart, suspend, save/);
      assert.match(tty.stdout, /networkinterface +\/network\/\S+ +.*active/);
      assert.match(tty.stdout, /storagelink +\/storage\/\S+ +.*\/srv/);
      const plain = await run(['show', 'web-1', '-o', 'plain']);
      assert.match(plain.stdout, /^occi\.core\.title = web-1$/m);
      assert.match(plain.stdout, /^action = http:\/\/schemas\.ogf\.org\/occi\/infrastructure\/compute\/action#stop$/m);
      const json = JSON.parse((await run(['show', vm])).stdout) as { links: unknown[]; location: string };
      assert.equal(json.location, vm);
      assert.equal(json.links.length, 2);
      const noColor = await run(['show', 'web-1'], { tty: true, env: { NO_COLOR: '1' } });
      assert.ok(!noColor.stdout.includes(ESC));
    });

    it('lists and filters computes: a table with a footer on a terminal, URLs in a pipe', async () => {
      await run(['create', 'compute', '--os', 'cirros06', '--size', 'medium', '--title', 'web-2']);
      const table = await run(['list', 'compute'], { tty: true, env: { NO_COLOR: '1' } });
      const lines = table.stdout.split('\n');
      assert.match(lines[0], /^ID +TITLE +STATE +CORES +MEMORY +OS$/);
      assert.ok(lines.some((l) => /web-1 +active +1 +1 GiB +Debian 12/.test(l)), table.stdout);
      assert.ok(lines.some((l) => /web-2 +inactive +2 +2 GiB +CirrOS/.test(l)), table.stdout);
      assert.match(table.stdout, /2 in \/compute\/\n$/);
      assert.deepEqual((await run(['list', 'compute', '--state', 'active'])).stdout, `${vm}\n`);
      assert.deepEqual((await run(['list', 'compute', '--mixin', 'os_tpl#debian12'])).stdout, `${vm}\n`);
      assert.deepEqual((await run(['list', 'compute', '--filter', 'occi.compute.cores=2', '-o', 'plain'])).stdout.split('\t')[2], 'web-2');
      const json = JSON.parse((await run(['list', 'compute', '--title', 'web-1', '-o', 'json'])).stdout) as unknown[];
      assert.equal(json.length, 1);
    });

    it('updates, tags and untags with a user mixin', async () => {
      assert.equal((await run(['update', 'web-2', '--title', 'web-3'])).code, 0);
      assert.equal((await run(['mixin', 'define', 'prod', '--title', 'Production'])).stdout, `${server.base}/occi/tags#prod\n`);
      assert.equal((await run(['mixin', 'add', 'prod', 'web-1', 'web-3'])).code, 0);
      assert.equal((await run(['list', 'prod'])).stdout.split('\n').filter(Boolean).length, 2);
      assert.equal((await run(['mixin', 'remove', 'prod', 'web-3'])).code, 0);
      assert.deepEqual((await run(['list', 'prod'])).stdout, `${vm}\n`);
      assert.equal((await run(['mixin', 'remove', 'prod', 'web-1'])).code, 0);
      assert.equal((await run(['mixin', 'delete', 'prod'])).code, 0);
    });

    it('acts on it with parameters, saves it as a template, unlinks by source and target', async () => {
      assert.equal((await run(['do', 'web-1', 'stop', '--param', 'method=graceful', '--wait'])).code, 0);
      const saved = await run(['do', 'web-3', 'save', '--param', 'name=web-golden']);
      assert.equal(saved.code, 5, 'save needs an active compute');
      assert.equal((await run(['do', 'web-1', 'start'])).code, 0);
      assert.match((await run(['do', 'web-1', 'save', '--param', 'name=web-golden'])).stdout, /os_tpl#web-golden\n$/);
      assert.equal((await run(['unlink', 'web-1', 'data'])).code, 0);
      const json = JSON.parse((await run(['show', 'web-1'])).stdout) as { links: unknown[] };
      assert.equal(json.links.length, 1);
    });

    it('deletes the compute; showing it then is "not found" (exit 3)', async () => {
      assert.deepEqual(await run(['delete', 'web-1']), { code: 0, stdout: `${vm}\n`, stderr: '' });
      const gone = await run(['show', vm]);
      assert.equal(gone.code, EXIT.NOT_FOUND);
      assert.match(gone.stderr, /^occi: 404 Not Found: no entity at \/compute\/\S+ \(GET /);
      assert.equal((await run(['delete', 'compute', '--all'])).code, 0);
      assert.equal((await run(['list', 'compute'])).stdout, '');
    });
  });

  for (const mediaType of ['text/plain', 'text/occi', 'application/occi+json']) {
    it(`every verb in ${mediaType}`, async () => {
      const m = (argv: string[]) => run(['--media-type', mediaType, ...argv]);
      const tag = mediaType.replace(/\W/g, '');
      const ok = async (argv: string[]) => {
        const r = await m(argv);
        assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
        return r.stdout.trim();
      };
      assert.match(await ok(['discover', '--kind']), /#compute$/m);
      const vm = await ok(['create', 'compute', '--os', 'debian12', '--size', 'small', '--title', `vm-${tag}`]);
      const net = await ok(['create', 'network', '--title', `net-${tag}`]);
      const disk = await ok(['create', 'storage', '--title', `disk-${tag}`, '--attribute', 'occi.storage.size=1']);
      assert.equal(await ok(['do', vm, 'start', '--wait']), vm);
      assert.match(await ok(['link', vm, net]), /\/networkinterface\//);
      const sl = await ok(['link', vm, disk]);
      assert.equal(await ok(['update', vm, '--title', `vm2-${tag}`]), vm);
      const shown = JSON.parse(await ok(['show', vm])) as { attributes: Record<string, unknown>; links: unknown[] };
      assert.deepEqual([shown.attributes['occi.core.title'], shown.links.length], [`vm2-${tag}`, 2]);
      assert.ok((await ok(['list', 'compute', '--state', 'active'])).split('\n').includes(vm));
      await ok(['mixin', 'define', `tag-${tag}`]);
      await ok(['mixin', 'add', `tag-${tag}`, vm]);
      assert.equal(await ok(['list', `tag-${tag}`]), vm);
      await ok(['mixin', 'remove', `tag-${tag}`, vm]);
      await ok(['mixin', 'delete', `tag-${tag}`]);
      assert.equal(await ok(['unlink', sl]), sl);
      assert.equal(await ok(['wait', vm]), vm);
      await ok(['delete', vm, net, disk]);
    });
  }

  describe('errors and exit codes', () => {
    it('shows the server\'s reason for a refused request (exit 5)', async () => {
      const r = await run(['create', 'storage', '--title', 'x']);
      assert.equal(r.code, EXIT.REFUSED);
      assert.match(r.stderr, /^occi: 400 Bad Request: .*occi\.storage\.size/);
    });

    it('names what the server offers for an unknown template or kind (exit 3)', async () => {
      const r = await run(['create', 'compute', '--os', 'debian6']);
      assert.equal(r.code, EXIT.NOT_FOUND);
      assert.match(r.stderr, /no os_tpl template "debian6"; it offers: debian12, ubuntu2404/);
      assert.equal((await run(['list', 'computers'])).code, EXIT.NOT_FOUND);
    });

    it('refuses a bad command line (exit 2) and points to help', async () => {
      const unknown = await run(['lst', 'compute']);
      assert.equal(unknown.code, EXIT.USAGE);
      assert.match(unknown.stderr, /unknown command "lst"; did you mean list\?/);
      const option = await run(['create', 'compute', '--colour']);
      assert.equal(option.code, EXIT.USAGE);
      assert.match(option.stderr, /occi help create/);
      assert.equal((await run(['create', 'compute', '--attribute', 'occi.compute.cores=many'])).code, EXIT.USAGE);
      assert.equal((await run(['show'])).code, EXIT.USAGE);
      assert.equal((await run(['list', 'compute', '-o', 'yaml'])).code, EXIT.USAGE);
    });

    it('reports no connection (exit 7) and a wait that runs out (exit 8)', async () => {
      const refused = await occi(['discover'], { env: { OCCI_ENDPOINT: 'http://127.0.0.1:9' } });
      assert.equal(refused.code, EXIT.CONNECTION);
      assert.match(refused.stderr, /cannot connect to http:\/\/127\.0\.0\.1:9: connection refused/);
      await run(['create', 'compute', '--title', 'idle']);
      const waited = await run(['wait', 'idle', 'active', '--wait-timeout', '0.2']);
      assert.equal(waited.code, EXIT.WAIT);
      assert.match(waited.stderr, /failed: .* is still inactive after \d+ s, not active; start it with: occi do http:\S+ start/);
      await run(['delete', 'idle']);
    });

    it('--verbose shows the exchange on stderr', async () => {
      const r = await run(['-V', 'list', 'compute', '--media-type', 'text/plain']);
      assert.match(r.stderr, /^> GET http:\/\/127\.0\.0\.1:\d+\/-\/\n> User-Agent: occi-client\/[\d.]+ OCCI\/1\.2\n> Accept: text\/plain\n< 200 OK \(\d+ ms\)\n< Server: occi-server/);
      assert.match(r.stderr, /> GET http:\/\/127\.0\.0\.1:\d+\/compute\//);
    });
  });

  describe('help and completion', () => {
    it('occi --help lists every command, the options and the exit codes', async () => {
      const r = await occi(['--help']);
      assert.equal(r.code, 0);
      for (const c of ['discover', 'list', 'show', 'create', 'update', 'delete', 'do', 'link', 'unlink', 'mixin', 'wait', 'completion']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
      assert.match(r.stdout, /--endpoint URL +the OCCI server \(env OCCI_ENDPOINT/);
      assert.match(r.stdout, /Exit codes:\n  0  done/);
      assert.equal((await occi([])).code, EXIT.USAGE);
      assert.match((await occi(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/);
    });

    it('the README\'s table of exit codes is the command\'s', async () => {
      const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
      const rows = [...readme.matchAll(/^\| (\d) \| (.+) \|$/gm)].map((m) => Number(m[1]));
      assert.deepEqual(rows, Object.values(EXIT));
      const help = (await occi(['--help'])).stdout;
      for (const code of Object.values(EXIT)) assert.match(help, new RegExp(`^  ${code}  \\S`, 'm'));
    });

    it('per-command help has usage, options and examples', async () => {
      for (const argv of [['help', 'create'], ['create', '--help']]) {
        const r = await occi(argv);
        assert.equal(r.code, 0);
        assert.match(r.stdout, /^Usage: occi create KIND/m);
        assert.match(r.stdout, /--ssh-key KEY\|@FILE/);
        assert.match(r.stdout, /Examples:\n  occi create compute --os debian12/);
      }
      assert.match((await occi(['help', 'rocci'])).stdout, /--action ACTION --resource RESOURCE/);
    });

    it('prints bash and zsh completion scripts the shells accept', async () => {
      for (const shell of ['bash', 'zsh']) {
        const r = await occi(['completion', shell]);
        assert.equal(r.code, 0);
        assert.match(r.stdout, shell === 'bash' ? /complete -F _occi occi/ : /#compdef occi/);
        const check = spawnSync(shell, ['-n'], { input: r.stdout, encoding: 'utf8' });
        if (check.error && (check.error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        assert.equal(check.status, 0, check.stderr);
      }
    });

    it('bash completion completes commands, options and kinds from the server', async () => {
      const script = (await occi(['completion', 'bash'])).stdout;
      const file = join(dir, 'complete.bash');
      const bin = join(dir, 'bin');
      writeFileSync(file, script);
      spawnSync('mkdir', ['-p', bin]);
      writeFileSync(join(bin, 'occi'), `#!/bin/sh\nexec ${process.execPath} --import tsx ${join(process.cwd(), 'src/client/cli/main.ts')} "$@"\n`, { mode: 0o755 });
      const complete = async (line: string) => {
        const words = line.split(' ');
        // Without NODE_TEST_CONTEXT: a node started with it reports to this test runner instead of printing.
        const { NODE_TEST_CONTEXT: _, ...env } = process.env;
        // Asynchronously: the server answering `occi __complete` runs in this process.
        const out = await execFileAsync('bash', ['-c', `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _occi; printf '%s\\n' "\${COMPREPLY[@]}"`], {
          encoding: 'utf8', env: { ...env, PATH: `${bin}:${process.env.PATH}`, OCCI_ENDPOINT: server.base }, cwd: process.cwd(),
        });
        return out.stdout.trim().split('\n').filter(Boolean);
      };
      assert.deepEqual(await complete('occi cr'), ['create']);
      assert.ok((await complete('occi create --s')).includes('--size'));
      assert.deepEqual(await complete('occi list sto'), ['storage', 'storagelink']);
      assert.deepEqual(await complete('occi create compute --os deb'), ['debian12']);
      assert.deepEqual(await complete('occi -o j'), ['json']);
    });

    it('zsh completion offers the same (compadd stubbed to print)', { skip: spawnSync('zsh', ['-c', 'true']).error ? 'zsh is not installed' : false }, async () => {
      const file = join(dir, '_occi');
      writeFileSync(file, (await occi(['completion', 'zsh'])).stdout);
      const bin = join(dir, 'bin');
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const offer = async (...words: string[]) => {
        const script = [
          `source ${file}`,
          'compadd() { local a; for a in "$@"; do [[ $a == -- ]] || print -r -- "$a"; done; }',
          '_describe() { local name=${@[-1]}; print -l -- ${${(P)name}%%:*}; }',
          `words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; PREFIX='${words.at(-1)}'; _occi`,
        ].join('\n');
        const out = await execFileAsync('zsh', ['-f', '-c', script], { encoding: 'utf8', env: { ...env, PATH: `${bin}:${process.env.PATH}`, OCCI_ENDPOINT: server.base }, cwd: process.cwd() });
        return out.stdout.trim().split('\n').filter(Boolean);
      };
      assert.ok((await offer('occi', '')).includes('create'));
      assert.deepEqual((await offer('occi', 'create', 'compute', '--os', '')).slice(0, 4), ['debian12', 'ubuntu2404', 'almalinux9', 'cirros06']);
      assert.deepEqual(await offer('occi', '-o', ''), ['table', 'json', 'plain', 'uri']);
    });
  });
});
