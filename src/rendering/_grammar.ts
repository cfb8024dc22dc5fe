/**
 * The OCCI HTTP text grammar shared by text/plain and text/occi (OCCI 1.2
 * Text Rendering §2-§3; GFD.185 §3): lines, lists, parameters, quoting,
 * attribute values, and the parsing of Category and Link values.
 * Folder-private: renderings import it, nothing outside `rendering/` does.
 */
import { ParsingError } from '../errors.js';
import { ATTRIBUTE_NAME, TERM, type AttributeDefinition, type AttributeInput, type AttributeValue, type CategoryClass } from '../model/index.js';

/** The four line types (Text Rendering §1), in the order text/occi emits its headers. */
export const LINE_NAMES = ['Category', 'Link', 'X-OCCI-Attribute', 'X-OCCI-Location'] as const;
export type LineName = (typeof LINE_NAMES)[number];

/** One OCCI line: `Name: value` in text/plain, one item of a header in text/occi. */
export interface Line {
  readonly name: LineName;
  readonly value: string;
}

// Limits against hostile input: nothing legitimate comes near them.
export const MAX_LINES = 10_000;
export const MAX_ITEMS = 1_000;
export const MAX_VALUE_BYTES = 64 * 1024;

// Field names compare case-insensitively (Text Rendering §1); `Location` is
// pOCCI's synonym of `X-OCCI-Location` in bodies (§8).
const NAMES = new Map<string, LineName>([
  ['category', 'Category'],
  ['link', 'Link'],
  ['x-occi-attribute', 'X-OCCI-Attribute'],
  ['x-occi-location', 'X-OCCI-Location'],
  ['location', 'X-OCCI-Location'],
]);

// C0 controls (but TAB) and DEL cannot travel in a line or header (§3).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

// ---------------------------------------------------------------- rendering

