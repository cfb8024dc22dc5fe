/**
 * rOCCI-cli 4.x command lines, as its README and `occi --examples`
 * (lib/occi/cli/occi_opts/cli_examples.erb) print them, run unchanged
 * against occi-server: only the endpoint and the placeholders (<OCCI_ID>,
 * instance_id, attribute_name='attribute_value') are filled in. The README's
 * lines use `--auth x509` with rOCCI-cli's defaults: a credential file (here
 * an RFC 3820 proxy holding certificate, chain and key, named by
 * X509_USER_PROXY) and a CA directory (X509_CERT_DIR).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { start, type Started } from '../../src/cli/start.js';
import { DEFAULTS, type Config } from '../../src/config/index.js';
import { makePki, type Pki } from '../../src/auth/pki.testing.js';
import { occi } from './support.js';

/** The templates rOCCI-cli's examples name (os_tpl#debian6, resource_tpl#small), beside ours. */
const TEMPLATES = {
  scheme: 'http://localhost/occi/',
  os: [{ term: 'debian6', title: 'Debian 6 (squeeze)' }, { term: 'debian12', title: 'Debian 12 (bookworm)' }],
  resource: [{ term: 'small', title: 'Small', attributes: { 'occi.compute.cores': 1, 'occi.compute.memory': 1.0 } }],
  defaultOs: 'debian12',
};

async function serve(dir: string, overrides: Partial<Config> = {}): Promise<{ base: string; running: Started }> {
  const running = await start({ ...DEFAULTS, listen: '127.0.0.1', port: 0, ...overrides, backends: { embedded: { dataDir: dir, templates: TEMPLATES } } });
  return { base: `${overrides.tlsCert ? 'https' : 'http'}://127.0.0.1:${running.server.address.port}`, running };
}

