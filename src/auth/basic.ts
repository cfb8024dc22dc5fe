import { createHash, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AuthenticationError } from '../errors.js';
import { readBasic } from './_basic-header.js';
import { PASSWORDS } from './_password-pool.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';

export interface BasicOptions {
  /** Apache htpasswd file: `user:hash` lines, bcrypt (`$2y$`, `$2b$`, `$2a$`) or `{SHA}`. */
  readonly htpasswd: string;
  readonly realm?: string;
}

/**
 * HTTP Basic (RFC 7617) against an Apache htpasswd file, re-read whenever the
 * file changes (checked on each request, by size, mtime and inode). bcrypt is
 * slow on purpose: it runs in worker threads (_password-pool.ts), never on the
 * event loop, and a verified user:password pair is remembered until the
 * user's line changes. An unknown user is checked against a dummy hash of the
 * file's highest bcrypt cost, so a refusal takes as long whether the user
 * exists or not (no user enumeration by timing).
 */
export class BasicAuthenticator implements Authenticator {
  readonly scheme = 'basic';
  readonly challenge: string;
  readonly #file: string;
  #users = new Map<string, string>();
  #stamp = '';
  #verified = new Map<string, string>();
  /** What an unknown user's password is checked against: as slow as a real user's. */
  #dummy: string | undefined;

  constructor(options: BasicOptions) {
    this.#file = options.htpasswd;
    this.challenge = `Basic realm="${options.realm ?? 'occi-server'}", charset="UTF-8"`;
  }

  /** Reads the file now; start-up calls it so a missing file stops the server with a clear message. */
  async load(): Promise<void> {
    // statSync: a few microseconds, where a threadpool round trip costs tens on every request.
    const s = statSync(this.#file);
    const stamp = `${s.size}:${s.mtimeMs}:${s.ino}`;
    if (stamp === this.#stamp) return;
    this.#users = parseHtpasswd(await readFile(this.#file, 'utf8'));
    this.#dummy = dummyHash(this.#users.values());
    this.#stamp = stamp;
    this.#verified.clear();
  }

  async authenticate(req: AuthRequest): Promise<Identity | undefined> {
    const basic = readBasic(req.headers.authorization);
    if (!basic) return undefined;
    const { user, password } = basic;
    try {
      await this.load();
    } catch {
      // A file being rewritten: keep the users we had.
    }
    const hash = this.#users.get(user);
    if (hash === undefined) {
      if (this.#dummy !== undefined) await verifyPassword(password, this.#dummy);
      throw new AuthenticationError('wrong user name or password');
    }
    if (!(await this.#check(user, password, hash))) throw new AuthenticationError('wrong user name or password');
    return { user, groups: [], scheme: 'basic' };
  }

  async #check(user: string, password: string, hash: string): Promise<boolean> {
    const key = `${user}\u0000${createHash('sha256').update(password).digest('base64')}`;
    if (this.#verified.get(key) === hash) return true;
    const ok = await verifyPassword(password, hash);
    if (ok) {
      if (this.#verified.size > 10_000) this.#verified.clear();
      this.#verified.set(key, hash);
    }
    return ok;
  }
}

/** `user:hash` per line; blank lines and `#` comments skipped. */
export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    users.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return users;
}

/**
 * bcrypt in any of Apache's spellings (checked in a worker thread), or
 * `{SHA}` (base64 SHA-1); other formats (apr1 MD5, crypt) never match.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (/^\$2[aby]\$\d\d\$/.test(hash)) return PASSWORDS.compare(password, hash.replace(/^\$2y\$/, '$2b$'));
  if (hash.startsWith('{SHA}')) {
    const want = Buffer.from(hash.slice(5), 'base64');
    const got = createHash('sha1').update(password).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  return false;
}

/**
 * A bcrypt hash no password matches, at the highest cost among the file's
 * bcrypt hashes (a check against it takes as long as against the slowest
 * user's, so an unknown name is never the fast answer); undefined when the
 * file has none (then every check is fast anyway).
 */
export function dummyHash(hashes: Iterable<string>): string | undefined {
  let cost: string | undefined;
  for (const h of hashes) {
    const c = /^\$2[aby]\$(\d\d)\$/.exec(h)?.[1];
    if (c !== undefined && (cost === undefined || c > cost)) cost = c;
  }
  // 22 characters of salt and 31 of checksum in bcrypt's base64: well-formed, so it is checked at full cost, and never matches.
  return cost === undefined ? undefined : `$2b$${cost}$${'N'.repeat(22)}${'0'.repeat(31)}`;
}