/** A quoted-string (RFC 7230): only `"` and `\` are escaped (Text Rendering §3). */
export function quote(text: string): string {
  // Most values hold neither: two scans for a character are cheaper than a replace.
  if (text.indexOf('"') < 0 && text.indexOf('\\') < 0) return `"${text}"`;
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Last line of defence against header and line injection: the model refuses
 * control characters in strings, but a value that slipped through must not
 * end the line it is written on.
 */
export function oneLine(text: string): string {
  // A test without a match is cheaper than a replace without one, and almost no value holds a control.
  return CONTROL.test(text) ? text.replace(CONTROLS, ' ') : text;
}

/** text/plain: `Name: value` CRLF per line (Text Rendering §5). */
export function formatLines(lines: readonly Line[]): string {
  return lines.map((l) => `${l.name}: ${oneLine(l.value)}\r\n`).join('');
}

/** A location as an absolute URL: paths get the base URL in front (Text Rendering §7, "use absolute URLs"). */
export function absoluteUrl(location: string, baseUrl: string): string {
  return location.startsWith('/') ? baseUrl + location : location;
}

/** A URI inside `<...>`: characters that would end it are percent-encoded. */
export function angle(uri: string): string {
  return `<${inAngle(uri)}>`;
}

const ENDS_URI = /[<>"\s]/;
const ENDS_URI_ALL = /[<>"\s]/g;

/**
 * What `angle()` puts between `<` and `>`. Encoding goes character by
 * character, so a URI may be encoded in pieces: `inAngle(a) + inAngle(b)`
 * is `inAngle(a + b)`.
 */
export function inAngle(uri: string): string {
  if (!ENDS_URI.test(uri)) return uri;
  return uri.replace(ENDS_URI_ALL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * An attribute value, typed by its definition (Text Rendering §3): strings
 * and enums quoted, integers as digits, floats always with a decimal point,
 * booleans bare, lists and hashes as JSON inside a quoted string (rOCCI's
 * form; 1.2 text has no syntax for them). Without a definition the JS value
 * decides.
 */
export function formatValue(value: AttributeValue, def?: AttributeDefinition): string {
  switch (def?.type) {
    case 'string':
    case 'enum':
      if (typeof value !== 'object') return quote(String(value));
      break;
    case 'integer':
      if (typeof value === 'number') return formatNumber(value, Number.isInteger(value));
      break;
    case 'number':
      if (typeof value === 'number') return formatNumber(value, false);
      break;
    case 'boolean':
      if (typeof value === 'boolean') return String(value);
      break;
    case 'list':
    case 'hash':
      return quote(typeof value === 'string' ? value : JSON.stringify(value));
  }
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return formatNumber(value, Number.isInteger(value));
  return quote(JSON.stringify(value));
}

function formatNumber(n: number, integer: boolean): string {
  // The grammar has neither NaN nor Infinity; a string at least parses.
  if (!Number.isFinite(n)) return quote(String(n));
  const text = plainDecimal(n);
  return integer || text.includes('.') ? text : `${text}.0`;
}

/** `1e+21` → `1000000000000000000000`, `1e-7` → `0.0000001`: the grammar has no exponent (§3). */
function plainDecimal(n: number): string {
  const text = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, first, rest = '', expText] = m;
  const digits = first + rest;
  const exp = Number(expText);
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const point = exp + 1;
  return sign + (digits.length <= point ? digits.padEnd(point, '0') : `${digits.slice(0, point)}.${digits.slice(point)}`);
}

// ------------------------------------------------------------------ parsing

/**
 * Reads a text/plain body into lines (Text Rendering §5, §8): CRLF, LF and
 * pOCCI's `\n\r` all end a line, blank lines are skipped, a line starting
 * with space or tab continues the previous one.
 */
export function readLines(body: string): Line[] {
  const out: Line[] = [];
  // The line being read, as parts: a continuation appends a part, and the value is joined and
  // checked once at its end, so a value continued over n lines costs O(n), not O(n²).
  let name: LineName | undefined;
  let parts: string[] = [];
  let length = 0;
  const finish = () => {
    if (name !== undefined) out.push({ name, value: checkValue(parts.join(' ')) });
    name = undefined;
  };
  let start = 0;
  let count = 0;
  // `<`: a final line end ends the last line, it does not start another one.
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    if (++count > MAX_LINES) throw tooLarge(`more than ${MAX_LINES} lines`);
    const raw = body.slice(start, end).replace(/^\r+|\r+$/g, '');
    start = end + 1;
    if (raw.trim() === '') continue;
    if (CONTROL.test(raw)) throw new ParsingError('control characters are not allowed in a line (CR only as part of a line end)');
    if (raw[0] === ' ' || raw[0] === '\t') {
      if (name === undefined) throw new ParsingError('the first line cannot be a continuation line');
      const part = raw.trim();
      // The joined value's length, counted as it grows (UTF-16 units; checkValue counts bytes at the end).
      length += 1 + part.length;
      if (length > MAX_VALUE_BYTES) throw tooLarge(`a value is longer than ${MAX_VALUE_BYTES} bytes`);
      parts.push(part);
      continue;
    }
    finish();
    // `s`: U+2028/U+2029 are text in a value, not line ends (only LF ends a line; CONTROL refuses the rest).
    const m = /^([A-Za-z][A-Za-z-]*):(.*)$/s.exec(raw);
    const lineName = m ? NAMES.get(m[1].toLowerCase()) : undefined;
    if (!m || !lineName) {
      throw new ParsingError(`not an OCCI line (expected Category, Link, X-OCCI-Attribute or X-OCCI-Location): ${excerpt(raw)}`);
    }
    name = lineName;
    const first = m[2].trim();
    if (first.length > MAX_VALUE_BYTES) throw tooLarge(`a value is longer than ${MAX_VALUE_BYTES} bytes`);
    parts = [first];
    length = first.length;
  }
  finish();
  return out;
}

/** Checks one line or header value against the size limit and control characters. */
export function checkValue(value: string): string {
  if (value.length > MAX_VALUE_BYTES || Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
    throw tooLarge(`a value is longer than ${MAX_VALUE_BYTES} bytes`);
  }
  if (CONTROL.test(value)) throw new ParsingError('control characters are not allowed in a value');
  return value;
}

/**
 * Splits at `sep` outside quoted strings and `<...>` (Text Rendering §1:
 * "split on commas outside quoted strings only"). Items are trimmed; a
 * comma list drops empty items (RFC 7230 §7), a parameter list keeps them.
 */
export function splitOutside(value: string, sep: ',' | ';'): string[] {
  const out: string[] = [];
  let quoted = false;
  let bracketed = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (bracketed) {
      if (c === '>') bracketed = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') bracketed = true;
    else if (c === sep) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (quoted) throw new ParsingError(`unbalanced double quote in ${excerpt(value)}`);
  if (bracketed) throw new ParsingError(`"<" without ">" in ${excerpt(value)}`);
  out.push(value.slice(start).trim());
  return sep === ',' ? out.filter((item) => item !== '') : out;
}

/** The `;`-separated parts of one item; a trailing `;` is tolerated (rOCCI, spec examples; §8). */
export function splitParams(item: string): string[] {
  const parts = splitOutside(item, ';');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.some((p) => p === '')) throw new ParsingError(`empty parameter in ${excerpt(item)}`);
  return parts;
}

/** `name=value` → [name, value], both trimmed. */
export function splitParam(param: string): [string, string] {
  const eq = param.indexOf('=');
  if (eq < 0) throw new ParsingError(`expected name=value, got ${excerpt(param)}`);
  return [param.slice(0, eq).trim(), param.slice(eq + 1).trim()];
}

/** A parameter or attribute value: a quoted-string (unescaped: `\` escapes any character) or a bare token. */
export function unquote(raw: string): { quoted: boolean; text: string } {
  if (!raw.startsWith('"')) return { quoted: false, text: raw };
  let text = '';
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      if (i + 1 >= raw.length) break;
      text += raw[++i];
    } else if (c === '"') {
      if (raw.slice(i + 1).trim() !== '') throw new ParsingError(`text after a closing quote in ${excerpt(raw)}`);
      return { quoted: true, text };
    } else text += c;
  }
  throw new ParsingError(`unbalanced double quote in ${excerpt(raw)}`);
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.\d*|\.\d+)$/;
// Not in the grammar, but clients send `x86` and `/dev/vdb` unquoted; a plain
// token cannot be anything but a string.
const BARE_STRING = /^[A-Za-z0-9_.:/-]+$/;

/** Types a value by its syntax (Text Rendering §3): `"..."` string, digits number, `true`/`false` boolean. */
export function parseValue(raw: string): AttributeValue {
  const { quoted, text } = unquote(raw);
  if (quoted) return text;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (INTEGER.test(text) || FLOAT.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n)) throw new ParsingError(`number out of range: ${excerpt(text)}`);
    return n;
  }
  if (BARE_STRING.test(text)) return text;
  throw new ParsingError(`cannot read the value ${excerpt(text)}: quote strings, write numbers as digits, booleans as true/false`);
}

