import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createAuth, trustedProxies } from '../auth/index.js';
import { ANONYMOUS, createBackend, type RequestContext } from '../backends/index.js';
import { checkConfig, type Config } from '../config/index.js';
import { AuthenticationError, RateLimitedError } from '../errors.js';
import { clientAddress, createApp, listen, withCors, type OcciRequest, type RunningServer } from '../http/index.js';
import { standardModel } from '../model/index.js';
import { getMetrics, instrumentBackend, observe, parseRate, registryMetrics, startAdmin, type AdminServer, type Logger } from '../ops/index.js';

export interface Started {
  readonly server: RunningServer;
  /** The admin listener, when --admin-port is set (and this is not a cluster worker). */
  readonly admin?: AdminServer;
  /** Stops accepting, finishes requests in flight, closes the backend. */
  stop(): Promise<void>;
}

/**
 * Assembles auth, model, backend, app and listeners from a configuration;
 * used by main.ts (alone or in each cluster worker) and the end-to-end tests.
 * Requests are logged only when a logger is given.
 */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<Started> {
  const { logger } = options;
  checkConfig(config);
  const model = standardModel();
  const backend = createBackend(config.backend, config.backends[config.backend], {
    maxEntitiesPerUser: config.maxEntitiesPerUser, maxLinksPerResource: config.maxLinksPerResource,
  });
  // A cloud that checks its users' passwords itself (OpenNebula) serves `--auth opennebula`.
  const gate = await createAuth({ ...config, delegate: backend.authenticate?.bind(backend) });
  await backend.start(model);
  const metrics = config.adminPort !== undefined ? getMetrics() : undefined;
  const proxies = trustedProxies(config.trustedProxies);
  let server: RunningServer | undefined;
  const app = createApp({
    model,
    backend: metrics ? instrumentBackend(backend, metrics) : backend,
    publicUrl: config.publicUrl,
    // The port really listened on (--port 0 picks one), known once listening; an IPv6 address in brackets.
    get defaultHost() {
      return `${config.listen.includes(':') ? `[${config.listen}]` : config.listen}:${server?.address.port ?? config.port}`;
    },
    maxPageSize: config.maxPageSize,
    maxItemsPerRequest: config.maxItemsPerRequest,
    maxUserMixins: config.maxUserMixins,
    backendTimeout: config.backendTimeout,
    authenticate: authenticator(config, gate, proxies),
    isTrustedProxy: config.trustProxy ? proxies : undefined,
    onInternalError: (err) => (logger ? logger.error({ err }, 'internal error') : console.error('internal error:', err)),
  });
  const handle = observe(config.corsOrigins.length > 0 ? withCors(app.handle, config.corsOrigins) : app.handle, { logger, metrics });
  let admin: AdminServer | undefined;
  let stopping = false;
  try {
    server = await listen(
      {
        handle,
        maxBodySize: config.maxBodySize,
        maxHeaderSize: config.maxHeaderSize,
        headersTimeout: config.headersTimeout,
        requestTimeout: config.requestTimeout,
        onInternalError: (err) => (logger ? logger.error({ err }, 'internal error') : console.error('internal error:', err)),
        tls: config.tlsCert && config.tlsKey
          ? { cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8'), ca: config.tlsCa ? readFileSync(config.tlsCa, 'utf8') : undefined }
          : undefined,
      },
      config.listen,
      config.port,
    );
    // With workers, the primary runs the admin listener (src/cli/cluster.ts).
    if (metrics && !cluster.isWorker) {
      const ready = async () => (stopping ? { ok: false, detail: 'stopping' } : (await backend.health?.()) ?? { ok: true });
      admin = await startAdmin({ ready, metrics: registryMetrics(metrics.registry) }, config.adminListen, config.adminPort!);
    }
  } catch (err) {
    await server?.close();
    await backend.stop();
    gate.close();
    throw err;
  }
  const listening = server;
  return {
    server: listening,
    admin,
    stop: async () => {
      stopping = true;
      await listening.close();
      await admin?.close();
      await backend.stop();
      gate.close();
    },
  };
}

/**
 * The app's `authenticate`: per-address limits (requests, then failed
 * authentications), then the gate, then the per-user limit. Undefined (every
 * request ANONYMOUS, nothing counted) when there is neither a real scheme nor
 * a limit, as before authentication existed.
 */
function authenticator(
  config: Config, gate: Awaited<ReturnType<typeof createAuth>>, proxies: (address: string | undefined) => boolean,
): ((req: OcciRequest) => Promise<RequestContext>) | undefined {
  const real = gate.schemes.some((s) => s !== 'none');
  const perIp = config.rateLimitIp ? parseRate(config.rateLimitIp) : undefined;
  const perUser = config.rateLimit ? parseRate(config.rateLimit) : undefined;
  // Only where credentials are checked: an address that keeps failing is refused before its next password costs a bcrypt.
  const failures = real ? parseRate(config.rateLimitAuthFailures) : undefined;
  if (!real && !perIp && !perUser) return undefined;
  return async (req) => {
    const ip = (perIp || failures) && clientAddress(req.headers, req.remoteAddress, proxies);
    const waitIp = perIp?.take(`ip:${ip ?? ''}`);
    if (waitIp !== undefined) throw new RateLimitedError(`too many requests from ${ip}; retry in ${waitIp} s`, waitIp);
    const waitFailures = failures?.full(`ip:${ip ?? ''}`);
    if (waitFailures !== undefined) {
      throw new RateLimitedError(`too many failed authentications from ${ip}; retry in ${waitFailures} s`, waitFailures);
    }
    let ctx: RequestContext;
    try {
      ctx = real ? (await gate.context(req)).ctx : ANONYMOUS;
    } catch (err) {
      if (err instanceof AuthenticationError && err.presented) failures?.take(`ip:${ip ?? ''}`);
      throw err;
    }
    const waitUser = perUser?.take(`user:${ctx.user}`);
    if (waitUser !== undefined) throw new RateLimitedError(`too many requests from ${ctx.user}; retry in ${waitUser} s`, waitUser);
    return ctx;
  };
}
