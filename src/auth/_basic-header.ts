import { AuthenticationError } from '../errors.js';

/**
 * The user and password of an `Authorization: Basic` header (RFC 7617);
 * undefined when the request carries no Basic credentials, and a 401 when it
 * carries broken ones. `pair` is the decoded `user:password`, for digests.
 */
export function readBasic(authorization: string | undefined): { user: string; password: string; pair: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) {
    if (/^Basic\b/i.test(authorization ?? '')) throw new AuthenticationError('malformed Basic credentials');
    return undefined;
  }
  const pair = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  if (colon <= 0) throw new AuthenticationError('malformed Basic credentials');
  return { user: pair.slice(0, colon), password: pair.slice(colon + 1), pair };
}
