/** `application/occi+json` (OCCI JSON Rendering 1.2, GFD.225/226): entities, collections, categories and action invocations as JSON. */
import type { Rendering } from '../rendering.js';
import { parseAction, parseCategories, parseEntities, parseFilter, parseLocations } from './parse.js';
import { renderJson } from './render.js';
import { renderJsonRequest } from './request.js';

export const occiJson: Rendering = {
  mediaType: 'application/occi+json',
  // Accepted as an alias on input and in Accept [impl: rOCCI-server] (json-rendering.md, opening list).
  aliases: ['application/json'],
  // JSON is UTF-8 by definition (RFC 8259 §8.1); application/json defines no charset parameter.
  contentTypeParameters: '',
  collectionDetail: 'entities',
  canRender: () => true,
  render: renderJson,
  parser: { parseEntities, parseAction, parseCategories, parseLocations, parseFilter },
  renderRequest: renderJsonRequest,
};
