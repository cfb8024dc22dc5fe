/** Renderings: bytes to model and back, one folder per media type, one registry. */
export * from './rendering.js';
export { DEFAULT_RENDERING, HEADER_RENDERING, MEDIA_TYPES, RENDERINGS, essence, findParser, findRendering, negotiate, parseAccept, type Negotiated } from './registry.js';
export { parseHeaderFilter } from './text-occi/index.js';
