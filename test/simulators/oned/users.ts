import { randomBytes } from 'node:crypto';
import { quotaView } from './quota.js';
import { fail, int, str, type Call, type Method } from './rpc.js';
import { sha256, type OnedState, type User, type VmQuota } from './state.js';
import { groupPoolXml, groupXml, userPoolXml, userXml } from './xml.js';

export interface NewUser {
  name: string;
  password: string;
  /** Primary group ID; default 1 (users). */
  gid?: number;
  authDriver?: string;
  sshKey?: string;
  quota?: VmQuota;
}

export function addUser(state: OnedState, u: NewUser): User {
  const id = state.takeId('user');
  const gid = u.gid ?? 1;
  const user: User = {
    id, name: u.name, passwordHash: sha256(u.password), gid, groups: [gid], authDriver: u.authDriver ?? 'core', enabled: true,
    tokens: [], template: u.sshKey ? [{ name: 'SSH_PUBLIC_KEY', value: u.sshKey }] : [], quota: { ...u.quota },
  };
  state.users.set(id, user);
  return user;
}

/**
 * The `core` driver: `user:password` (SHA-256 compared) or `user:token` from
 * one.user.login, unexpired and for an enabled user; anything else is
 * AUTHENTICATION.
 */
export function authenticate(state: OnedState, session: string): User {
  const colon = session.indexOf(':');
  const user = colon > 0 ? state.userByName(session.slice(0, colon)) : undefined;
  if (!user || !user.enabled) throw fail.authentication();
  const secret = session.slice(colon + 1);
  const now = state.now();
  user.tokens = user.tokens.filter((t) => t.expiration === -1 || t.expiration > now);
  if (sha256(secret) === user.passwordHash || user.tokens.some((t) => t.token === secret)) return user;
  throw fail.authentication();
}

function userInfo(call: Call): string {
  const id = int(call, 0) === -1 ? call.user.id : int(call, 0);
  const user = call.state.users.get(id);
  if (!user) throw fail.noExists('user', id);
  if (id !== call.user.id && !call.state.isAdmin(call.user)) {
    throw fail.authorization(call.user.id, `Not authorized to perform USE USER [${id}]`, id);
  }
  return userXml(call.state, user, quotaView(call.state, user));
}

/** one.user.login (xml-rpc.md §4.5): a user for themselves, or an admin (rOCCI's server_cipher identity) for anyone. */
function login(call: Call): string {
  const { state } = call;
  const user = state.userByName(str(call, 0));
  if (!user) throw fail.noExists('user', -1);
  if (user.id !== call.user.id && !state.isAdmin(call.user)) {
    throw fail.authorization(call.user.id, `Not authorized to perform MANAGE USER [${user.id}]`, user.id);
  }
  const token = str(call, 1);
  const valid = int(call, 2);
  const egid = call.args.length > 3 ? int(call, 3) : -1;
  if (valid === 0) {
    if (token === '') { user.tokens = []; return ''; }
    if (!user.tokens.some((t) => t.token === token)) throw fail.api(`Could not find token: ${token}`);
    user.tokens = user.tokens.filter((t) => t.token !== token);
    return token;
  }
  if (valid < -1) throw fail.api('Wrong valid period for token');
  if (egid !== -1 && !user.groups.includes(egid)) throw fail.api('EGID is not in user group list');
  const value = token || sha256(randomBytes(32).toString('hex'));
  user.tokens.push({ token: value, expiration: valid === -1 ? -1 : state.now() + valid, egid });
  return value;
}

function allocate(call: Call): number {
  const { state } = call;
  if (!state.isAdmin(call.user)) throw fail.authorization(call.user.id, 'Not authorized to perform CREATE USER');
  const name = str(call, 0);
  const password = str(call, 1);
  if (state.userByName(name)) throw fail.allocate('user', `NAME is already taken by USER ${state.userByName(name)!.id}.`);
  if (password === '') throw fail.allocate('user', 'Invalid password, it cannot be empty');
  const groups = call.args[3] as number[] | undefined;
  const gid = groups && groups.length > 0 ? groups[0] : 1;
  if (!state.groups.has(gid)) throw fail.noExists('group', gid);
  const user = addUser(state, { name, password, gid, authDriver: str(call, 2) || 'core' });
  for (const g of groups?.slice(1) ?? []) if (state.groups.has(g) && !user.groups.includes(g)) user.groups.push(g);
  return user.id;
}

function groupInfo(call: Call): string {
  const id = int(call, 0) === -1 ? call.user.gid : int(call, 0);
  const group = call.state.groups.get(id);
  if (!group) throw fail.noExists('group', id);
  if (!call.user.groups.includes(id) && !call.state.isAdmin(call.user)) {
    throw fail.authorization(call.user.id, `Not authorized to perform USE GROUP [${id}]`, id);
  }
  return groupXml(call.state, group);
}

export const USER_METHODS: Record<string, Method> = {
  'one.user.info': { params: ['int'], optional: ['boolean'], run: userInfo },
  'one.user.login': { params: ['string', 'string', 'int'], optional: ['int'], run: login },
  'one.user.allocate': { params: ['string', 'string', 'string'], optional: ['array'], run: allocate },
  'one.userpool.info': {
    params: [],
    run: (call) => {
      const all = [...call.state.users.values()].filter((u) => u.id === call.user.id || call.state.isAdmin(call.user));
      return userPoolXml(call.state, all, (u) => quotaView(call.state, u));
    },
  },
  'one.group.info': { params: ['int'], optional: ['boolean'], run: groupInfo },
  'one.grouppool.info': {
    params: [],
    run: (call) => groupPoolXml(call.state, [...call.state.groups.values()]
      .filter((g) => call.user.groups.includes(g.id) || call.state.isAdmin(call.user))),
  },
  'one.system.version': { params: [], run: (call) => call.state.version },
};
