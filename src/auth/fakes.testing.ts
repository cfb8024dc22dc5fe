/** Identity services the tests start on loopback: an OIDC issuer (discovery + JWKS, tokens signed with jose) and a fake Keystone. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

/** A tiny OIDC issuer on loopback: discovery document and JWKS. */
export async function startIssuer(): Promise<{ issuer: string; jwks: JWK; sign(claims: Record<string, unknown>, opts?: { exp?: string; iss?: string; aud?: string; key?: CryptoKey }): Promise<string>; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const body = req.url === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/jwks` } : req.url === '/jwks' ? { keys: [jwk] } : undefined;
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwks: jwk,
    sign: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(opts.iss ?? issuer)
        .setAudience(opts.aud ?? 'occi')
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? '5m')
        .sign(opts.key ?? privateKey),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A fake Keystone v3 on loopback: `GET /v3/auth/tokens` knows the tokens given, answers 404 for others. */
export async function startKeystone(
  tokens: Record<string, { user: string; project: string; roles: string[] }>,
  passwords: Record<string, { password: string; project: string }> = {},
): Promise<{ url: string; calls: () => number; close(): Promise<void> }> {
  let calls = 0;
  const answer = (res: import('node:http').ServerResponse, subject: string, t: { user: string; project: string; roles: string[] }, status = 200) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-Subject-Token': subject }).end(JSON.stringify({
      token: {
        user: { id: `id-${t.user}`, name: t.user, domain: { name: 'Default' } }, project: { id: `p-${t.project}`, name: t.project },
        roles: t.roles.map((name) => ({ name })), expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        catalog: [{ type: 'compute', name: 'nova', endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://127.0.0.1:1/compute/v2.1' }] }],
      },
    }));
  };
  const server: Server = createServer((req, res) => {
    calls++;
    if (req.url !== '/v3/auth/tokens') return void res.writeHead(404).end();
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const auth = (JSON.parse(body) as { auth: { identity: { password: { user: { name: string; password: string } } }; scope?: { project: { name: string } } } }).auth;
        const { name, password } = auth.identity.password.user;
        const known = passwords[name];
        if (!known || known.password !== password) return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":{"code":401}}');
        const issued = `tok-${name}-${calls}`;
        tokens[issued] = { user: name, project: auth.scope?.project.name ?? known.project, roles: ['member'] };
        answer(res, issued, tokens[issued], 201);
      });
      return;
    }
    const subject = req.headers['x-subject-token'];
    const t = typeof subject === 'string' ? tokens[subject] : undefined;
    if (req.headers['x-auth-token'] === undefined) return void res.writeHead(401).end();
    if (!t) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":404}}');
    answer(res, String(subject), t);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`, calls: () => calls, close: () => new Promise((r) => server.close(() => r())) };
}

