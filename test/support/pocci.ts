/**
 * A strict reader of OCCI text renderings, written from what the pOCCI
 * compliance client accepts (../shared/occi-spec/pocci-notes.md §2), which is
 * stricter than the spec in places: it splits on `;` before honouring
 * quotes, refuses a trailing `;`, refuses relative listing URLs. Kept apart
 * from the server's own parsers so the conformance suite does not test the
 * server with itself.
 */
import assert from 'node:assert/strict';
import type { RawResponse } from './http.js';

export interface PocciCategory {
  term: string;
  scheme: string;
  class: string;
  title?: string;
  rel?: string;
  location?: string;
  attributes: Array<{ name: string; required: boolean; immutable: boolean }>;
  actions: string[];
}

export interface PocciLink {
  uri: string;
  rel: string;
  self?: string;
  category?: string;
  attributes: Record<string, string | number | boolean>;
}

export interface PocciEntity {
  categories: Array<{ term: string; scheme: string; class: string }>;
  links: PocciLink[];
  attributes: Record<string, string | number | boolean>;
}

const CATEGORY_KEYS = new Set(['scheme', 'class', 'title', 'rel', 'location', 'attributes', 'actions']);

function unquote(v: string, what: string): string {
  assert.match(v, /^".*"$/s, `${what} must be double-quoted: ${v}`);
  return v.slice(1, -1);
}

export function parseCategoryValue(value: string): PocciCategory {
  const chunks = value.trim().split(/;\s*/);
  const term = chunks.shift()!;
  assert.match(term, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, `bad term "${term}"`);
  const c: PocciCategory = { term, scheme: '', class: '', attributes: [], actions: [] };
  for (const chunk of chunks) {
    assert.notEqual(chunk, '', `empty chunk (trailing ";"?) in: ${value}`);
    const eq = chunk.indexOf('=');
    assert.ok(eq > 0, `chunk without "=": ${chunk}`);
    const key = chunk.slice(0, eq);
    const raw = chunk.slice(eq + 1);
    assert.ok(CATEGORY_KEYS.has(key), `unknown category key ${key}`);
    const v = key === 'class' ? raw.replace(/^"(.*)"$/, '$1') : unquote(raw, key);
    if (key === 'attributes') {
      for (const a of v.match(/[^\s{]+(\{[^}]*\})?/g) ?? []) {
        const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*)(\{([a-z ]+)\})?$/.exec(a);
        assert.ok(m, `bad attribute definition ${a}`);
        const props = (m[3] ?? '').split(' ').filter(Boolean);
        for (const p of props) assert.ok(p === 'required' || p === 'immutable', `bad attribute property ${p}`);
        c.attributes.push({ name: m[1], required: props.includes('required'), immutable: props.includes('immutable') });
      }
    } else if (key === 'actions') {
      for (const a of v.split(' ').filter(Boolean)) {
        assert.match(a, /^https?:\/\/[^/]+\/.*#[A-Za-z0-9_.-]+$/, `action must be an absolute URI: ${a}`);
        c.actions.push(a);
      }
    } else if (key === 'scheme' || key === 'location') {
      assert.match(v, /^(https?:\/\/[^\s"]+|\/[^\s"]*)$/, `${key} must look like a URL: ${v}`);
      (c as unknown as Record<string, string>)[key] = v;
    } else {
      (c as unknown as Record<string, string>)[key] = v;
    }
  }
  assert.ok(c.scheme, `category ${term} has no scheme`);
  assert.ok(['kind', 'mixin', 'action'].includes(c.class), `category ${term} has class "${c.class}"`);
  return c;
}

/** The OCCI lines of a response: the body for text/plain, the headers for text/occi. */
export function occiLines(res: RawResponse, mime: string): Array<{ name: string; value: string }> {
  if (mime === 'text/plain') {
    return res.body.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => {
      const i = l.indexOf(':');
      assert.ok(i > 0, `line without a name: ${l}`);
      return { name: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
    });
  }
  const out: Array<{ name: string; value: string }> = [];
  for (const name of ['category', 'link', 'x-occi-attribute', 'x-occi-location']) {
    for (const v of res.headers[name] ?? []) {
      for (const item of splitOutsideQuotes(v, ',')) out.push({ name, value: item.trim() });
    }
  }
  return out;
}

export function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && quoted) {
      cur += ch + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseCategories(res: RawResponse, mime: string): PocciCategory[] {
  const out: PocciCategory[] = [];
  const seen = new Set<string>();
  for (const { name, value } of occiLines(res, mime)) {
    assert.equal(name.toLowerCase(), 'category', `unexpected line ${name} in a category listing`);
    const c = parseCategoryValue(value);
    assert.ok(!seen.has(c.scheme + c.term), `duplicate category ${c.scheme}${c.term}`);
    seen.add(c.scheme + c.term);
    out.push(c);
  }
  return out;
}

export function parseLocations(res: RawResponse, mime: string): string[] {
  if (mime === 'application/occi+json') {
    if (res.body.trim() === '') return [];
    const doc = JSON.parse(res.body) as { resources?: Array<{ kind: string; id: string }>; links?: Array<{ kind: string; id: string }> };
    return [...(doc.resources ?? []), ...(doc.links ?? [])].map((e) => e.id);
  }
  const out: string[] = [];
  for (const { name, value } of occiLines(res, mime)) {
    assert.ok(/^(x-occi-location|location)$/i.test(name), `unexpected line ${name} in a location listing`);
    assert.match(value, /^https?:\/\/[^/]+\/\S*$/, `listing URL must be absolute: ${value}`);
    out.push(value);
  }
  return out;
}

function attributeValue(raw: string): string | number | boolean {
  if (/^".*"$/s.test(raw)) return raw.slice(1, -1);
  if (/^[0-9.+-]+$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  assert.fail(`attribute value is neither quoted, number nor boolean: ${raw}`);
}

export function parseEntity(res: RawResponse, mime: string): PocciEntity {
  const e: PocciEntity = { categories: [], links: [], attributes: {} };
  for (const { name, value } of occiLines(res, mime)) {
    const n = name.toLowerCase();
    if (n === 'category') {
      const c = parseCategoryValue(value);
      e.categories.push({ term: c.term, scheme: c.scheme, class: c.class });
    } else if (n === 'link') {
      const chunks = value.split(/;\s*/);
      const uri = /^<([^>]*)>$/.exec(chunks.shift()!.trim());
      assert.ok(uri, `link without <uri>: ${value}`);
      const link: PocciLink = { uri: uri[1], rel: '', attributes: {} };
      for (const chunk of chunks) {
        const eq = chunk.indexOf('=');
        const key = chunk.slice(0, eq);
        const raw = chunk.slice(eq + 1);
        if (key === 'rel' || key === 'self') link[key] = unquote(raw, key);
        else if (key === 'category') link.category = unquote(raw, 'category');
        else link.attributes[key] = attributeValue(raw);
      }
      assert.ok(link.rel, `link without rel: ${value}`);
      e.links.push(link);
    } else if (n === 'x-occi-attribute') {
      const eq = value.indexOf('=');
      assert.ok(eq > 0, `attribute without "=": ${value}`);
      e.attributes[value.slice(0, eq)] = attributeValue(value.slice(eq + 1));
    } else {
      assert.fail(`unexpected line ${name} in an entity rendering`);
    }
  }
  return e;
}
