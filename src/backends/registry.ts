import type { Backend } from './backend.js';
import { EMBEDDED } from './embedded/definition.js';
import { OPENNEBULA } from './opennebula/definition.js';
import { OPENSTACK } from './openstack/definition.js';

/**
 * One setting a backend reads: a flag, an `OCCI_*` variable and a key of
 * the backend's own section of the configuration file
 * (`backends.<name>.<flag>`). The configuration layer parses and checks
 * values by `kind` (and `values`), or with `read` for file-only mappings.
 */
export interface BackendSetting {
  /** Flag name without dashes; also the key in the file section. Empty: file only. */
  readonly flag: string;
  /** Environment variable; empty: none. */
  readonly env: string;
  readonly kind: 'string' | 'int' | 'url' | 'bool' | 'list' | 'object';
  /** The only values a string may take. */
  readonly values?: readonly string[];
  readonly default?: unknown;
  /** One line for `--help` and README. */
  readonly help: string;
  /** Masked by --print-config. */
  readonly secret?: boolean;
  /** Reads a file-only (`object`) value; throws an Error naming what is wrong. */
  readonly read?: (value: unknown) => unknown;
  /** The value as the file writes it (--print-config round-trips); the value itself when absent. */
  readonly write?: (value: unknown) => unknown;
}

/**
 * Server-wide per-user limits (`--max-entities-per-user`,
 * `--max-links-per-resource`) for a backend that stores entities itself (the
 * embedded backend enforces them inside its write transaction, 403
 * OCCI_ERR_FORBIDDEN_QUOTA); a cloud applies its own quotas and may ignore them.
 */
export interface BackendLimits {
  readonly maxEntitiesPerUser?: number;
  readonly maxLinksPerResource?: number;
}

/** A backend as the registry knows it: its settings and how to build it from them. */
export interface BackendDefinition {
  readonly settings: Readonly<Record<string, BackendSetting>>;
  /** Builds the backend; `settings` has every key, defaults filled in. */
  create(settings: Readonly<Record<string, unknown>>, limits?: BackendLimits): Backend;
}

/** THE list of backends, by configuration name; a new backend is one line here. */
export const BACKENDS: Readonly<Record<string, BackendDefinition>> = Object.freeze({
  embedded: EMBEDDED,
  opennebula: OPENNEBULA,
  openstack: OPENSTACK,
});

/** Each backend's settings, for the configuration layer (flags, variables, file sections). */
export function backendSettings(): Record<string, Readonly<Record<string, BackendSetting>>> {
  return Object.fromEntries(Object.entries(BACKENDS).map(([name, d]) => [name, d.settings]));
}

/**
 * The backend configured under `name`, built from the settings given (others
 * take their defaults); an unknown name is an Error listing the known ones.
 */
export function createBackend(name: string, given: Readonly<Record<string, unknown>> = {}, limits?: BackendLimits): Backend {
  if (!Object.hasOwn(BACKENDS, name)) {
    throw new Error(`unknown backend "${name}"; known backends: ${Object.keys(BACKENDS).join(', ')}`);
  }
  const { settings, create } = BACKENDS[name];
  const full: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(settings)) full[key] = given[key] ?? s.default;
  return create(full, limits);
}