/** One `name=value` of an X-OCCI-Attribute line or a Link (Text Rendering §2.5). */
export function parseAttribute(item: string): [string, AttributeValue] {
  const [name, raw] = splitParam(item);
  if (!ATTRIBUTE_NAME.test(name)) throw new ParsingError(`invalid attribute name ${excerpt(name)}`);
  return [name, parseValue(raw)];
}

/** What a Category line says (Text Rendering §2.2); `attributes` are names without their markers. */
export interface CategoryLine {
  term: string;
  scheme: string;
  class: CategoryClass;
  title?: string;
  rel: string[];
  location?: string;
  attributes: string[];
  /** The attributes with their markers, when there are any (what a client reads from discovery). */
  definitions?: AttributeInput[];
  actions: string[];
}

const CATEGORY_PARAMS = new Set(['scheme', 'class', 'title', 'rel', 'location', 'attributes', 'actions']);
const CLASSES = new Set<string>(['kind', 'mixin', 'action']);

/** One Category value; parameters in any order, `class` quoted or not (§8). */
export function parseCategory(item: string): CategoryLine {
  const [term, ...params] = splitParams(item);
  if (!TERM.test(term)) throw new ParsingError(`invalid category term ${excerpt(term)}`);
  const seen = new Map<string, string>();
  for (const p of params) {
    const [rawName, raw] = splitParam(p);
    const name = rawName.toLowerCase();
    if (!CATEGORY_PARAMS.has(name)) throw new ParsingError(`unknown category parameter ${excerpt(rawName)}`);
    if (seen.has(name)) throw new ParsingError(`category parameter ${name} given twice`);
    const { quoted, text } = unquote(raw);
    if (!quoted && name !== 'class') throw new ParsingError(`category parameter ${name} must be a quoted string`);
    seen.set(name, text);
  }
  const scheme = seen.get('scheme');
  const cls = seen.get('class');
  if (!scheme) throw new ParsingError(`category ${term} has no scheme`);
  if (cls === undefined || !CLASSES.has(cls)) throw new ParsingError(`category ${term} needs class "kind", "mixin" or "action"`);
  const definitions = parseAttributeList(seen.get('attributes') ?? '');
  const out: CategoryLine = {
    term, scheme, class: cls as CategoryClass,
    rel: words(seen.get('rel')),
    attributes: definitions.map((d) => d.name),
    actions: words(seen.get('actions')),
  };
  if (definitions.length > 0) out.definitions = definitions;
  const title = seen.get('title');
  const location = seen.get('location');
  if (title !== undefined) out.title = title;
  if (location !== undefined) out.location = location;
  return out;
}

