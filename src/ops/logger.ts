import cluster from 'node:cluster';
import { destination as pinoDestination, pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs, one object a line, on stdout (or `destination`): what log shippers expect. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Asynchronous writes: a request never waits for stdout; flushed on graceful stop.
    destination ?? pinoDestination({ dest: 1, sync: false }),
  );
}
