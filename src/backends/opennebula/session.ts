import { createHash, randomBytes } from 'node:crypto';
import { AuthenticationError, BackendTimeoutError, BackendUnavailableError, InternalError } from '../../errors.js';
import { checkDeadline, deadlineSignal, type BasicCredentials, type RequestContext } from '../backend.js';
import { asList, asText, parseOnedDocument, type OneObject } from './document.js';
import { ONED_ERROR, OnedError, toOcciError } from './errors.js';
import { XmlRpcClient, type XmlRpcParam } from './xmlrpc.js';

/** What a deadline or an outage names. */
export const SERVICE = 'OpenNebula (oned)';

/**
 * How OCCI users become OpenNebula users: `user` passes each request's own
 * OpenNebula name and password (HTTP basic, `--auth opennebula`) as the
 * session; `server` lets a server administrator act for the authenticated
 * user with a login token per user (rOCCI-server's `server_cipher` model),
 * creating the OpenNebula user on first sight.
 */
export type UserMapping = 'user' | 'server';

export interface OnedOptions {
  /** oned's XML-RPC endpoint, e.g. `http://127.0.0.1:2633/RPC2`. */
  readonly url: string;
  /** Time limit of one call, in milliseconds. */
  readonly timeoutMs: number;
  readonly mapping: UserMapping;
  /** The server identity (`server` mapping): an oneadmin-group user. */
  readonly serverUser?: string;
  readonly serverPassword?: string;
  /** Group ID new users are created in (`server` mapping). */
  readonly userGroup: number;
  /** Stand-in for global fetch (tests). */
  readonly fetch?: typeof fetch;
}

/** One request's way into oned: the session string and the user it acts as, bound to the request's deadline. */
export interface Session {
  /** The oned user name the calls run as. */
  readonly user: string;
  /** The request may see everything (`ctx.admin`). */
  readonly admin: boolean;
  call(method: string, ...params: XmlRpcParam[]): Promise<string | number | boolean>;
  /** Calls a method answering a document and parses it (its root element checked). */
  doc(method: string, root: string, ...params: XmlRpcParam[]): Promise<OneObject>;
  /** The same session without the request's deadline (only the call time limit): for undoing what a failed request began. */
  unbounded(): Session;
}

/** Seconds a login token lives; it is renewed five minutes before. */
const TOKEN_SECONDS = 3600;

/**
 * The XML-RPC client with sessions, deadlines and error mapping: every call
 * checks the request's deadline first and aborts at it (504), and whatever
 * oned or the transport says comes out as an OcciError (errors.ts).
 */
export class Oned {
  readonly #client: XmlRpcClient;
  readonly #options: OnedOptions;
  readonly #tokens = new Map<string, { token: string; until: number }>();

  constructor(options: OnedOptions) {
    this.#options = options;
    this.#client = new XmlRpcClient({ url: options.url, timeoutMs: options.timeoutMs, fetch: options.fetch });
    if (options.mapping === 'server' && (!options.serverUser || !options.serverPassword)) {
      throw new Error('opennebula: user mapping "server" needs one-server-user and one-server-password (an oneadmin-group user)');
    }
  }

  get url(): string {
    return this.#client.url;
  }

