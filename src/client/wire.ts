import { OcciError } from '../errors.js';
import type { CategoryInput, EntityInput, Model } from '../model/index.js';
import { DEFAULT_RENDERING, HEADER_RENDERING, essence, findRendering, type ParseInput, type Parser } from '../rendering/index.js';
import { HttpError, ResponseError } from './errors.js';
import type { HttpRequest, HttpResponse } from './transport.js';

/**
 * Reading a server's answers with the project's renderings: the parser of
 * the answer's Content-Type (none: text/plain, OCCI's default; empty with
 * OCCI headers: text/occi), the server's reason out of an error answer.
 */

/** The parser for an answer, and the answer as a parser reads it. */
export function reader(res: HttpResponse, what: string): { parser: Parser; input: ParseInput; mediaType: string } {
  const type = res.headers['content-type'];
  const rendering = type === undefined || type.trim() === '' ? (res.body.trim() === '' ? HEADER_RENDERING : DEFAULT_RENDERING) : findRendering(type);
  if (!rendering?.parser) throw new ResponseError(`${what}: the server answered in ${essence(type ?? '')}, which is not an OCCI rendering`);
  const headers: Record<string, string | undefined> = { ...res.headers };
  // RFC 8288 paging links (rel="next") share the Link header with OCCI's links in text/occi.
  if (headers.link !== undefined) headers.link = keepOcciLinks(headers.link);
  return { parser: rendering.parser, input: { body: res.body, headers }, mediaType: rendering.mediaType };
}

/** Runs a parser on an answer; a ParsingError becomes a ResponseError naming the request. */
export function parsed<T>(res: HttpResponse, req: Pick<HttpRequest, 'method' | 'url'>, read: (parser: Parser, input: ParseInput) => T): T {
  const what = `${req.method} ${req.url.href}`;
  const { parser, input } = reader(res, what);
  try {
    return read(parser, input);
  } catch (err) {
    if (err instanceof OcciError) throw new ResponseError(`${what}: cannot read the server's answer: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The locations an answer lists: X-OCCI-Location headers (whatever its type) and its content. */
export function locationsOf(res: HttpResponse, req: Pick<HttpRequest, 'method' | 'url'>, model: Model): string[] {
  const fromHeaders = res.headers['x-occi-location'] !== undefined
    ? parsed(res, req, () => HEADER_RENDERING.parser!.parseLocations({ body: '', headers: { 'x-occi-location': res.headers['x-occi-location'] } }, model))
    : [];
  const type = essence(res.headers['content-type'] ?? '');
  if (type === 'text/occi' || res.body.trim() === '' || res.body.trim() === 'OK') return absolute(fromHeaders, req.url);
  if (type === 'application/occi+json' || type === 'application/json') {
    // JSON lists full entities (§5) or, from some servers, an array of locations.
    const body = res.body.trim();
    if (body.startsWith('[')) return absolute(parsed(res, req, (p, i) => p.parseLocations(i, model)), req.url);
    return [];
  }
  const fromBody = parsed(res, req, (p, i) => p.parseLocations(i, model));
  return absolute([...new Set([...fromHeaders, ...fromBody])], req.url);
}

/** Entities an answer carries in full (JSON collections), as parser input. */
export function entitiesOf(res: HttpResponse, req: Pick<HttpRequest, 'method' | 'url'>, model: Model): EntityInput[] {
  return parsed(res, req, (p, i) => p.parseEntities(i, model));
}

export function categoriesOf(res: HttpResponse, req: Pick<HttpRequest, 'method' | 'url'>, model: Model): CategoryInput[] {
  return parsed(res, req, (p, i) => p.parseCategories(i, model));
}

function absolute(locations: readonly string[], base: URL): string[] {
  return locations.map((l) => new URL(l, base).href);
}

/** `Link: <…>; rel="next"` (RFC 8288): the next page of a listing, if the server pages. */
export function nextPage(res: HttpResponse, base: URL): URL | undefined {
  const link = res.headers.link;
  if (link === undefined) return undefined;
  for (const m of link.matchAll(/<([^>]+)>\s*;([^,]*)/g)) {
    if (/\brel\s*=\s*"?next"?/i.test(m[2])) return new URL(m[1], base);
  }
  return undefined;
}

function keepOcciLinks(value: string): string | undefined {
  const kept = value.split(/,(?=\s*<)/).filter((item) => !/;\s*rel\s*=\s*"?(next|prev|previous|first|last)"?\s*(;|$)/i.test(item));
  return kept.length === 0 ? undefined : kept.join(',');
}

/** The error an error answer stands for, with the server's reason as it gave it. */
export function httpError(req: Pick<HttpRequest, 'method' | 'url'>, res: HttpResponse): HttpError {
  const { reason, code } = reasonOf(res);
  const challenges = res.rawHeaders.filter(([n]) => n.toLowerCase() === 'www-authenticate').map(([, v]) => v);
  return new HttpError({ status: res.status, statusText: res.statusText, reason, code, method: req.method, url: req.url.href, challenges });
}

/** occi-server's JSON `{code, message, error}` (ooi's `{code, message}`), text/occi's X-OCCI-Error, a text body, an HTML page's text. */
export function reasonOf(res: HttpResponse): { reason: string; code?: string } {
  const type = essence(res.headers['content-type'] ?? '');
  const body = res.body.trim();
  if (type.endsWith('json') && body !== '') {
    try {
      const doc = JSON.parse(body) as { message?: unknown; error?: unknown; description?: unknown };
      const message = typeof doc.message === 'string' ? doc.message : typeof doc.description === 'string' ? doc.description : undefined;
      if (message !== undefined) return { reason: clip(message), ...(typeof doc.error === 'string' ? { code: doc.error } : {}) };
    } catch {
      // Not JSON after all: the text below.
    }
  }
  if (res.headers['x-occi-error']) return { reason: clip(res.headers['x-occi-error']) };
  const text = type === 'text/html' ? body.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ') : body;
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && l !== 'OK');
  return { reason: clip(lines.join('; ')) };
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 1000 ? `${one.slice(0, 1000)}…` : one;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
