import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One element: its name, its element children in order, and its text (text and CDATA joined, decoded). */
export interface XmlNode {
  readonly name: string;
  readonly children: XmlNode[];
  readonly text: string;
}

/** Thrown when bytes are not well-formed XML or use an entity XML does not define. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

// Entities are decoded here, not by the parser: its decoder skips numeric
// references unless HTML entities are on, and CDATA must stay verbatim.
const PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  processEntities: false,
  parseTagValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 200,
});

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces the five XML entities and numeric character references; anything else is an error. */
export function decodeEntities(raw: string): string {
  // A scan, not replace() with a callback: a pool of 100 VMs holds tens of thousands of references.
  let at = raw.indexOf('&');
  if (at < 0) return raw;
  let out = '';
  let from = 0;
  while (at >= 0) {
    ENTITY_BODY.lastIndex = at + 1;
    const body = ENTITY_BODY.exec(raw)![0];
    const end = at + 1 + body.length;
    if (raw.charCodeAt(end) !== 59) throw new XmlSyntaxError(`unterminated entity reference "${raw.slice(at, end)}"`);
    out += raw.slice(from, at) + entityValue(body);
    from = end + 1;
    at = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

const ENTITY_BODY = /[^;&\s]*/y;

function entityValue(body: string): string {
  if (Object.hasOwn(NAMED, body)) return NAMED[body];
  const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
  if (!m) throw new XmlSyntaxError(`unknown entity "&${body};"`);
  const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2], 10);
  if (code > 0x10ffff || code === 0) throw new XmlSyntaxError(`invalid character reference "&${body};"`);
  return String.fromCodePoint(code);
}

// XML 1.0 §2.11: a parser hands on every line break as a single LF.
const normalizeNewlines = (s: string): string => s.replace(/\r\n?/g, '\n');

type Raw = Record<string, unknown>;

function toNode(name: string, items: Raw[]): XmlNode {
  const children: XmlNode[] = [];
  let text = '';
  for (const item of items) {
    if ('#text' in item) {
      text += decodeEntities(normalizeNewlines(String(item['#text'])));
    } else if ('#cdata' in item) {
      const parts = item['#cdata'] as Raw[];
      for (const p of parts) text += normalizeNewlines(String(p['#text'] ?? ''));
    } else if ('#comment' in item) {
      continue;
    } else {
      const key = Object.keys(item).find((k) => k !== ':@');
      if (key === undefined) continue;
      children.push(toNode(key, item[key] as Raw[]));
    }
  }
  return { name, children, text };
}

/** Parses a whole document into its root element; not well-formed input throws XmlSyntaxError. */
export function parseXmlTree(xml: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new XmlSyntaxError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  const top = PARSER.parse(xml) as Raw[];
  const roots = toNode('#document', top).children;
  if (roots.length !== 1) throw new XmlSyntaxError(`expected one root element, found ${roots.length}`);
  return roots[0];
}

/** Escapes text for element content: `&`, `<`, `>`, and CR (kept as a reference so parsers do not fold it). */
export function escapeXmlText(s: string): string {
  // XML 1.0 Char production: these code points cannot be sent at all, not even as references.
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s)) {
    throw new TypeError('string holds a control character that XML 1.0 cannot carry');
  }
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}
