#!/usr/bin/env node
/** occi-server: argv → config → (cluster primary | backend → app → listener); nothing more. */
import cluster from 'node:cluster';
import { backendSettings } from '../backends/index.js';
import { ConfigError, checkConfig, loadConfig, printableConfig, usage, type Loaded } from '../config/index.js';
import { VERSION } from '../http/index.js';
import { createLogger } from '../ops/index.js';
import { runPrimary, workerCount, type ListeningMessage } from './cluster.js';
import { start } from './start.js';

async function main(): Promise<void> {
  let loaded: Loaded;
  try {
    loaded = loadConfig(process.argv.slice(2), process.env, backendSettings());
    if (!loaded.help && !loaded.printConfig && !loaded.version) checkConfig(loaded.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`occi-server: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  if (loaded.version) {
    console.log(`occi-server ${VERSION}`);
    return;
  }
  if (loaded.help) {
    console.log(usage(backendSettings()));
    return;
  }
  if (loaded.printConfig) {
    console.log(JSON.stringify(printableConfig(loaded.config, backendSettings()), null, 2));
    return;
  }
  const { config } = loaded;
  const logger = createLogger(config.logLevel);
  const announce = (m: { address: string; family: string; port: number }) => {
    console.log(`listening on ${config.tlsCert ? 'https' : 'http'}://${m.family === 'IPv6' ? `[${m.address}]` : m.address}:${m.port}`);
  };
  if (workerCount(config) > 0 && cluster.isPrimary) {
    await runPrimary(config, logger, announce);
    return;
  }
  const running = await start(config, { logger });
  const { address, port, family } = running.server.address;
  if (cluster.isWorker) process.send!({ type: 'occi:listening', address, family, port } satisfies ListeningMessage);
  else announce({ address, family, port });
  if (running.admin) logger.info({ address: running.admin.address }, 'admin listener: /healthz /readyz /metrics');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'finishing requests in flight, then stopping');
    running.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(`occi-server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
