import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A vector attribute (`DISK = [ IMAGE_ID = 0, TARGET = vda ]`): sub-attribute name to value. */
export type Vector = Record<string, string>;
export type TplValue = string | Vector;
/** An OpenNebula template: attributes in insertion order; a name may repeat (several DISK). */
export type Tpl = Array<{ name: string; value: TplValue }>;

/** The template text does not parse; oned answers INTERNAL with the parser's message. */
export class TemplateSyntaxError extends Error {}

const NAME = /[A-Za-z0-9_.-]/;

/**
 * Parses a template string in either syntax of xml-rpc.md §3.2 / §7: native
 * `NAME = VALUE` lines with `[ ... ]` vectors, or XML rooted at `<TEMPLATE>`.
 * Names are upper-cased as oned does.
 */
export function parseTemplate(text: string): Tpl {
  return text.trimStart().startsWith('<') ? parseXmlTemplate(text) : parseNative(text);
}

function parseNative(text: string): Tpl {
  const out: Tpl = [];
  let i = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new TemplateSyntaxError(`syntax error, unexpected ${what} at line ${line}`);
  };
  const skipSpace = (newlines: boolean): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') { if (!newlines) return; line++; i++; }
      else if (c === ' ' || c === '\t' || c === '\r') i++;
      else if (c === '#' && newlines) { while (i < text.length && text[i] !== '\n') i++; }
      else return;
    }
  };
  const readName = (): string => {
    const start = i;
    while (i < text.length && NAME.test(text[i])) i++;
    if (i === start) fail(i < text.length ? `'${text[i]}'` : 'end of template, expecting VARIABLE');
    return text.slice(start, i).toUpperCase();
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let s = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) { s += text[i + 1]; i += 2; continue; }
      if (text[i] === '\n') line++;
      s += text[i++];
    }
    if (i >= text.length) fail('end of template, expecting closing quote');
    i++;
    return s;
  };
  const readBare = (stops: string): string => {
    const start = i;
    while (i < text.length && !stops.includes(text[i])) i++;
    return text.slice(start, i).trim();
  };
  const expect = (c: string): void => {
    skipSpace(true);
    if (text[i] !== c) fail(i < text.length ? `'${text[i]}', expecting '${c}'` : `end of template, expecting '${c}'`);
    i++;
  };

  for (skipSpace(true); i < text.length; skipSpace(true)) {
    const name = readName();
    expect('=');
    skipSpace(false);
    if (text[i] === '[') {
      i++;
      const vector: Vector = {};
      for (;;) {
        skipSpace(true);
        const key = readName();
        expect('=');
        skipSpace(true);
        vector[key] = text[i] === '"' ? readQuoted() : readBare(',]\n');
        skipSpace(true);
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; break; }
        fail(i < text.length ? `'${text[i]}', expecting ',' or ']'` : "end of template, expecting ']'");
      }
      out.push({ name, value: vector });
    } else {
      out.push({ name, value: text[i] === '"' ? readQuoted() : readBare('\n') });
    }
    skipSpace(false);
    if (i < text.length && text[i] !== '\n' && text[i] !== '#') fail(`'${text[i]}', expecting end of line`);
  }
  return out;
}

const XML = new XMLParser({
  preserveOrder: true, ignoreAttributes: true, parseTagValue: false, trimValues: true, ignoreDeclaration: true,
  processEntities: { enabled: true, maxExpandedLength: 1e9, maxTotalExpansions: 1e9 }, htmlEntities: true,
});

type Raw = Record<string, unknown>;
const elementName = (item: Raw): string | undefined => Object.keys(item).find((k) => k !== ':@' && !k.startsWith('#'));
const textOf = (items: Raw[]): string => items.map((c) => ('#text' in c ? String(c['#text']) : '')).join('');

function parseXmlTemplate(text: string): Tpl {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new TemplateSyntaxError(`Parse error: ${valid.err.msg} at line ${valid.err.line}`);
  const top = XML.parse(text) as Raw[];
  const root = top.find((item) => elementName(item) !== undefined);
  if (!root || elementName(root) !== 'TEMPLATE') throw new TemplateSyntaxError('Parse error: root element is not TEMPLATE');
  const out: Tpl = [];
  for (const item of root.TEMPLATE as Raw[]) {
    const name = elementName(item);
    if (name === undefined) continue;
    const children = item[name] as Raw[];
    if (children.some((c) => elementName(c) !== undefined)) {
      const vector: Vector = {};
      for (const c of children) {
        const sub = elementName(c);
        if (sub !== undefined) vector[sub.toUpperCase()] = textOf(c[sub] as Raw[]);
      }
      out.push({ name: name.toUpperCase(), value: vector });
    } else {
      out.push({ name: name.toUpperCase(), value: textOf(children) });
    }
  }
  return out;
}

/** The first string value of `name`. */
export function tplString(tpl: Tpl, name: string): string | undefined {
  const found = tpl.find((a) => a.name === name && typeof a.value === 'string');
  return found?.value as string | undefined;
}

/** Every vector value of `name`, in order (the objects themselves: editing them edits the template). */
export function tplVectors(tpl: Tpl, name: string): Vector[] {
  return tpl.filter((a) => a.name === name && typeof a.value !== 'string').map((a) => a.value as Vector);
}

/** Replaces every `name` with one value. */
export function tplSet(tpl: Tpl, name: string, value: TplValue): void {
  const at = tpl.findIndex((a) => a.name === name);
  tplRemove(tpl, name);
  tpl.splice(at === -1 ? tpl.length : Math.min(at, tpl.length), 0, { name, value });
}

export function tplRemove(tpl: Tpl, name: string): void {
  for (let i = tpl.length - 1; i >= 0; i--) if (tpl[i].name === name) tpl.splice(i, 1);
}

/** oned's merge for instantiate and `update` type 1: a name in `extra` replaces every occurrence in `base`. */
export function tplMerge(base: Tpl, extra: Tpl): Tpl {
  const replaced = new Set(extra.map((a) => a.name));
  return [...cloneTpl(base.filter((a) => !replaced.has(a.name))), ...cloneTpl(extra)];
}

export function cloneTpl(tpl: Tpl): Tpl {
  return tpl.map((a) => ({ name: a.name, value: typeof a.value === 'string' ? a.value : { ...a.value } }));
}

/** Byte order, as std::string compares in oned's attribute multimap. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
