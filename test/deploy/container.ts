/**
 * `npm run test:container`: builds deploy/Containerfile, starts the image with
 * the port published on 127.0.0.1, and checks that it answers the query
 * interface, creates a compute and keeps it in its volume across a restart.
 * Where no container engine can build (no Docker daemon, no registry for the
 * base image), it says why and exits 0: it is not part of `npm test`.
 *
 * The engine is docker when its daemon answers, else podman when installed;
 * the environment adapts it to a machine:
 *   CONTAINER_ENGINE="podman --runtime runc"   the engine and its global flags
 *   CONTAINER_BASE=localhost/node:20-bookworm  the base image (--build-arg BASE=)
 *   CONTAINER_BUILD_FLAGS="--isolation chroot --network host"
 *   CONTAINER_RUN_FLAGS="--ulimit nofile=20000:20000"
 * (deploy/offline-base.sh makes a base image where no registry is reachable.)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const words = (v: string | undefined): string[] => (v ?? '').split(/\s+/).filter((w) => w !== '');
const engineAnswers = (cmd: string[]) => spawnSync(cmd[0], [...cmd.slice(1), 'info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
const [ENGINE, ...GLOBAL] = process.env.CONTAINER_ENGINE
  ? words(process.env.CONTAINER_ENGINE)
  : engineAnswers(['docker']) || !engineAnswers(['podman']) ? ['docker'] : ['podman'];
const BUILD_FLAGS = [...words(process.env.CONTAINER_BUILD_FLAGS), ...(process.env.CONTAINER_BASE ? ['--build-arg', `BASE=${process.env.CONTAINER_BASE}`] : [])];
const RUN_FLAGS = words(process.env.CONTAINER_RUN_FLAGS);
const TAG = 'occi-server:test';
const NAME = `occi-server-test-${process.pid}`;
const VOLUME = `${NAME}-data`;

function run(args: string[], timeoutMs = 60_000): { ok: boolean; out: string } {
  const r = spawnSync(ENGINE, [...GLOBAL, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

function skip(why: string): never {
  console.log(`test:container skipped: ${why}`);
  process.exit(0);
}

async function answers(base: string, path: string, init: RequestInit = {}, seconds = 30): Promise<Response> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await fetch(base + path, init);
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function startContainer(): string {
  const started = run(['run', '-d', ...RUN_FLAGS, '--name', NAME, '-p', '127.0.0.1::8787', '-v', `${VOLUME}:/var/lib/occi-server`, TAG, '--allow-anonymous']);
  if (!started.ok) throw new Error(`${ENGINE} run failed:\n${started.out}`);
  const port = run(['port', NAME, '8787/tcp']).out.split('\n')[0].split(':').at(-1);
  return `http://127.0.0.1:${port}`;
}

async function main(): Promise<void> {
  const info = run(['info'], 20_000);
  if (!info.ok) skip(`\`${ENGINE} info\` cannot reach a container engine (${info.out.split('\n').at(-1)})`);
  const build = run(['build', ...BUILD_FLAGS, '-f', 'deploy/Containerfile', '-t', TAG, ...process.argv.slice(2), '.'], 30 * 60_000);
  if (!build.ok) {
    // A base image that cannot be pulled (no registry reachable) is this machine's limit, not a failure of the file.
    if (/pull|manifest|registry|resolve|dial tcp|no such host|i\/o timeout/i.test(build.out)) skip(`the base image cannot be pulled:\n${build.out.slice(-600)}`);
    throw new Error(`${ENGINE} build failed:\n${build.out.slice(-3000)}`);
  }
  try {
    let base = startContainer();
    const qi = await answers(base, '/-/');
    if (qi.status !== 200 || !/occi\.compute/.test(await qi.text())) throw new Error(`GET /-/ answered ${qi.status}`);
    const created = await answers(base, '/compute/', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\n',
    });
    const location = created.headers.get('location');
    if (created.status !== 201 || !location) throw new Error(`POST /compute/ answered ${created.status}`);
    const path = new URL(location).pathname;
    // docker stop sends SIGTERM: the server stops gracefully; the volume keeps the database.
    run(['stop', NAME]);
    run(['rm', NAME]);
    base = startContainer();
    const again = await answers(base, path);
    if (again.status !== 200) throw new Error(`${path} after a restart answered ${again.status}`);
    const version = run(['run', '--rm', ...RUN_FLAGS, TAG, '--version']);
    if (!/^occi-server \d+\.\d+\.\d+/.test(version.out)) throw new Error(`--version printed ${version.out}`);
    console.log(`test:container ok: built ${TAG}, answered on ${base}, kept ${path} across a restart, ${version.out}`);
  } finally {
    run(['rm', '-f', NAME]);
    run(['volume', 'rm', '-f', VOLUME]);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
