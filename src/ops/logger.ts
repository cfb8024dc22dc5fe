import cluster from 'node:cluster';
import { destination as pinoDestination, pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * How log lines reach stdout. Asynchronous, so a request never waits for
 * stdout (flushed on graceful stop); written up to 1 MiB at a time, so one
 * write carries thousands of lines when the server is busy (16 KiB, the
 * default, fell behind at ~10k requests/s); and bounded: when stdout cannot
 * take lines as fast as they come (a slow pipe, a stalled log shipper), lines
 * beyond 32 MiB waiting are dropped rather than growing the server's memory
 * without end.
 */
export const LOG_BUFFER = { dest: 1, sync: false, maxWrite: 1 << 20, maxLength: 32 << 20 } as const;

/** Structured JSON logs, one object a line, on stdout (or `destination`): what log shippers expect. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pinoDestination(LOG_BUFFER),
  );
}
