import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

/**
 * A throw-away PostgreSQL cluster for tests: `initdb` into a temporary
 * directory and `pg_ctl start` on 127.0.0.1 with a free port, its socket in
 * that directory, as an unprivileged user (root cannot run initdb: the
 * Debian `postgres` user then, through runuser). `stop()` stops it and
 * removes the directory. fsync is off: the tests kill occi-server
 * instances, never PostgreSQL, and commits stay synchronous.
 *
 * @example
 * const cluster = await startPostgres();
 * const url = await cluster.createDatabase('contract');
 * ...
 * await cluster.stop();
 */
export interface PostgresCluster {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<db>` */
  url(db: string): string;
  /** A new, empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Where Debian's (or PATH's) initdb and pg_ctl are, or undefined. */
export function postgresBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

/** Why no cluster can be started here, or undefined when one can. */
export function postgresUnavailable(): string | undefined {
  if (!postgresBinDir()) return 'no PostgreSQL (initdb not found; apt-get install postgresql)';
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres user to run initdb as';
    }
  }
  return undefined;
}

export async function startPostgres(): Promise<PostgresCluster> {
  const reason = postgresUnavailable();
  if (reason) throw new Error(reason);
  const bin = postgresBinDir()!;
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'occi-pg-'));
  const data = join(dir, 'data');
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const cmd = join(bin, tool);
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir }).toString();
  };
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    run('pg_ctl', [
      '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60',
      '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`PostgreSQL did not start: ${e.stderr?.toString() || e.message}`);
  }
  let stopped = false;
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    port,
    url,
    createDatabase: (name) => freshDatabase(url('postgres'), name, url),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}


/** Empties a database the embedded backend has migrated (between contract cases). */
export async function truncateStore(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('TRUNCATE entities, memberships, mixins, owners RESTART IDENTITY CASCADE');
  } catch (err) {
    // Not migrated yet: nothing to empty.
    if ((err as { code?: string }).code !== '42P01') throw err;
  } finally {
    await client.end();
  }
}

/**
 * The cluster a test uses: the one `npm run test:postgres` started (its
 * admin URL in OCCI_TEST_POSTGRES; stopping it is the runner's), else one of
 * the test's own.
 */
export async function testCluster(): Promise<PostgresCluster> {
  const given = process.env.OCCI_TEST_POSTGRES;
  if (!given) return startPostgres();
  const base = new URL(given);
  const url = (db: string) => {
    const u = new URL(base);
    u.pathname = `/${db}`;
    return u.toString();
  };
  return {
    port: Number(base.port),
    url,
    createDatabase: (name) => freshDatabase(given, name, url),
    async stop() {},
  };
}

/** Drops and creates database `name` through the admin connection `admin`; its URL. */
async function freshDatabase(admin: string, name: string, url: (db: string) => string): Promise<string> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return url(name);
}
