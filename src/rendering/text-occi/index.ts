/** text/occi: OCCI lines in HTTP headers, one header per line type, body `OK` (Text Rendering §6). */
import type { FilterInput, Model } from '../../model/index.js';
import { LINE_NAMES, checkValue, oneLine, readLines, type Line, type LineName } from '../_grammar.js';
import { ENTITY_LINE_NAMES, categoryLines, entityLines, locationLines, readFilter, textParser, type EntityLines } from '../_text-entity.js';
import { requestLines } from '../_text-request.js';
import { Memo } from '../_memo.js';
import type { ParseInput, Rendered, Rendering } from '../rendering.js';

const ENTITIES = new Memo<Rendered>();
const CATEGORIES = new Memo<Rendered>();

export const textOcci: Rendering = {
  mediaType: 'text/occi',
  aliases: [],
  contentTypeParameters: '',
  collectionDetail: 'locations',
  canRender: () => true,
  render(value, ctx): Rendered {
    switch (value.type) {
      case 'entity':
        return ENTITIES.get(value.entity, ctx.model.renderKey, () => okEntity(entityLines(value.entity, ctx.model)));
      case 'collection':
        return ok(locationLines(value.locations, ctx.baseUrl));
      case 'categories':
        return CATEGORIES.get(value.categories, ctx.model.renderKey, () => ok(categoryLines(value.categories)));
      case 'empty':
        return ok([]);
      case 'error':
        return { headers: [['X-OCCI-Error', toHeader(value.message)]], body: `${oneLine(value.message)}\r\n` };
    }
  },
  parser: textParser(readRequest),
  // A request carries its lines in headers and nothing in the body (§6).
  renderRequest: (content) => ({ headers: ok(requestLines(content)).headers, body: '' }),
};

/**
 * The filter of a GET (HTTP Protocol §9): `Category` and `X-OCCI-Attribute`
 * request headers, whatever the request's Content-Type.
 */
export function parseHeaderFilter(headers: ParseInput['headers'], _model: Model): FilterInput {
  return readFilter(headerLines(headers, ['Category', 'X-OCCI-Attribute']));
}

/** One header per line type, values joined by `, ` (the form §6 recommends); the body is exactly `OK`. */
function ok(lines: readonly Line[]): Rendered {
  const headers: Array<[string, string]> = [];
  for (const name of LINE_NAMES) {
    const values = lines.filter((l) => l.name === name).map((l) => l.value);
    if (values.length > 0) headers.push([name, toHeader(values.join(', '))]);
  }
  return { headers, body: 'OK' };
}

/** `ok()` for an entity, whose values come grouped by line type, and on one line, already. */
function okEntity(lines: EntityLines): Rendered {
  const headers: Array<[string, string]> = [];
  for (const name of ENTITY_LINE_NAMES) if (lines[name].length > 0) headers.push([name, utf8AsLatin1(lines[name].join(', '))]);
  return { headers, body: 'OK' };
}

/** Any text as a header value: on one line, then as Node writes it. */
function toHeader(value: string): string {
  return utf8AsLatin1(oneLine(value));
}

/**
 * Node writes header values as ISO-8859-1: non-ASCII text goes out as its
 * UTF-8 bytes, which is what a UTF-8 client reads back.
 */
function utf8AsLatin1(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/** The reverse of toHeader, when the header's bytes are valid UTF-8. */
function fromHeader(value: string): string {
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  // Fatal decoding: a U+FFFD the client really sent (EF BF BD) is kept, bytes that are not UTF-8 stay Latin-1.
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const HEADER_NAMES: ReadonlyArray<[LineName, string]> = LINE_NAMES.map((n) => [n, n.toLowerCase()]);

function headerLines(headers: ParseInput['headers'], names: readonly LineName[] = LINE_NAMES): Line[] {
  const out: Line[] = [];
  for (const [name, key] of HEADER_NAMES) {
    const value = headers[key];
    if (!names.includes(name) || value === undefined || value.trim() === '') continue;
    out.push({ name, value: checkValue(fromHeader(value).trim()) });
  }
  return out;
}

/** A text/occi request: the OCCI headers, plus body lines when a client put some there (anything but `OK`). */
function readRequest(input: ParseInput): Line[] {
  const lines = headerLines(input.headers);
  const body = input.body.trim();
  return body === '' || body === 'OK' ? lines : [...lines, ...readLines(input.body)];
}
