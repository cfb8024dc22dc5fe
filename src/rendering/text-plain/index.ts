/** text/plain (and 1.2's text/occi+plain): OCCI lines in the body, one `Name: value` CRLF each (Text Rendering §5). */
import { ENTITY_LINE_NAMES, entityLines, categoryLines, locationLines, textParser, type EntityLines } from '../_text-entity.js';
import { formatLines, oneLine, readLines } from '../_grammar.js';
import { requestLines } from '../_text-request.js';
import { Memo } from '../_memo.js';
import type { Rendered, Rendering } from '../rendering.js';

const ENTITIES = new Memo<Rendered>();
const CATEGORIES = new Memo<Rendered>();

// An error body must not read as OCCI content: a client parsing it would
// take "Category: ..." for a category.
const OCCI_LINE = /^\s*(category|link|x-occi-attribute|x-occi-location|location)\s*:/i;

export const textPlain: Rendering = {
  mediaType: 'text/plain',
  aliases: ['text/occi+plain'],
  contentTypeParameters: '; charset=utf-8',
  collectionDetail: 'locations',
  canRender: () => true,
  render(value, ctx): Rendered {
    switch (value.type) {
      case 'entity':
        return ENTITIES.get(value.entity, ctx.model.renderKey, () => body(formatEntity(entityLines(value.entity, ctx.model))));
      case 'collection':
        return body(formatLines(locationLines(value.locations, ctx.baseUrl)));
      case 'categories':
        return CATEGORIES.get(value.categories, ctx.model.renderKey, () => body(formatLines(categoryLines(value.categories))));
      case 'empty':
        return body('');
      case 'error': {
        const message = oneLine(value.message);
        return body(`${OCCI_LINE.test(message) ? `error: ${message}` : message}\r\n`);
      }
    }
  },
  parser: textParser((input) => readLines(input.body)),
  renderRequest: (content) => body(formatLines(requestLines(content))),
};

/** `formatLines` for an entity, whose values are on one line already. */
function formatEntity(lines: EntityLines): string {
  const out: string[] = [];
  for (const name of ENTITY_LINE_NAMES) for (const value of lines[name]) out.push(`${name}: ${value}\r\n`);
  return out.join('');
}

function body(text: string): Rendered {
  return { headers: [], body: text };
}
