import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { splitPem, type Auth } from '../auth.js';
import { OcciClient } from '../client.js';
import type { MediaTypeChoice } from '../types.js';
import { UsageError } from '../errors.js';
import type { Exchange } from '../transport.js';
import type { Io } from './io.js';
import type { OutputFormat, Style } from './format.js';
import { expandHome } from './values.js';

/** Options every command takes (and rOCCI-cli's names for the same things). */
export const GLOBAL_OPTIONS = {
  endpoint: { type: 'string', short: 'e' },
  auth: { type: 'string', short: 'n' },
  username: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'p' },
  token: { type: 'string', short: 'q' },
  'user-cred': { type: 'string', short: 'x' },
  key: { type: 'string' },
  'ca-path': { type: 'string', short: 'c' },
  'ca-file': { type: 'string', short: 'f' },
  voms: { type: 'boolean', short: 'X' },
  insecure: { type: 'boolean', short: 's' },
  'skip-ca-check': { type: 'boolean' },
  project: { type: 'string' },
  domain: { type: 'string' },
  'keystone-url': { type: 'string' },
  'media-type': { type: 'string', short: 'y' },
  output: { type: 'string', short: 'o' },
  verbose: { type: 'boolean', short: 'V' },
  debug: { type: 'boolean', short: 'd' },
  timeout: { type: 'string', short: 'k' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export type Values = Record<string, string | boolean | string[] | undefined>;

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8787';
export const AUTH_METHODS = ['none', 'basic', 'bearer', 'oidc', 'oauth2', 'token', 'keystone', 'x509', 'digest'] as const;
export const MEDIA_TYPES = ['auto', 'text/plain', 'text/occi', 'application/occi+json', 'text/plain,text/occi'] as const;
export const OUTPUTS: readonly OutputFormat[] = ['table', 'json', 'plain', 'uri'];

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** `--output`, or by where the output goes: a table on a terminal, `fallback` in a pipe. */
export function outputFormat(values: Values, io: Io, fallback: OutputFormat): OutputFormat {
  const given = str(values, 'output');
  if (given === undefined) return io.stdout.isTTY ? 'table' : fallback;
  if (!(OUTPUTS as readonly string[]).includes(given)) throw new UsageError(`--output takes ${OUTPUTS.join(', ')}, not "${given}"`);
  return given as OutputFormat;
}

export function styleOf(values: Values, io: Io): Style {
  const color = io.stdout.isTTY && values['no-color'] !== true && (io.env.NO_COLOR ?? '') === '' && io.env.TERM !== 'dumb';
  const columns = io.stdout.columns ?? 0;
  return { color, width: columns >= 40 ? columns : 100 };
}

/** The media type a `--media-type` value asks for; rOCCI-cli's `text/plain,text/occi` is text/plain. */
export function mediaTypeOf(value: string | undefined): MediaTypeChoice {
  if (value === undefined) return 'auto';
  if (!(MEDIA_TYPES as readonly string[]).includes(value)) throw new UsageError(`--media-type takes ${MEDIA_TYPES.join(', ')}, not "${value}"`);
  return value === 'text/plain,text/occi' ? 'text/plain' : (value as MediaTypeChoice);
}

/** Builds the client the options describe: endpoint, credentials, CAs, media type, time limit, the --verbose trace. */
export async function clientFrom(values: Values, io: Io): Promise<OcciClient> {
  const endpoint = str(values, 'endpoint') ?? io.env.OCCI_ENDPOINT ?? DEFAULT_ENDPOINT;
  const timeout = str(values, 'timeout');
  if (timeout !== undefined && !(Number(timeout) > 0)) throw new UsageError(`--timeout takes seconds (a number above 0), not "${timeout}"`);
  const verbose = values.verbose === true || values.debug === true;
  return new OcciClient({
    endpoint,
    auth: await authFrom(values, io),
    mediaType: mediaTypeOf(str(values, 'media-type') ?? io.env.OCCI_MEDIA_TYPE),
    timeoutMs: timeout === undefined ? undefined : Number(timeout) * 1000,
    ca: caFrom(values, io),
    insecure: values.insecure === true || values['skip-ca-check'] === true,
    onExchange: verbose ? (x) => io.stderr.write(trace(x)) : undefined,
  });
}

async function secret(io: Io, given: string | undefined, prompt: string): Promise<string | undefined> {
  if (given !== undefined) return given;
  return io.askSecret?.(prompt);
}

async function authFrom(values: Values, io: Io): Promise<Auth> {
  const method = str(values, 'auth') ?? io.env.OCCI_AUTH ?? 'none';
  if (!(AUTH_METHODS as readonly string[]).includes(method)) throw new UsageError(`--auth takes ${AUTH_METHODS.filter((m) => m !== 'digest').join(', ')}, not "${method}"`);
  if (values.voms === true && method !== 'x509') throw new UsageError("You cannot use '--voms' without '--auth x509'!");
  const username = str(values, 'username') ?? io.env.OCCI_USERNAME;
  const password = str(values, 'password') ?? io.env.OCCI_PASSWORD;
  const token = str(values, 'token') ?? io.env.OCCI_TOKEN;
  switch (method) {
    case 'none':
      return { type: 'none' };
    case 'basic': {
      if (username === undefined) throw new UsageError('--auth basic needs --username (or OCCI_USERNAME)');
      const pw = await secret(io, password, `Password for ${username}: `);
      if (pw === undefined) throw new UsageError('--auth basic needs --password (or OCCI_PASSWORD)');
      return { type: 'basic', username, password: pw };
    }
    case 'bearer':
    case 'oidc':
    case 'oauth2':
      if (token === undefined) throw new UsageError(`--auth ${method} needs --token (or OCCI_TOKEN): an OIDC access token`);
      return { type: 'bearer', token };
    case 'token':
      if (token === undefined) throw new UsageError('--auth token needs --token (or OCCI_TOKEN): a Keystone token');
      return { type: 'token', token };
    case 'keystone': {
      const project = str(values, 'project') ?? io.env.OS_PROJECT_NAME;
      const domain = str(values, 'domain') ?? io.env.OS_USER_DOMAIN_NAME;
      const url = str(values, 'keystone-url') ?? io.env.OS_AUTH_URL;
      const common = { ...(project ? { project } : {}), ...(domain ? { domain } : {}), ...(url ? { url } : {}) };
      if (token !== undefined) return { type: 'keystone', token, ...common };
      if (username === undefined) throw new UsageError('--auth keystone needs --token, or --username and --password');
      const pw = await secret(io, password, `Keystone password for ${username}: `);
      if (pw === undefined) throw new UsageError('--auth keystone needs --password (or OCCI_PASSWORD)');
      return { type: 'keystone', username, password: pw, ...common };
    }
    case 'x509':
      return x509From(values, io, password);
    default:
      throw new UsageError('--auth digest is not supported by this client; use basic (over HTTPS), or x509, token or keystone');
  }
}

/** rOCCI-cli's credential file: certificate (chain) and key in one PEM, e.g. a VOMS proxy; `--key` when the key is apart. */
async function x509From(values: Values, io: Io, password: string | undefined): Promise<Auth> {
  const file = str(values, 'user-cred') ?? io.env.X509_USER_PROXY ?? expandHome('~/.globus/usercred.pem');
  const text = readText(file, '--user-cred');
  const { cert, key: inline } = splitPem(text);
  const keyFile = str(values, 'key');
  const key = keyFile !== undefined ? splitPem(readText(keyFile, '--key')).key : inline;
  if (cert === '') throw new UsageError(`${file} holds no certificate (PEM "BEGIN CERTIFICATE")`);
  if (key === undefined) throw new UsageError(`${keyFile ?? file} holds no private key; give it with --key`);
  const encrypted = /ENCRYPTED/.test(key);
  const passphrase = encrypted ? await secret(io, password, `Pass phrase for ${keyFile ?? file}: `) : undefined;
  if (encrypted && passphrase === undefined) throw new UsageError(`the key in ${keyFile ?? file} is encrypted: give its pass phrase with --password`);
  return { type: 'x509', cert, key, ...(passphrase !== undefined ? { passphrase } : {}) };
}

/**
 * `--ca-file` and the PEM certificates of `--ca-path` (a directory such as
 * /etc/grid-security/certificates; X509_CERT_DIR, the grid's variable for
 * it, when not given).
 */
function caFrom(values: Values, io: Io): string[] | undefined {
  const out: string[] = [];
  const file = str(values, 'ca-file');
  if (file !== undefined) out.push(readText(file, '--ca-file'));
  const dir = str(values, 'ca-path') ?? io.env.X509_CERT_DIR;
  if (dir !== undefined) {
    let names: string[];
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      names = readdirSync(dir);
    } catch {
      throw new UsageError('Path specified in --ca-path is not a directory!');
    }
    for (const name of names.sort()) {
      if (!/\.(pem|crt|\d+)$/.test(name)) continue;
      try {
        const text = readFileSync(join(dir, name), 'utf8');
        if (text.includes('BEGIN CERTIFICATE')) out.push(text);
      } catch {
        // Unreadable entries (sockets, broken links) are skipped, as OpenSSL's hashed directory lookup would.
      }
    }
  }
  return out.length > 0 ? out : undefined;
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(expandHome(path), 'utf8');
  } catch (err) {
    throw new UsageError(`${option}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** The exchange as `--verbose` shows it, credentials masked, long bodies cut. */
export function trace(x: Exchange): string {
  const lines: string[] = [`> ${x.request.method} ${x.request.url.href}`];
  for (const [name, value] of Object.entries(x.request.headers)) lines.push(`> ${name}: ${mask(name, value)}`);
  if (x.request.body) lines.push('>', ...cutBody(x.request.body.replace(/("password"\s*:\s*")[^"]*"/g, '$1***"')).map((l) => `> ${l}`));
  if (x.error) lines.push(`! ${x.error.message} (${Math.round(x.ms)} ms)`);
  if (x.response) {
    lines.push(`< ${x.response.status} ${x.response.statusText} (${Math.round(x.ms)} ms)`);
    for (const [name, value] of x.response.rawHeaders) lines.push(`< ${name}: ${mask(name, value)}`);
    if (x.response.body) lines.push('<', ...cutBody(x.response.body).map((l) => `< ${l}`));
  }
  return `${lines.join('\n')}\n\n`;
}

function mask(name: string, value: string): string {
  const n = name.toLowerCase();
  if (n === 'authorization') return value.replace(/^(\S+)\s.*$/, '$1 ***');
  if (n === 'x-auth-token' || n === 'x-subject-token') return '***';
  return value;
}

function cutBody(body: string): string[] {
  const text = body.length > 4000 ? `${body.slice(0, 4000)}… (${body.length} characters)` : body;
  return text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
}