  /** The session of the request's user: its basic credentials, or a token the server identity got for it. */
  async as(ctx: RequestContext): Promise<Session> {
    if (this.#options.mapping === 'user') {
      const c = ctx.credentials as BasicCredentials | undefined;
      if (c?.scheme !== 'basic') {
        throw new AuthenticationError('the OpenNebula backend calls oned as the user: sign in with an OpenNebula user name and password (--auth opennebula)');
      }
      return this.bind(ctx, c.user, c.password);
    }
    const server = this.#options.serverUser!;
    if (ctx.admin) return this.bind(ctx, server, this.#options.serverPassword!);
    const name = onedUserName(ctx.user);
    return this.bind(ctx, name, await this.#token(ctx, name));
  }

  /** A session for `user` with `secret` (password or token), bound to the context's deadline. */
  bind(ctx: RequestContext | undefined, user: string, secret: string): Session {
    const session = `${user}:${secret}`;
    const call = (method: string, ...params: XmlRpcParam[]) => this.call(ctx, session, method, params);
    return {
      user,
      admin: ctx?.admin ?? false,
      call,
      doc: async (method, root, ...params) => parseOnedDocument(String(await call(method, ...params)), root),
      unbounded: () => this.bind(ctx && { ...ctx, deadline: undefined }, user, secret),
    };
  }

  /** One call; past the deadline (or at it) BackendTimeoutError naming oned, any failure mapped by toOcciError. */
  async call(ctx: RequestContext | undefined, session: string, method: string, params: readonly XmlRpcParam[]): Promise<string | number | boolean> {
    if (ctx) checkDeadline(ctx, SERVICE);
    const signal = ctx ? deadlineSignal(ctx) : undefined;
    try {
      return await this.#client.callOned(method, [session, ...params], { signal });
    } catch (err) {
      if (signal?.aborted) throw new BackendTimeoutError(`${SERVICE} did not answer ${method} before the request's deadline`, { cause: err });
      throw toOcciError(err, method);
    }
  }

  /** one.system.version, for health(): any answer (even AUTHENTICATION) means oned is up; with a server identity it must accept it. */
  async version(): Promise<string> {
    const server = this.#options.mapping === 'server';
    const session = server ? `${this.#options.serverUser}:${this.#options.serverPassword}` : 'occi-server-health:-';
    try {
      return String(await this.call(undefined, session, 'one.system.version', []));
    } catch (err) {
      if (!server && onedCode(err) === ONED_ERROR.AUTHENTICATION) return 'unknown (answered without a session)';
      throw err;
    }
  }

  /** one.user.info as the user: who they are, or undefined when oned refuses the credentials. */
  async whoIs(credentials: BasicCredentials, signal?: AbortSignal): Promise<{ user: string; groups: string[] } | undefined> {
    try {
      const xml = await this.#client.callOned('one.user.info', [`${credentials.user}:${credentials.password}`, -1], { signal });
      const doc = parseOnedDocument(String(xml), 'USER');
      const group = asText(doc.GNAME);
      return { user: asText(doc.NAME), groups: group === '' ? [] : [group] };
    } catch (err) {
      if (signal?.aborted) throw new BackendTimeoutError(`${SERVICE} did not answer one.user.info in time`, { cause: err });
      const mapped = toOcciError(err, 'one.user.info');
      if (onedCode(mapped) === ONED_ERROR.AUTHENTICATION) return undefined;
      throw mapped;
    }
  }

  /** A login token for `name` from the server identity, cached until shortly before it expires; the user is created on first sight. */
  async #token(ctx: RequestContext, name: string): Promise<string> {
    const hit = this.#tokens.get(name);
    if (hit && hit.until > Date.now()) return hit.token;
    const admin = this.bind(ctx, this.#options.serverUser!, this.#options.serverPassword!);
    let token: string;
    try {
      token = String(await admin.call('one.user.login', name, '', TOKEN_SECONDS, -1));
    } catch (err) {
      if (onedCode(err) !== ONED_ERROR.NO_EXISTS) throw err;
      // First sight: a user with a random password nobody knows; the server identity logs in for it.
      await admin.call('one.user.allocate', name, randomBytes(24).toString('hex'), 'core', [this.#options.userGroup]);
      token = String(await admin.call('one.user.login', name, '', TOKEN_SECONDS, -1));
    }
    if (this.#tokens.size > 10_000) this.#tokens.clear();
    this.#tokens.set(name, { token, until: Date.now() + (TOKEN_SECONDS - 300) * 1000 });
    return token;
  }
}

/** oned's code behind a mapped error (NO_EXISTS, AUTHORIZATION...), if oned answered one. */
export function onedCode(err: unknown): number | undefined {
  const cause = err instanceof OnedError ? err : (err as { cause?: unknown } | undefined)?.cause;
  return cause instanceof OnedError ? cause.code : undefined;
}

/** No answer came (connection lost, time limit, deadline): the call may have run in oned or not. */
export function isTransport(err: unknown): boolean {
  return (err instanceof BackendUnavailableError || err instanceof BackendTimeoutError) && onedCode(err) === undefined;
}

/** NO_EXISTS or AUTHORIZATION: the object is not there for this user (as absent as another owner's entity). */
export function isAbsent(err: unknown): boolean {
  const code = onedCode(err);
  return code === ONED_ERROR.NO_EXISTS || code === ONED_ERROR.AUTHORIZATION;
}

/**
 * The OpenNebula user name of an OCCI user (`server` mapping): the name
 * itself when oned accepts it (PoolObjectSQL::name_is_valid), otherwise
 * `occi-` and 16 hex digits of its SHA-256 (an X.509 DN holds `/`).
 */
export function onedUserName(user: string): string {
  if (user.length > 0 && user.length <= 128 && !/[&|:\\";/'#{}$<>\s]/.test(user)) return user;
  return `occi-${createHash('sha256').update(user).digest('hex').slice(0, 16)}`;
}

/** The list elements of a pool document, as objects. */
export function poolItems(doc: OneObject, element: string): OneObject[] {
  return asList(doc[element]).filter((v): v is OneObject => typeof v === 'object' && !Array.isArray(v));
}

/** Guards a value oned must have given. */
export function numberOf(value: unknown, what: string): number {
  const n = Number(typeof value === 'string' ? value : NaN);
  if (!Number.isFinite(n)) throw new InternalError(`oned gave no number for ${what}`);
  return n;
}