function words(text: string | undefined): string[] {
  return text === undefined ? [] : text.split(/\s+/).filter((w) => w !== '');
}

// attribute-def = attribute-name [ "{" attribute-property *( 1*SP attribute-property ) "}" ] (§2.2)
const ATTRIBUTE_DEF = /\s*([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\{(\s*(?:immutable|required)(?:\s+(?:immutable|required))*\s*)\})?(?=\s|$)/y;

function parseAttributeList(text: string): AttributeInput[] {
  const out: AttributeInput[] = [];
  const list = text.trim();
  let i = 0;
  while (i < list.length) {
    ATTRIBUTE_DEF.lastIndex = i;
    const m = ATTRIBUTE_DEF.exec(list);
    if (!m) throw new ParsingError(`invalid attribute list ${excerpt(list.slice(i))}`);
    const markers = (m[2] ?? '').split(/\s+/);
    out.push({ name: m[1], mutable: !markers.includes('immutable'), required: markers.includes('required') });
    i = ATTRIBUTE_DEF.lastIndex;
  }
  return out;
}

/** What a Link line says (Text Rendering §2.3, §2.4). */
export interface LinkLine {
  uri: string;
  rel: string[];
  self?: string;
  category: string[];
  attributes: Record<string, AttributeValue>;
}

/** One Link value: `<uri>; rel="..."[; self="..."][; category="..."; name=value...]`. */
export function parseLink(item: string): LinkLine {
  const [target, ...params] = splitParams(item);
  const m = /^<([^<>\s]+)>$/.exec(target);
  if (!m) throw new ParsingError(`a Link starts with <uri>, got ${excerpt(target)}`);
  const out: LinkLine = { uri: m[1], rel: [], category: [], attributes: {} };
  let rel: string | undefined;
  let category: string | undefined;
  for (const p of params) {
    const [name, raw] = splitParam(p);
    const key = name.toLowerCase();
    if (key === 'rel' || key === 'self' || key === 'category') {
      const { text } = unquote(raw);
      if ((key === 'rel' ? rel : key === 'self' ? out.self : category) !== undefined) {
        throw new ParsingError(`link parameter ${key} given twice`);
      }
      if (key === 'rel') rel = text;
      else if (key === 'self') out.self = text;
      else category = text;
      continue;
    }
    const [attrName, value] = parseAttribute(p);
    if (Object.hasOwn(out.attributes, attrName)) throw new ParsingError(`link attribute ${attrName} given twice`);
    out.attributes[attrName] = value;
  }
  if (rel === undefined) throw new ParsingError(`link <${out.uri}> has no rel`);
  out.rel = words(rel);
  out.category = words(category);
  if (out.category.length === 0 && Object.keys(out.attributes).length > 0) {
    throw new ParsingError(`link <${out.uri}>: attributes are only allowed after category (Text Rendering §2.3)`);
  }
  return out;
}

/** The input echoed in an error message: short, and on one line. */
export function excerpt(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return JSON.stringify(short);
}

function tooLarge(message: string): ParsingError {
  return new ParsingError(message, 'OCCI_ERR_PARSE_BODY_TOO_LARGE');
}

/** 413: more entities and links than the server's limit of items per request (ParseInput.maxItems). */
export function tooManyItems(max: number): ParsingError {
  return new ParsingError(`more than ${max} entities and inline links in one request; at most ${max} (--max-items-per-request)`, 'OCCI_ERR_TOO_LARGE_ITEMS');
}

/** Refuses more than MAX_ITEMS values of one kind in a request. */
export function checkCount(count: number, what: string): void {
  if (count > MAX_ITEMS) throw tooLarge(`more than ${MAX_ITEMS} ${what} in one request`);
}
