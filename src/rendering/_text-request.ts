/**
 * A client's request as OCCI lines (Text Rendering §4): the entity, action,
 * category, location and filter renderings that `_text-entity`'s parser
 * reads back. Shared by text/plain and text/occi. Folder-private.
 */
import { ValidationError } from '../errors.js';
import { ATTRIBUTE_NAME, CORE_SCHEME, splitTypeId, type Attributes, type CategoryClass, type CategoryInput, type EntityInput, type LinkInput } from '../model/index.js';
import { angle, formatValue, quote, type Line } from './_grammar.js';
import { shortCategory } from './_text-entity.js';
import type { RequestContent } from './rendering.js';

const CORE_RESOURCE = `${CORE_SCHEME}resource`;

export function requestLines(content: RequestContent): Line[] {
  switch (content.type) {
    case 'entity':
      return entityLines(content.entity);
    case 'action':
      return [category(content.action.action, 'action'), ...attributeLines(content.action.attributes)];
    case 'categories':
      return content.categories.map(definitionLine);
    case 'locations':
      return content.locations.map((value) => ({ name: 'X-OCCI-Location', value }));
    case 'filter':
      return [...content.filter.categories.map((id) => category(id, 'kind')), ...attributeLines(content.filter.attributes)];
  }
}

/** Kind, mixins, inline links, attributes: the order of a server's own entity rendering. */
function entityLines(input: EntityInput): Line[] {
  const lines: Line[] = [];
  if (input.kind !== undefined) lines.push(category(input.kind, 'kind'));
  for (const id of input.mixins) lines.push(category(id, 'mixin'));
  for (const link of input.links) lines.push({ name: 'Link', value: linkValue(link) });
  lines.push(...attributeLines(input.attributes));
  return lines;
}

/**
 * A Category line naming one category by its type id. The class matters only
 * to tell an action from the rest; a filter's categories are found by type id
 * whatever class they carry (HTTP Protocol §9).
 */
function category(typeId: string, cls: CategoryClass): Line {
  const split = splitTypeId(typeId);
  if (!split) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `"${typeId}" is not a type id (scheme#term)`);
  return { name: 'Category', value: shortCategory({ ...split, class: cls }) };
}

/** `<target>; rel="<target kind>"[; self="..."]; category="<kind> <mixins>"; name=value...` (Text Rendering §2.3). */
function linkValue(link: LinkInput): string {
  if (link.target === undefined) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'an inline link needs a target');
  const parts = [angle(link.target), `rel=${quote(link.targetKind ?? CORE_RESOURCE)}`];
  if (link.self !== undefined) parts.push(`self=${quote(link.self)}`);
  const categories = [...(link.kind === undefined ? [] : [link.kind]), ...link.mixins];
  const attributes = Object.entries(link.attributes);
  if (categories.length > 0) parts.push(`category=${quote(categories.join(' '))}`);
  else if (attributes.length > 0) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link with attributes must name its kind (Text Rendering §2.3)');
  for (const [name, value] of attributes) parts.push(`${checkedName(name)}=${formatValue(value)}`);
  return parts.join('; ');
}

function attributeLines(attributes: Attributes): Line[] {
  return Object.entries(attributes).map(([name, value]) => ({ name: 'X-OCCI-Attribute', value: `${checkedName(name)}=${formatValue(value)}` }));
}

/** A category definition (Text Rendering §2.2): term, scheme, class, title, rel, location. */
function definitionLine(c: CategoryInput): Line {
  const parts = [shortCategory(c)];
  if (c.title !== undefined) parts.push(`title=${quote(c.title)}`);
  if (c.depends.length > 0) parts.push(`rel=${quote(c.depends.join(' '))}`);
  if (c.location !== undefined) parts.push(`location=${quote(c.location)}`);
  return { name: 'Category', value: parts.join('; ') };
}

function checkedName(name: string): string {
  if (!ATTRIBUTE_NAME.test(name)) throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `"${name}" is not an attribute name`);
  return name;
}
