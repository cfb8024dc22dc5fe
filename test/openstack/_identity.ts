/** Test-only Keystone administration (projects, users, roles) and an SSH public key to import. */
import { generateKeyPairSync } from 'node:crypto';
import { createClients, KeystoneClient, ServiceHttp, type KeystoneToken, type OpenStackClients } from '../../src/backends/openstack/index.js';
import { AUTH_URL, REGION, uniqueName } from './_stack.js';

export interface TestUser {
  readonly projectId: string;
  readonly projectName: string;
  readonly userId: string;
  readonly username: string;
  readonly password: string;
  /** Deletes the user and the project. */
  readonly remove: () => Promise<void>;
}

/** A fresh project with a fresh user holding the `member` role on it, made with an admin token. */
export async function createProjectUser(keystone: KeystoneClient, admin: KeystoneToken): Promise<TestUser> {
  const http = new ServiceHttp({ service: 'keystone', endpoint: keystone.endpoint, token: admin.id });
  const projectName = uniqueName('project');
  const username = uniqueName('user');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const { project } = await http.json<{ project: { id: string } }>({
    method: 'POST',
    path: '/projects',
    body: { project: { name: projectName, domain_id: 'default' } },
  });
  const removeProject = () => http.request({ method: 'DELETE', path: `/projects/${project.id}` });
  try {
    const { user } = await http.json<{ user: { id: string } }>({
      method: 'POST',
      path: '/users',
      body: { user: { name: username, domain_id: 'default', password, default_project_id: project.id } },
    });
    const { roles } = await http.json<{ roles: { id: string }[] }>({ path: '/roles', query: { name: 'member' } });
    await http.request({ method: 'PUT', path: `/projects/${project.id}/users/${user.id}/roles/${roles[0].id}` });
    const remove = async () => {
      await http.request({ method: 'DELETE', path: `/users/${user.id}` });
      await removeProject();
    };
    return { projectId: project.id, projectName, userId: user.id, username, password, remove };
  } catch (err) {
    await removeProject().catch(() => undefined);
    throw err;
  }
}

/** A fresh ed25519 key in OpenSSH's `authorized_keys` form, as Nova imports it. */
export function sshPublicKey(comment = 'occi-test'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** A test user signed in to their project: the Keystone token (as `X-Auth-Token` carries it) and clients acting as them. */
export interface SignedIn {
  readonly user: TestUser;
  readonly token: string;
  readonly clients: OpenStackClients;
}

export async function signIn(user: TestUser): Promise<SignedIn> {
  const keystone = new KeystoneClient({ endpoint: AUTH_URL });
  const token = await keystone.authenticate({ username: user.username, password: user.password, userDomain: { id: 'default' }, project: { id: user.projectId } });
  return { user, token: token.id, clients: createClients(token.id, token.catalog, { region: REGION, timeoutMs: 30_000 }) };
}
