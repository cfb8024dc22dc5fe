import { ValidationError } from '../errors.js';

/**
 * The absolute base URL for rendered locations: the configured public URL, or
 * `http://` + the request's Host (HTTP Protocol §2: clients need absolute URLs).
 */
export function baseUrlFor(publicUrl: string | undefined, host: string | undefined, fallbackHost: string, proto: 'http' | 'https' | string = 'http'): string {
  if (publicUrl) return publicUrl;
  const h = host !== undefined && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : fallbackHost;
  return `${proto}://${h}`;
}

/**
 * Turns a URI a client sent into a path of this server when it is one: an
 * absolute URL under `baseUrl` (or with the same host), an absolute path, or
 * a relative reference. Other absolute URIs are external and kept as they are.
 */
export function makeResolver(baseUrl: string): (uri: string) => string {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  return (uri) => {
    const u = uri.trim();
    let path: string;
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(u)) {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        return u;
      }
      if (parsed.host !== base.host || !(parsed.protocol === 'http:' || parsed.protocol === 'https:')) return u;
      path = parsed.pathname;
      if (basePath && path.startsWith(basePath + '/')) path = path.slice(basePath.length);
    } else {
      path = u.startsWith('/') ? u : `/${u}`;
      if (basePath && path.startsWith(basePath + '/')) path = path.slice(basePath.length);
    }
    checkPath(path);
    return path;
  };
}

/** A `.` or `..` segment anywhere in a path. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Refuses paths that could escape the namespace or confuse a store. */
export function checkPath(path: string): void {
  if (path.length > 2048 || path.includes('//') || /[\u0000-\u001f\u007f\\]/.test(path) || DOT_SEGMENT.test(path)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LOCATION', `invalid location ${JSON.stringify(path.slice(0, 100))}`);
  }
}
