import {
  ATTRIBUTE_NAME, COMPUTE, Mixin, OS_TPL, RESOURCE_TPL, coerceValue,
  type AttributeDefinition, type AttributeType, type AttributeValue, type Model,
} from '../model/index.js';

/** The OS images and flavours the embedded backend offers (Infrastructure §8). */
export interface TemplatesConfig {
  /** Provider scheme base, ending in `/`: OS templates get `<scheme>os_tpl#`, resource templates `<scheme>resource_tpl#`. */
  scheme: string;
  os: Array<{ term: string; title: string; attributes?: Record<string, AttributeValue> }>;
  resource: Array<{ term: string; title: string; attributes: Record<string, AttributeValue> }>;
  /** Term of the OS template a compute gets when the client names none (Infrastructure 1.2 §8.1). */
  defaultOs?: string;
}

/**
 * Terms valid in OCCI 1.1 too (`LOALPHA *(LOALPHA / DIGIT / "-" / "_")`):
 * 1.2 allows dots and capitals, but rOCCI-core's 1.1 term regexp rejects them
 * (Infrastructure §8.1).
 */
export const TERM_11 = /^[a-z][a-z0-9_-]*$/;

/** A CRTP flavour (GFD.222, Infrastructure §11): memory and ephemeral disk in GiB. */
const crtp = (term: string, title: string, cores: number, memory: number, disk: number) => ({
  term,
  title,
  attributes: { 'occi.compute.cores': cores, 'occi.compute.memory': memory, 'occi.compute.ephemeral_storage.size': disk },
});

export const DEFAULT_TEMPLATES: TemplatesConfig = {
  scheme: 'http://localhost/occi/',
  os: [
    { term: 'debian12', title: 'Debian 12 (bookworm)' },
    { term: 'ubuntu2404', title: 'Ubuntu 24.04 LTS' },
    { term: 'almalinux9', title: 'AlmaLinux 9' },
    { term: 'cirros06', title: 'CirrOS 0.6 (test image)' },
  ],
  // The six profile flavours, with the profile's exact titles.
  resource: [
    crtp('small', 'A small Compute instance', 1, 1.0, 10.0),
    crtp('medium', 'A medium Compute instance', 2, 2.0, 20.0),
    crtp('large', 'A large Compute instance', 4, 4.0, 40.0),
    crtp('mem_small', 'A small Compute instance for memory-intensive applications', 1, 4.0, 10.0),
    crtp('mem_medium', 'A medium Compute instance for memory-intensive applications', 2, 8.0, 20.0),
    crtp('mem_large', 'A large Compute instance for memory-intensive applications', 4, 16.0, 40.0),
  ],
  defaultOs: 'debian12',
};

/** Attributes the compute Kind does not define but templates may set. */
const EXTRA_DEFINITIONS: Record<string, Partial<AttributeDefinition>> = {
  // CRTP §11: immutable, lives and dies with the compute.
  'occi.compute.ephemeral_storage.size': { mutable: false, minimum: 0, description: 'Ephemeral disk size in GiB (CRTP)' },
};

export function osTemplateScheme(config: TemplatesConfig): string {
  return `${config.scheme}os_tpl#`;
}

export function resourceTemplateScheme(config: TemplatesConfig): string {
  return `${config.scheme}resource_tpl#`;
}

/** Type id of the default OS template, if one is configured. */
export function defaultOsId(config: TemplatesConfig): string | undefined {
  return config.defaultOs === undefined ? undefined : osTemplateScheme(config) + config.defaultOs;
}

/**
 * The template mixins a configuration describes. Throws a plain Error naming
 * the bad template: a broken configuration must stop the server at start.
 */
export function templateMixins(config: TemplatesConfig, model: Model): Mixin[] {
  const compute = model.findKind(COMPUTE.id) ?? COMPUTE;
  if (!/^[a-z][a-z0-9+.-]*:.*\/$/i.test(config.scheme)) {
    throw new Error(`templates: scheme "${config.scheme}" must be an absolute URI ending in "/"`);
  }
  const seen = new Set<string>();
  const build = (family: 'os' | 'resource', t: { term: string; title: string; attributes?: Record<string, AttributeValue> }): Mixin => {
    const what = `${family} template "${t.term}"`;
    if (typeof t.term !== 'string' || !TERM_11.test(t.term)) throw new Error(`templates: ${what}: the term must match ${TERM_11.source}`);
    if (seen.has(`${family} ${t.term}`)) throw new Error(`templates: ${what} is defined twice`);
    seen.add(`${family} ${t.term}`);
    if (typeof t.title !== 'string' || t.title === '') throw new Error(`templates: ${what} needs a title`);
    const attributes: AttributeDefinition[] = [];
    for (const [name, value] of Object.entries(t.attributes ?? {})) {
      if (!ATTRIBUTE_NAME.test(name)) throw new Error(`templates: ${what}: invalid attribute name "${name}"`);
      const base = compute.allAttributes.get(name) ?? extraDefinition(name, value);
      try {
        attributes.push(Object.freeze({ ...base, default: coerceValue(base, value) }));
      } catch (err) {
        throw new Error(`templates: ${what}: ${(err as Error).message}`, { cause: err });
      }
    }
    const os = family === 'os';
    return new Mixin({
      scheme: os ? osTemplateScheme(config) : resourceTemplateScheme(config),
      term: t.term,
      title: t.title,
      attributes,
      depends: [os ? OS_TPL : RESOURCE_TPL],
      applies: [compute],
      location: `/mixin/${os ? 'os_tpl' : 'resource_tpl'}/${t.term}/`,
    });
  };
  const mixins = [...config.os.map((t) => build('os', t)), ...config.resource.map((t) => build('resource', t))];
  if (config.defaultOs !== undefined && !config.os.some((t) => t.term === config.defaultOs)) {
    throw new Error(`templates: default-os "${config.defaultOs}" is not one of the os templates (${config.os.map((t) => t.term).join(', ')})`);
  }
  return mixins;
}

function extraDefinition(name: string, value: AttributeValue): AttributeDefinition {
  const type: AttributeType =
    typeof value === 'number' ? 'number'
    : typeof value === 'boolean' ? 'boolean'
    : Array.isArray(value) ? 'list'
    : typeof value === 'object' ? 'hash'
    : 'string';
  return { mutable: true, required: false, ...EXTRA_DEFINITIONS[name], name, type };
}
