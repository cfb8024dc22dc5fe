/** text/uri-list (RFC 2483): entity collections only, one absolute URL per line (Text Rendering §7). */
import { InternalError, ParsingError, UnsupportedMediaTypeError } from '../../errors.js';
import { MAX_LINES, absoluteUrl, checkValue, excerpt, oneLine } from '../_grammar.js';
import type { Parser, Rendered, Rendering } from '../rendering.js';

const LOCATIONS_ONLY = 'text/uri-list carries only locations';

const parser: Parser = {
  parseEntities() {
    throw new UnsupportedMediaTypeError(LOCATIONS_ONLY);
  },
  parseAction() {
    throw new UnsupportedMediaTypeError(LOCATIONS_ONLY);
  },
  parseCategories() {
    throw new UnsupportedMediaTypeError(LOCATIONS_ONLY);
  },
  parseFilter() {
    throw new UnsupportedMediaTypeError(LOCATIONS_ONLY);
  },
  /** RFC 2483 §5: one URI a line; `#` starts a comment line. */
  parseLocations(input) {
    const lines = input.body.split('\n');
    // A final line end ends the last line; it does not start another one.
    if (lines.length > 1 && lines[lines.length - 1].replace(/\r+$/, '') === '') lines.pop();
    if (lines.length > MAX_LINES) throw new ParsingError(`more than ${MAX_LINES} lines`, 'OCCI_ERR_PARSE_BODY_TOO_LARGE');
    // Past the server's limit of items, counted before any line is checked (a first character each).
    if (input.maxItems !== undefined && lines.length > input.maxItems) {
      const count = lines.reduce((n, l) => (/^\s*(#|$)/.test(l.slice(0, 2)) ? n : n + 1), 0);
      if (count > input.maxItems) throw new ParsingError(`${count} locations in one request; at most ${input.maxItems} (--max-items-per-request)`, 'OCCI_ERR_TOO_LARGE_ITEMS');
    }
    const out: string[] = [];
    for (const raw of lines) {
      const line = checkValue(raw.replace(/^\r+|\r+$/g, '').trim());
      if (line === '' || line.startsWith('#')) continue;
      if (!/^[^\s"<>]+$/.test(line)) throw new ParsingError(`not a URI: ${excerpt(line)}`);
      out.push(line);
    }
    return out;
  },
};

export const uriList: Rendering = {
  mediaType: 'text/uri-list',
  aliases: [],
  contentTypeParameters: '',
  collectionDetail: 'locations',
  canRender: (type) => type === 'collection' || type === 'empty',
  render(value, ctx): Rendered {
    if (value.type === 'collection') {
      return { headers: [], body: value.locations.map((l) => `${oneLine(absoluteUrl(l, ctx.baseUrl))}\r\n`).join('') };
    }
    if (value.type === 'empty') return { headers: [], body: '' };
    // negotiate() answers 400 before a non-listing reaches here (Text Rendering §7).
    throw new InternalError(`text/uri-list cannot render ${value.type}`);
  },
  parser,
};
