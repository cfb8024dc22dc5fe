import type { Kind } from '../model/index.js';
import type { Catalog } from './catalog.js';
import type { OcciClient } from './client.js';
import type { Entity } from './types.js';
import { WaitError } from './errors.js';

export interface WaitOptions {
  /** Milliseconds before giving up (default 300 000). */
  readonly timeoutMs?: number;
  /** Milliseconds between two reads (default 2 000). */
  readonly intervalMs?: number;
  /** Called after every read: for a progress display. */
  readonly onProgress?: (progress: WaitProgress) => void;
  readonly signal?: AbortSignal;
}

export interface WaitProgress {
  readonly state: string | undefined;
  /** `occi.<kind>.state.message` (OCCI 1.2): why the entity is in that state. */
  readonly message: string | undefined;
  readonly elapsedMs: number;
  readonly reads: number;
  readonly entity: Entity;
}

/**
 * Reads an entity until its state attribute (`occi.compute.state`, …) is
 * `state`. Reaching `error` instead, or running out of time, is a WaitError
 * with the last state seen.
 */
export async function waitFor(client: OcciClient, catalog: Catalog, url: URL, state: string, options: WaitOptions = {}): Promise<Entity> {
  const timeout = options.timeoutMs ?? 300_000;
  const interval = options.intervalMs ?? 2_000;
  const began = Date.now();
  for (let reads = 1; ; reads++) {
    const entity = await client.get(url.href);
    const attribute = catalog.stateAttribute(catalog.find(entity.kind) as Kind | undefined) ?? Object.keys(entity.attributes).find((n) => n.endsWith('.state'));
    if (attribute === undefined) throw new WaitError(`${url.href} has no state attribute to wait on`, undefined, false);
    const now = entity.attributes[attribute];
    const current = now === undefined ? undefined : String(now);
    const message = entity.attributes[`${attribute}.message`];
    const elapsedMs = Date.now() - began;
    options.onProgress?.({ state: current, message: message === undefined ? undefined : String(message), elapsedMs, reads, entity });
    if (current === state) return entity;
    if (current === 'error' && state !== 'error') {
      throw new WaitError(`${url.href} is in state error${message === undefined ? '' : `: ${String(message)}`}`, current, false);
    }
    if (elapsedMs >= timeout) {
      throw new WaitError(`${url.href} is still ${current ?? 'without a state'} after ${Math.round(elapsedMs / 1000)} s, not ${state}`, current, true);
    }
    await sleep(Math.min(interval, timeout - elapsedMs), options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
