import { RenderingError } from '../errors.js';
import { occiJson } from './occi-json/index.js';
import type { Renderable, Rendering } from './rendering.js';
import { textOcci } from './text-occi/index.js';
import { textPlain } from './text-plain/index.js';
import { uriList } from './uri-list/index.js';

/**
 * THE list of renderings, in server preference order (used when the client
 * ranks several equally): text/plain is OCCI's default and fall-back.
 */
export const RENDERINGS: readonly Rendering[] = [textPlain, textOcci, occiJson, uriList];

const BY_TYPE = new Map<string, Rendering>();
for (const r of RENDERINGS) {
  for (const t of [r.mediaType, ...r.aliases]) {
    if (BY_TYPE.has(t)) throw new Error(`media type ${t} is registered twice`);
    BY_TYPE.set(t, r);
  }
}

/** Every media type (with aliases) we speak, for `Accept` on responses and 406/415 messages. */
export const MEDIA_TYPES: readonly string[] = [...BY_TYPE.keys()];

/** The rendering for a media type (parameters and case ignored), or undefined. */
export function findRendering(mediaType: string): Rendering | undefined {
  return BY_TYPE.get(essence(mediaType));
}

/**
 * The rendering that reads a request body of this `Content-Type`. Some
 * clients (the Infrastructure Manager) send a list, `text/plain,text/occi`:
 * the first type in it that we can read is taken. Undefined when none is.
 */
export function findParser(contentType: string): Rendering | undefined {
  for (const type of contentType.split(',')) {
    const r = findRendering(type);
    if (r?.parser) return r;
  }
  return undefined;
}

/** `text/plain; charset=utf-8` → `text/plain`. */
export function essence(mediaType: string): string {
  const semi = mediaType.indexOf(';');
  return (semi < 0 ? mediaType : mediaType.slice(0, semi)).trim().toLowerCase();
}

export interface Negotiated {
  readonly rendering: Rendering;
  /** The media type to send in Content-Type: the one the client named (an alias stays an alias). */
  readonly mediaType: string;
}

interface AcceptEntry {
  type: string;
  q: number;
  specificity: number;
  order: number;
}

/** Parses an Accept header (RFC 9110 §12.5.1); malformed entries are skipped. */
export function parseAccept(accept: string): AcceptEntry[] {
  const out: AcceptEntry[] = [];
  let order = 0;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    if (!/^[a-z0-9!#$&^_.+*-]+\/[a-z0-9!#$&^_.+*-]+$/.test(type)) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Math.min(1, Number(m[1]) || 0);
    }
    const specificity = type === '*/*' ? 0 : type.endsWith('/*') ? 1 : 2;
    out.push({ type, q, specificity, order: order++ });
  }
  return out.sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.order - b.order);
}

/** OCCI's default rendering (HTTP Protocol §13): bodies without a Content-Type, errors nothing else can carry. */
export const DEFAULT_RENDERING: Rendering = textPlain;
/** The rendering carried in HTTP headers (`X-OCCI-Location`, `Category`), whatever the body's type. */
export const HEADER_RENDERING: Rendering = textOcci;

const DEFAULT: Negotiated = { rendering: DEFAULT_RENDERING, mediaType: DEFAULT_RENDERING.mediaType };

/**
 * Picks the rendering for a response (HTTP Protocol §13): no Accept or `*\/*`
 * gives text/plain; `text/uri-list` for something that is not a listing is a
 * 400 when the client accepts nothing else; nothing acceptable is a 406.
 */
export function negotiate(accept: string | undefined, type: Renderable['type']): Negotiated {
  if (accept === undefined) return DEFAULT;
  // Clients send the same few Accept headers again and again: each pair is worked out once.
  const key = `${type} ${accept}`;
  const known = NEGOTIATED.get(key);
  if (known) return known;
  const found = negotiateAnew(accept, type);
  if (NEGOTIATED.size >= 512) NEGOTIATED.clear();
  NEGOTIATED.set(key, found);
  return found;
}

/** Successful negotiations by `type Accept`; bounded (cleared when full). Refusals throw and are not kept. */
const NEGOTIATED = new Map<string, Negotiated>();

function negotiateAnew(accept: string, type: Renderable['type']): Negotiated {
  if (accept.trim() === '') return DEFAULT;
  const entries = parseAccept(accept);
  const excluded = new Set(entries.filter((e) => e.q === 0).map((e) => e.type));
  let uriListRefused = false;
  for (const e of entries) {
    if (e.q === 0) continue;
    for (const [mediaType, rendering] of candidates(e.type)) {
      if (excluded.has(mediaType)) continue;
      if (!rendering.canRender(type)) {
        if (rendering.mediaType === 'text/uri-list') uriListRefused = true;
        continue;
      }
      return { rendering, mediaType };
    }
  }
  if (uriListRefused) {
    throw new RenderingError('OCCI_ERR_RENDER_URI_LIST', 'text/uri-list can only render collections; ask for text/plain, text/occi or application/occi+json');
  }
  throw new RenderingError('OCCI_ERR_RENDER_NOT_ACCEPTABLE', `none of the accepted media types (${accept}) can be served; available: ${MEDIA_TYPES.join(', ')}`);
}

function candidates(type: string): Array<[string, Rendering]> {
  if (type === '*/*') return RENDERINGS.map((r) => [r.mediaType, r]);
  if (type.endsWith('/*')) {
    const major = type.slice(0, -1);
    return RENDERINGS.filter((r) => r.mediaType.startsWith(major)).map((r) => [r.mediaType, r]);
  }
  const r = BY_TYPE.get(type);
  return r ? [[type, r]] : [];
}
