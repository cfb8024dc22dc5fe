#!/usr/bin/env node
/** occi-server: argv → config → backend → app → listener; nothing more. */
import { ConfigError, USAGE, checkConfig, loadConfig, printableConfig } from '../config/index.js';
import { start } from './start.js';

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig(process.argv.slice(2), process.env);
    if (!loaded.help && !loaded.printConfig) checkConfig(loaded.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`occi-server: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  if (loaded.help) {
    console.log(USAGE);
    return;
  }
  if (loaded.printConfig) {
    console.log(JSON.stringify(printableConfig(loaded.config), null, 2));
    return;
  }
  const running = await start(loaded.config);
  const { address, port, family } = running.server.address;
  console.log(`listening on http://${family === 'IPv6' ? `[${address}]` : address}:${port}`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing requests in flight, then stopping`);
    running.stop().then(
      () => process.exit(0),
      (err) => {
        console.error('error while stopping:', err);
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
