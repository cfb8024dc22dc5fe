import { SERVER_HEADER } from './app.js';
import type { OcciRequest, OcciResponse } from './exchange.js';

type Handle = (req: OcciRequest) => Promise<OcciResponse>;

const METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS';
/** What a browser script may read: OCCI travels in headers in text/occi. */
const EXPOSED = 'Location, ETag, X-Request-Id, WWW-Authenticate, Retry-After, Category, Link, X-Total-Count, X-OCCI-Attribute, X-OCCI-Location, X-OCCI-Error, Allow';

/**
 * CORS (Fetch standard §3.2) for the listed origins (`*` for any). A
 * preflight from an allowed origin is answered here, before authentication
 * (browsers send it without credentials); other origins get no CORS headers,
 * so browsers keep the answer from their scripts.
 */
export function withCors(handle: Handle, origins: readonly string[]): Handle {
  const any = origins.includes('*');
  const allowed = (o: string | undefined): o is string => o !== undefined && (any || origins.includes(o));
  const corsHeaders = (origin: string): Array<[string, string]> => [
    ['Access-Control-Allow-Origin', any ? '*' : origin],
    ...(any ? [] : [['Vary', 'Origin'] as [string, string], ['Access-Control-Allow-Credentials', 'true'] as [string, string]]),
  ];
  return async (req) => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined && allowed(origin)) {
      const headers: Array<[string, string]> = [
        ['Server', SERVER_HEADER], ...corsHeaders(origin), ['Access-Control-Allow-Methods', METHODS], ['Access-Control-Max-Age', '600'],
      ];
      const asked = req.headers['access-control-request-headers'];
      if (asked) headers.push(['Access-Control-Allow-Headers', asked]);
      return { status: 204, headers, body: '', meta: { route: 'preflight' } };
    }
    const res = await handle(req);
    if (allowed(origin)) res.headers.push(...corsHeaders(origin), ['Access-Control-Expose-Headers', EXPOSED]);
    return res;
  };
}
