import { escapeXmlText } from './_xml-tree.js';
import type { OneObject, OneValue } from './document.js';

/**
 * Templates the backend sends (one.vm.allocate, one.vn.allocate,
 * one.image.allocate, attach, attachnic...), written in oned's XML syntax
 * (`<TEMPLATE>`, xml-rpc.md §3.2): no quoting rules to get wrong, and
 * strings with quotes, brackets or newlines (user data, SSH keys) travel as
 * they are.
 */

/** A vector attribute: `DISK = [ IMAGE_ID = 3, TARGET = vdb ]`. */
export type Vector = Readonly<Record<string, string | number>>;
export type TemplateValue = string | number | Vector;
/** Attributes in order; a name may repeat (several DISK). */
export type TemplateBody = Array<readonly [name: string, value: TemplateValue]>;

const NAME = /^[A-Z0-9_][A-Z0-9_.-]*$/i;

function element(name: string, inner: string): string {
  if (!NAME.test(name)) throw new TypeError(`not a template attribute name: ${name}`);
  return `<${name}>${inner}</${name}>`;
}

/** `<TEMPLATE>…</TEMPLATE>` of the attributes. */
export function templateXml(body: TemplateBody): string {
  const parts = body.map(([name, value]) => {
    if (typeof value !== 'object') return element(name, escapeXmlText(String(value)));
    return element(name, Object.entries(value).map(([k, v]) => element(k, escapeXmlText(String(v)))).join(''));
  });
  return `<TEMPLATE>${parts.join('')}</TEMPLATE>`;
}

/** A vector of a parsed document (a one-level object of texts), or undefined. */
export function vectorOf(value: OneValue | undefined): Record<string, string> | undefined {
  if (value === undefined || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Every vector named `name` in a parsed TEMPLATE (DISK, NIC). */
export function vectorsOf(doc: OneObject | undefined, name: string): Array<Record<string, string>> {
  const v = doc?.[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.map(vectorOf).filter((x): x is Record<string, string> => x !== undefined);
}

/** A parsed TEMPLATE as a body to send again, without the attributes named in `skip`. */
export function bodyOf(doc: OneObject | undefined, skip: ReadonlySet<string> = new Set()): TemplateBody {
  const out: TemplateBody = [];
  for (const [name, value] of Object.entries(doc ?? {})) {
    if (skip.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') out.push([name, v]);
      else if (!Array.isArray(v)) out.push([name, vectorOf(v)!]);
    }
  }
  return out;
}

/** The object at `name` of a parsed document, or an empty one (`<USER_TEMPLATE/>` parses as ''). */
export function objectAt(doc: OneObject | undefined, name: string): OneObject {
  const v = doc?.[name];
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}
