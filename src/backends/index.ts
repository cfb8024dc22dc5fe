/** Backends: the seam between the OCCI protocol and a cloud, its registry, and the implementations. */
export * from './backend.js';
export * from './registry.js';
export { DEFAULT_TEMPLATES, type TemplatesConfig } from './templates.js';
export { TtlCache } from './ttl-cache.js';
