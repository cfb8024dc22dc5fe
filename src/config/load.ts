import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { TemplatesConfig } from '../backends/index.js';
import type { AttributeValue } from '../model/index.js';
import { DEFAULTS, KEYS, type Config } from './schema.js';

/** A configuration problem, with a message naming the key and what is wrong. */
export class ConfigError extends Error {}

export interface Loaded {
  readonly config: Config;
  readonly help: boolean;
  readonly printConfig: boolean;
}

export const USAGE = `usage: occi-server [options]

  --listen ADDR          address to listen on (OCCI_LISTEN; default 127.0.0.1)
  --port N               TCP port, 0 for a free one (OCCI_PORT; default 8787)
  --data-dir DIR         embedded database directory (OCCI_DATA_DIR; default ./data)
  --config FILE          YAML configuration file (OCCI_CONFIG)
  --public-url URL       absolute URL clients use, e.g. https://cloud.example.org/occi (OCCI_PUBLIC_URL)
  --backend NAME         backend (OCCI_BACKEND; default embedded)
  --max-page-size N      largest page a client may ask for (OCCI_MAX_PAGE_SIZE; default 1000)
  --max-body-size N      largest request body in bytes (OCCI_MAX_BODY_SIZE; default 8388608)
  --max-header-size N    largest request head in bytes (OCCI_MAX_HEADER_SIZE; default 65536)
  --synchronous MODE     NORMAL or FULL: SQLite durability (OCCI_SYNCHRONOUS; default NORMAL)
  --print-config         print the effective configuration and exit
  -h, --help             this text
Precedence: flags > environment > configuration file > defaults.`;

/** The only reader of flags, environment and configuration files. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Loaded {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, 'print-config': { type: 'boolean' },
  };
  for (const k of Object.values(KEYS)) if (k.flag) options[k.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const config: Config = { ...DEFAULTS };
  const file = (values.config as string | undefined) ?? env.OCCI_CONFIG;
  if (file) applyFile(config, file);
  for (const [key, spec] of Object.entries(KEYS) as Array<[keyof Config, (typeof KEYS)[keyof Config]]>) {
    if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') set(config, key, env[spec.env]!, spec.env);
    const flag = spec.flag ? values[spec.flag] : undefined;
    if (typeof flag === 'string') set(config, key, flag, `--${spec.flag}`);
  }
  return { config, help: values.help === true, printConfig: values['print-config'] === true };
}

function applyFile(config: Config, file: string): void {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${file}: expected a mapping of keys`);
  const byFlag = new Map(Object.entries(KEYS).map(([key, spec]) => [spec.flag || key, key as keyof Config]));
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    const key = byFlag.get(name);
    if (!key) throw new ConfigError(`${file}: unknown key "${name}"; known: ${[...byFlag.keys()].join(', ')}`);
    if (key === 'templates') config.templates = readTemplates(value, `${file}: templates`);
    else if (value !== null && value !== undefined) set(config, key, String(value), `${file}: ${name}`);
  }
}

function set(config: Config, key: keyof Config, text: string, where: string): void {
  const kind = KEYS[key].kind;
  const bad = (why: string) => new ConfigError(`${where}: ${why}, got "${text}"`);
  switch (kind) {
    case 'string':
      if (text.trim() === '') throw bad('must not be empty');
      (config[key] as string) = text;
      return;
    case 'port': {
      if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw bad('must be a port number 0-65535');
      config.port = Number(text);
      return;
    }
    case 'int':
      if (!/^[1-9]\d{0,9}$/.test(text)) throw bad('must be a positive integer');
      (config[key] as number) = Number(text);
      return;
    case 'url': {
      let u: URL;
      try {
        u = new URL(text);
      } catch {
        throw bad('must be an absolute http(s) URL');
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('must be an absolute http(s) URL');
      config.publicUrl = text.replace(/\/+$/, '');
      return;
    }
    case 'sync':
      if (text !== 'NORMAL' && text !== 'FULL') throw bad('must be NORMAL or FULL');
      config.synchronous = text;
      return;
    case 'object':
      throw bad('can only be set in the configuration file');
  }
}

function readTemplates(value: unknown, where: string): TemplatesConfig {
  const obj = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: expected a mapping with scheme, os, resource`);
  const list = (k: string) => {
    const v = obj[k] ?? [];
    if (!Array.isArray(v)) throw new ConfigError(`${where}.${k}: expected a list`);
    return v.map((t: unknown, i: number) => {
      const e = t as Record<string, unknown>;
      if (typeof t !== 'object' || t === null || typeof e.term !== 'string' || typeof e.title !== 'string') {
        throw new ConfigError(`${where}.${k}[${i}]: each template needs a term and a title`);
      }
      if (e.attributes !== undefined && (typeof e.attributes !== 'object' || e.attributes === null || Array.isArray(e.attributes))) {
        throw new ConfigError(`${where}.${k}[${i}].attributes: expected a mapping of attribute names to values`);
      }
      const attributes = e.attributes as Record<string, AttributeValue> | undefined;
      return attributes === undefined ? { term: e.term, title: e.title } : { term: e.term, title: e.title, attributes };
    });
  };
  const scheme = obj.scheme ?? DEFAULTS.templates.scheme;
  if (typeof scheme !== 'string') throw new ConfigError(`${where}.scheme: expected a URL string`);
  const defaultOs = obj['default-os'];
  if (defaultOs !== undefined && typeof defaultOs !== 'string') throw new ConfigError(`${where}.default-os: expected a term`);
  const resource = list('resource').map((t) => ({ ...t, attributes: t.attributes ?? {} }));
  return { scheme, os: list('os'), resource, ...(defaultOs === undefined ? {} : { defaultOs }) };
}
