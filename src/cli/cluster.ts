import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import { createBackend } from '../backends/index.js';
import type { Config } from '../config/index.js';
import { standardModel } from '../model/index.js';
import { startAdmin, type Logger } from '../ops/index.js';

/** What a worker tells the primary once it listens. */
export interface ListeningMessage {
  readonly type: 'occi:listening';
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

export function workerCount(config: Config): number {
  return config.workers === 'auto' ? availableParallelism() : config.workers;
}

/**
 * The cluster primary: prepares the database once (so workers do not race
 * to create it), forks the workers (they share the listening port; SQLite's
 * IMMEDIATE transactions and entity versions keep their writes apart),
 * replaces a worker that dies, serves the admin listener with the metrics of
 * all workers, and on SIGTERM/SIGINT lets every worker finish its requests.
 */
export async function runPrimary(config: Config, logger: Logger, onListening: (m: ListeningMessage) => void): Promise<void> {
  const n = workerCount(config);
  const prepare = createBackend(config.backend, config.backends[config.backend]);
  await prepare.start(standardModel());
  await prepare.stop();

  let stopping = false;
  let announced = false;
  const listening = new Set<number>();
  const fork = (): Worker => {
    const w = cluster.fork();
    w.on('message', (m: ListeningMessage) => {
      if (m?.type !== 'occi:listening') return;
      listening.add(w.id);
      if (!announced && listening.size === n) {
        announced = true;
        onListening(m);
      }
    });
    return w;
  };
  for (let i = 0; i < n; i++) fork();
  cluster.on('exit', (w, code, signal) => {
    listening.delete(w.id);
    if (stopping) return;
    logger.warn({ worker: w.id, code, signal }, 'worker died; starting another');
    fork();
  });

  const aggregator = new AggregatorRegistry();
  const admin = config.adminPort === undefined
    ? undefined
    : await startAdmin(
      {
        ready: () => !stopping && listening.size > 0,
        metrics: async () => ({ body: await aggregator.clusterMetrics(), contentType: aggregator.contentType }),
      },
      config.adminListen,
      config.adminPort,
    );

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers: they finish requests in flight');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let left = workers.length;
    const done = () => {
      if (admin) void admin.close().then(() => process.exit(0));
      else process.exit(0);
    };
    if (left === 0) done();
    for (const w of workers) {
      w.once('exit', () => {
        if (--left === 0) done();
      });
      w.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
