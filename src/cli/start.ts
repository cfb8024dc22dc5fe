import { createAuth } from '../auth/index.js';
import { createBackend } from '../backends/index.js';
import { checkConfig, type Config } from '../config/index.js';
import { createApp, listen, type RunningServer } from '../http/index.js';
import { standardModel } from '../model/index.js';

/** Assembles model, backend, app and listener from a configuration; used by main.ts and the end-to-end tests. */
export async function start(config: Config): Promise<{ server: RunningServer; stop(): Promise<void> }> {
  checkConfig(config);
  const gate = await createAuth(config);
  const model = standardModel();
  const backend = createBackend(config.backend, { dataDir: config.dataDir, templates: config.templates, synchronous: config.synchronous });
  await backend.start(model);
  const app = createApp({
    model, backend, publicUrl: config.publicUrl, defaultHost: `${config.listen}:${config.port}`, maxPageSize: config.maxPageSize,
    // Without a real scheme every request is ANONYMOUS, as before authentication existed.
    authenticate: gate.schemes.every((s) => s === 'none') ? undefined : async (req) => (await gate.context(req)).ctx,
  });
  let server: RunningServer;
  try {
    server = await listen(
    {
      handle: app.handle,
      maxBodySize: config.maxBodySize,
      maxHeaderSize: config.maxHeaderSize,
      headersTimeout: 20_000,
      requestTimeout: 60_000,
      onInternalError: (err) => console.error('internal error:', err),
    },
    config.listen,
    config.port,
    );
  } catch (err) {
    await backend.stop();
    gate.close();
    throw err;
  }
  return {
    server,
    stop: async () => {
      await server.close();
      await backend.stop();
      gate.close();
    },
  };
}
