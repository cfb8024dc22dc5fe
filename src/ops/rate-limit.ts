/**
 * A fixed-window request counter per key (a user, an address): `take()`
 * counts one request and says how many seconds to wait when the window is
 * full. Per process: with N workers a client may get up to N times the limit.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  #windows = new Map<string, { start: number; count: number }>();

  constructor(limit: number, windowSeconds: number) {
    this.#limit = limit;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Undefined when the request may go ahead, otherwise the seconds until it may (Retry-After). */
  take(key: string, now = Date.now()): number | undefined {
    let w = this.#windows.get(key);
    if (!w || now - w.start >= this.#windowMs) {
      if (this.#windows.size > 100_000) this.#prune(now);
      w = { start: now, count: 0 };
      this.#windows.set(key, w);
    }
    if (w.count >= this.#limit) return Math.max(1, Math.ceil((w.start + this.#windowMs - now) / 1000));
    w.count++;
    return undefined;
  }

  /** Like `take`, without counting: the seconds to wait when the window is full, else undefined. */
  full(key: string, now = Date.now()): number | undefined {
    const w = this.#windows.get(key);
    if (!w || now - w.start >= this.#windowMs || w.count < this.#limit) return undefined;
    return Math.max(1, Math.ceil((w.start + this.#windowMs - now) / 1000));
  }

  #prune(now: number): void {
    for (const [k, w] of this.#windows) if (now - w.start >= this.#windowMs) this.#windows.delete(k);
  }
}

/** `N/SECONDS` as checked by the configuration. */
export function parseRate(text: string): RateLimiter {
  const [n, s] = text.split('/').map(Number);
  return new RateLimiter(n, s);
}
