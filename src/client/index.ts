/** The OCCI client library: OcciClient and what it returns, on the project's model and renderings (no other dependency). */
export { OcciClient } from './client.js';
export { JSON_TYPE, type ChangeSpec, type CreateSpec, type Entity, type LinkSpec, type ListOptions, type MediaTypeChoice, type OcciClientOptions, type Ref, type TriggerResult } from './types.js';
export type { MixinDefinition } from './mixins.js';
export { Catalog, shortId } from './catalog.js';
export { splitPem, type Auth } from './auth.js';
export { ConnectionError, HttpError, LookupError, ResponseError, UsageError, WaitError } from './errors.js';
export type { Exchange, HttpRequest, HttpResponse } from './transport.js';
export type { WaitOptions, WaitProgress } from './wait.js';
export { CLIENT_VERSION } from './version.js';
export type { Action, Attributes, AttributeDefinition, AttributeValue, Kind, Link, Mixin, Resource } from '../model/index.js';
