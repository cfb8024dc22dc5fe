/**
 * What a proxy says about the client's original request: `Forwarded`
 * (RFC 7239, its first element: the proxy nearest the client) or, without
 * it, `X-Forwarded-Proto` / `X-Forwarded-Host` (first values). Only believed
 * from trusted proxies; the caller checks that.
 */
export function forwardedOrigin(headers: Readonly<Record<string, string | undefined>>): { proto?: string; host?: string } {
  const out: { proto?: string; host?: string } = {};
  const fwd = headers.forwarded;
  if (fwd) {
    const first = fwd.split(',')[0];
    for (const pair of first.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim().toLowerCase();
      const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (name === 'proto') out.proto = value.toLowerCase();
      if (name === 'host') out.host = value;
    }
  } else {
    const proto = headers['x-forwarded-proto']?.split(',')[0].trim().toLowerCase();
    const host = headers['x-forwarded-host']?.split(',')[0].trim();
    if (proto) out.proto = proto;
    if (host) out.host = host;
  }
  if (out.proto !== 'http' && out.proto !== 'https') delete out.proto;
  return out;
}

/**
 * The client's address: the peer, or behind a trusted proxy the first
 * `Forwarded: for=` / `X-Forwarded-For` entry (the client as the outermost
 * proxy saw it). For per-address limits and logs.
 */
export function clientAddress(
  headers: Readonly<Record<string, string | undefined>>, peer: string | undefined, isTrustedProxy?: (address: string | undefined) => boolean,
): string | undefined {
  if (!isTrustedProxy?.(peer)) return peer;
  const fwd = headers.forwarded ? /(?:^|[;,\s])for="?\[?([^\]";,]+)/i.exec(headers.forwarded)?.[1] : undefined;
  return fwd ?? headers['x-forwarded-for']?.split(',')[0].trim() ?? peer;
}
