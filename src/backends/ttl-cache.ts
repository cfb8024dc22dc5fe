/**
 * Per-key values fetched from a cloud and kept for a while: a user's or
 * project's images, flavours, networks. Concurrent misses for one key share
 * one fetch; after `ttlMs` the next get fetches again, and when that fetch
 * fails the last value is served (a flaky catalogue should not fail every
 * request) until `maxStaleMs` has passed too.
 *
 * @example
 * const images = new TtlCache<Image[]>({ ttlMs: 30_000 });
 * const list = await images.get(projectId, () => glance.images(token));
 */
export class TtlCache<T> {
  readonly #ttlMs: number;
  readonly #maxStaleMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  #entries = new Map<string, { value: T; at: number }>();
  #inFlight = new Map<string, Promise<T>>();

  constructor(options: { ttlMs: number; maxStaleMs?: number; maxKeys?: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxStaleMs = options.maxStaleMs ?? options.ttlMs * 10;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string, fetch: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    const age = hit ? this.#now() - hit.at : Infinity;
    if (hit && age < this.#ttlMs) return hit.value;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = fetch().finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    try {
      const value = await pending;
      if (this.#entries.size >= this.#maxKeys && !this.#entries.has(key)) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { value, at: this.#now() });
      return value;
    } catch (err) {
      if (hit && age < this.#maxStaleMs) return hit.value;
      throw err;
    }
  }

  /** Forgets a key (after a write the cached list no longer shows), or everything. */
  invalidate(key?: string): void {
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }
}
