import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start } from '../../src/cli/start.js';
import { DEFAULTS, type Config } from '../../src/config/index.js';

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Starts a real server on 127.0.0.1 with a fresh data directory (removed on stop unless kept). */
export async function startTestServer(overrides: Partial<Config> = {}, keepData = false): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'occi-test-'));
  const running = await start({ ...DEFAULTS, listen: '127.0.0.1', port: 0, ...overrides, dataDir });
  return {
    base: `http://127.0.0.1:${running.server.address.port}`,
    dataDir,
    stop: async () => {
      await running.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
