import type { Attributes, AttributeValue } from './attribute.js';
import type { CategoryClass } from './category.js';

/**
 * What a parser hands over: the client's words, not yet checked against the
 * model. Attribute values carry the type their syntax gave them; `instantiate`
 * checks and converts them.
 */
export interface EntityInput {
  /** Type id of the Kind, when the client named one. */
  kind?: string;
  /** Type ids of mixins, in the client's order. */
  mixins: string[];
  /** Attribute values, including `occi.core.*` ones (id, title, summary, source, target). */
  attributes: Attributes;
  /** Inline links (Resource renderings only). */
  links: LinkInput[];
  /** Action references echoed back by a client (ignored, but they are not OCCI links). */
  actionLinks: number;
  /**
   * Type ids of those action references, when there are any: in a server's
   * rendering (what a client reads) the actions valid on the entity now.
   */
  actions?: string[];
}

export interface LinkInput {
  kind?: string;
  mixins: string[];
  attributes: Attributes;
  /** The target location (`<...>` in text, `target.location` in JSON). */
  target?: string;
  targetKind?: string;
  /** The link's own location (`self`), when the client echoes an existing link. */
  self?: string;
}

export interface ActionInput {
  /** Type id of the action (text: the Category line; JSON: `action`). */
  action: string;
  attributes: Attributes;
}

export interface CategoryInput {
  class: CategoryClass;
  scheme: string;
  term: string;
  title?: string;
  location?: string;
  /** Text `rel`, JSON `depends` (mixins) or `parent` (kinds). */
  depends: string[];
  applies: string[];
  /** Attribute names the client declared (user mixins must not have any). */
  attributes: string[];
  /** The same attributes with what the rendering says of each, when it declares any (a server's discovery, read by a client). */
  definitions?: AttributeInput[];
  actions: string[];
}

/**
 * An attribute as a category rendering declares it: text gives the name and
 * its `{immutable required}` markers (Text Rendering §2.2); JSON also a type,
 * default and description (JSON Rendering §7).
 */
export interface AttributeInput {
  name: string;
  mutable: boolean;
  required: boolean;
  /** JSON's type name (`string`, `number`, `boolean`, `array`, `object`), when the rendering says it. */
  type?: string;
  default?: AttributeValue;
  description?: string;
}

/** A filter read from request headers (HTTP Protocol §9). */
export interface FilterInput {
  categories: string[];
  attributes: Attributes;
}

export function emptyEntityInput(): EntityInput {
  return { mixins: [], attributes: {}, links: [], actionLinks: 0 };
}