/** A documented command line as the shell would split it (quotes removed). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)) out.push(m[0].replace(/"([^"]*)"|'([^']*)'/g, '$1$2'));
  return out[0] === 'occi' ? out.slice(1) : out;
}

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';

describe('rOCCI-cli command lines from its documentation', () => {
  let dir: string;
  let plain: { base: string; running: Started };
  const id: Record<string, string> = {};
  const run = (line: string, env: Record<string, string> = {}) => occi(words(line), { env });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'occi-rocci-'));
    plain = await serve(join(dir, 'plain'));
  });
  after(async () => {
    await plain.running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('occi --examples (no authentication)', () => {
    // `http://localhost:3000/` in the examples: the endpoint, with its trailing slash as printed.
    const E = () => `${plain.base}/`;

    it('Quick reference guide: list and describe templates, create a compute, delete it', async () => {
      const os = await run(`occi --endpoint ${E()} --action list --resource os_tpl`);
      assert.equal(os.code, 0, os.stderr);
      assert.deepEqual(os.stdout, 'http://localhost/occi/os_tpl#debian6\nhttp://localhost/occi/os_tpl#debian12\n');
      assert.equal((await run(`occi --endpoint ${E()} --action list --resource resource_tpl`)).stdout, 'http://localhost/occi/resource_tpl#small\n');
      const described = await run(`occi --endpoint ${E()} --action describe --resource os_tpl#debian6`);
      assert.match(described.stdout, /^#+\n\[\[ http:\/\/localhost\/occi\/os_tpl#debian6 \]\]\ntitle: +Debian 6 \(squeeze\)\nterm: +debian6\nlocation: +\/mixin\/os_tpl\/debian6\/\n#+\n$/);
      const created = await run(`occi --endpoint ${E()} --action create --resource compute --mixin os_tpl#debian6 --mixin resource_tpl#small --attribute occi.core.title="My rOCCI VM"`);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, new RegExp(`^${plain.base}/compute/[^/\\s]+\\n$`));
      const path = new URL(created.stdout.trim()).pathname;
      const gone = await run(`occi --endpoint ${E()} --action delete --resource ${path}`);
      assert.deepEqual([gone.code, gone.stdout, gone.stderr], [0, '', '']);
    });

    it('Creating resources: compute, network and storage with attributes and mixins', async () => {
      for (const [resource, extra] of [
        ['compute', "--attribute occi.core.title='vm1' --mixin os_tpl#debian6"],
        ['network', "--attribute occi.core.title='net1' --attribute occi.network.vlan='num(12)'"],
        ['storage', "--attribute occi.core.title='disk1' --attribute occi.storage.size='float(1.5)'"],
      ]) {
        const r = await run(`occi --endpoint ${E()} --action create ${extra} --resource ${resource}`);
        assert.equal(r.code, 0, `${resource}: ${r.stderr}`);
        id[resource] = new URL(r.stdout.trim()).pathname;
      }
    });

    it('Listing resources: one URL a line for kinds, type ids for template families', async () => {
      for (const res of ['compute', 'network', 'storage']) {
        const r = await run(`occi --endpoint ${E()} --action list --resource ${res}`);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split('\n'), [`${plain.base}${id[res]}`], res);
      }
      for (const res of ['os_tpl', 'resource_tpl']) assert.match((await run(`occi --endpoint ${E()} --action list --resource ${res}`)).stdout, new RegExp(`#\\w+\\n$`));
    });

    it('Describing resources: rOCCI-cli\'s plain blocks for kinds, mixins for template families', async () => {
      const compute = await run(`occi --endpoint ${E()} --action describe --resource compute`);
      assert.match(compute.stdout, new RegExp(`^#+\\n\\[\\[ ${INFRA}compute \\]\\]\\n>> location: ${id.compute}\\nocci\\.core\\.id = \\S+\\nocci\\.core\\.title = vm1\\n`));
      assert.match(compute.stdout, /\nMixins:\n\n {4}\[\[ http:\/\/localhost\/occi\/os_tpl#debian6 \]\]\n {4}title: +Debian 6/);
      assert.match(compute.stdout, /\nActions:\n\n {4}\[\[ http:\/\/schemas\.ogf\.org\/occi\/infrastructure\/compute\/action#start \]\]\n#+\n/);
      assert.match((await run(`occi --endpoint ${E()} --action describe --resource network`)).stdout, /occi\.network\.vlan = 12\n/);
      assert.match((await run(`occi --endpoint ${E()} --action describe --resource storage`)).stdout, /occi\.storage\.size = 1\.5\n/);
      for (const res of ['os_tpl', 'resource_tpl']) assert.match((await run(`occi --endpoint ${E()} --action describe --resource ${res}`)).stdout, /^#+\n\[\[ http:\/\/localhost\/occi\/\w+#\w+ \]\]\ntitle:/);
    });

    it('Linking/unlinking resources: the link\'s URL, then unlink by it', async () => {
      for (const res of ['network', 'storage']) {
        const r = await run(`occi --endpoint ${E()} --action link --resource ${id.compute} --link ${id[res]}`);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, res === 'network' ? /\/networkinterface\/\S+\n$/ : /\/storagelink\/\S+\n$/);
        id[`${res}link`] = new URL(r.stdout.trim()).pathname;
      }
      const described = await run(`occi --endpoint ${E()} --action describe --resource ${id.compute}`);
      assert.match(described.stdout, /\nLinks:\n\n {4}\[\[ http:\/\/schemas\.ogf\.org\/occi\/infrastructure#networkinterface \]\]\n {4}>> location: \/networkinterface\//);
      assert.equal((await run(`occi --endpoint ${E()} --action unlink --resource ${id.storagelink}`)).code, 0);
    });

    it('Triggering actions on resources: by scheme#term and by term, on a kind and on an instance', async () => {
      const start = await run(`occi --endpoint ${E()} --action trigger --trigger-action http://schemas.ogf.org/occi/infrastructure/compute/action#start --resource compute`);
      assert.equal(start.code, 0, start.stderr);
      assert.match((await run(`occi --endpoint ${E()} --action describe --resource ${id.compute}`)).stdout, /occi\.compute\.state = active/);
      assert.equal((await run(`occi --endpoint ${E()} --action trigger --trigger-action stop --attribute method='graceful' --resource ${id.compute}`)).code, 0);
      assert.equal((await run(`occi --endpoint ${E()} --action trigger --trigger-action up --resource network`)).code, 0);
      assert.match((await run(`occi --endpoint ${E()} --action describe --resource ${id.network}`)).stdout, /occi\.network\.state = active/);
    });

    it('Media types: the same listing in each', async () => {
      for (const mt of ['application/occi+json', 'text/plain,text/occi', 'text/plain', 'text/occi']) {
        const r = await run(`occi --endpoint ${E()} --action list --resource compute --media-type ${mt}`);
        assert.deepEqual([r.code, r.stdout], [0, `${plain.base}${id.compute}\n`], mt);
      }
    });

    it('Output formats: plain, json, json_pretty, json_extended, json_extended_pretty', async () => {
      for (const f of ['json', 'json_pretty', 'json_extended', 'json_extended_pretty']) {
        const r = await run(`occi --endpoint ${E()} --action describe --resource compute --output-format ${f}`);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout) as Array<{ kind: string; attributes: { occi: { core: { title: string } } }; links?: unknown[] }>;
        assert.equal(doc[0].kind, `${INFRA}compute`);
        assert.equal(doc[0].attributes.occi.core.title, 'vm1');
        assert.equal(doc[0].links?.length, 1);
        assert.equal(r.stdout.startsWith('[\n{'), f.endsWith('_pretty'), f);
      }
      assert.equal((await run(`occi --endpoint ${E()} --action list --resource os_tpl --output-format json`)).stdout, '["http://localhost/occi/os_tpl#debian6","http://localhost/occi/os_tpl#debian12"]\n');
    });

    it('Discover, dump the model, and rOCCI-cli\'s own checks and messages', async () => {
      const kinds = await run(`occi --endpoint ${E()} --action discover --entity-type link`);
      assert.match(kinds.stdout, /\[\[ http:\/\/schemas\.ogf\.org\/occi\/infrastructure#storagelink \]\]\n>> title: +StorageLink Link\n>> parent: +http:\/\/schemas\.ogf\.org\/occi\/core#link/);
      assert.match((await run(`occi --endpoint ${E()} --dump-model --filter ${INFRA}compute`)).stdout, /Dumping "@kinds":\n\nCategory: compute; scheme=/);
      const missing = await run(`occi --endpoint ${E()} --action create --resource compute --mixin os_tpl#debian6`);
      assert.deepEqual([missing.code, missing.stderr], [2, '[rOCCI-cli] An error occurred! Message: Missing required arguments: attributes\n']);
      assert.match((await run(`occi --endpoint ${E()} --action link --resource ${id.compute} --link ${id.network} --link ${id.storage}`)).stderr, /You can assign only one link at a time!/);
      assert.match((await run(`occi --endpoint ${E()} --voms --action list --resource compute`)).stderr, /You cannot use '--voms' without '--auth x509'!/);
      assert.equal((await run(`occi --endpoint ${E()} --auth digest --username u --password p --action list --resource compute`)).code, 2);
      assert.match((await run('occi --examples')).stdout, /--action create --resource compute --mixin os_tpl#debian12/);
    });

    it('Deleting resources: a whole kind', async () => {
      for (const res of ['compute', 'network', 'storage']) {
        assert.equal((await run(`occi --endpoint ${E()} --action delete --resource ${res}`)).code, 0, res);
        assert.equal((await run(`occi --endpoint ${E()} --action list --resource ${res}`)).stdout, '\n', res);
      }
    });
  });

  describe('README usage lines (--auth x509, a VOMS-style proxy, the CA directory)', () => {
    let pki: Pki;
    let tls: { base: string; running: Started };
    let env: Record<string, string>;
    let E: string;

    before(async () => {
      pki = makePki();
      tls = await serve(join(dir, 'tls'), { auth: ['x509'], tlsCert: pki.path('server.pem'), tlsKey: pki.path('server.key'), tlsCa: pki.path('ca.pem') });
      // One file with the proxy, the user certificate and the proxy's key, as voms-proxy-init writes /tmp/x509up_u<uid>.
      const proxy = join(dir, 'x509up_u1000');
      writeFileSync(proxy, pki.pem('proxy-chain.pem') + pki.pem('proxy.key'));
      const cas = mkdtempSync(join(dir, 'certificates-'));
      writeFileSync(join(cas, 'ca.pem'), pki.pem('ca.pem'));
      env = { X509_USER_PROXY: proxy, X509_CERT_DIR: cas };
      // `https://<ENDPOINT>:<PORT>/` in the README.
      E = `${tls.base}/`;
    });
    after(async () => {
      await tls.running.stop();
      pki.close();
    });

    it('To create a compute resource with mixins, to list, to describe, to delete', async () => {
      const created = await run(`occi --endpoint ${E} --action create --resource compute --mixin os_tpl#debian6 --mixin resource_tpl#small --attribute occi.core.title="My rOCCI VM" --auth x509`, env);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /^https:\/\/127\.0\.0\.1:\d+\/compute\/\S+\n$/);
      const OCCI_ID = created.stdout.trim().slice(created.stdout.lastIndexOf('/') + 1);
      for (const res of ['compute', 'storage', 'network']) {
        assert.equal((await run(`occi --endpoint ${E} --action list --resource ${res} --auth x509`, env)).code, 0, res);
        assert.equal((await run(`occi --endpoint ${E} --action describe --resource ${res} --auth x509`, env)).code, 0, res);
      }
      const described = await run(`occi --endpoint ${E} --action describe --resource /compute/${OCCI_ID} --auth x509`, env);
      assert.match(described.stdout, new RegExp(`occi\\.core\\.id = ${OCCI_ID}\\nocci\\.core\\.title = My rOCCI VM\\n`));
      assert.match((await run(`occi --endpoint ${E} --action list --resource os_tpl --auth x509`, env)).stdout, /os_tpl#debian6/);
      assert.match((await run(`occi --endpoint ${E} --action describe --resource resource_tpl#small --auth x509`, env)).stdout, /term: +small/);
      assert.equal((await run(`occi --endpoint ${E} --action delete --resource /compute/${OCCI_ID} --auth x509`, env)).code, 0);
    });

    it('Authentication lines: --user-cred and --voms with --ca-path; a server refusing no certificate', async () => {
      const proxy = env.X509_USER_PROXY;
      const line = `occi --endpoint ${E} --auth x509 --user-cred ${proxy} --ca-path ${env.X509_CERT_DIR} --voms --action list --resource compute`;
      assert.equal((await run(line, {})).code, 0);
      const anonymous = await run(`occi --endpoint ${E} --action list --resource compute`, { X509_CERT_DIR: env.X509_CERT_DIR });
      assert.equal(anonymous.code, 4);
      assert.match(anonymous.stderr, /401 Unauthorized/);
      const untrusted = await run(`occi --endpoint ${E} --action list --resource compute --auth x509`, { X509_USER_PROXY: proxy });
      assert.equal(untrusted.code, 7);
      assert.match(untrusted.stderr, /not trusted/);
    });
  });
});
