/**
 * The hostile-input catalog (issue 4 §2): each case is raw bytes sent over
 * loopback and the one answer we give by design. docs/reliability.md shows
 * the same table; test/reliability/hostile.test.ts runs it.
 */
import { rawHttp } from './raw.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const KIND = `Category: compute; scheme="${INFRA}"; class="kind"`;
const JSON_CT: [string, string] = ['Content-Type', 'application/occi+json'];
const TEXT_CT: [string, string] = ['Content-Type', 'text/plain'];
const compute = (attributes: Record<string, unknown>) =>
  JSON.stringify({ kind: `${INFRA}compute`, attributes });

export interface HostileCase {
  readonly name: string;
  readonly chunks: Array<string | Buffer>;
  /** The status we answer with (0: the connection is closed without an answer). */
  readonly status: number;
  /** The error code in the body, when the OCCI pipeline answers. */
  readonly code?: string;
  /** The server closes the connection after answering. */
  readonly closes?: boolean;
  /** Half-close after sending (a client that gives up). */
  readonly end?: boolean;
  /** Extra check on the raw answer (head and body as Latin-1 text). */
  readonly check?: (head: string, body: string) => string | undefined;
}

const noInjectedHeader = (head: string, _body?: string): string | undefined =>
  /^(set-cookie|x-evil)/im.test(head) ? `a header was injected: ${JSON.stringify(head)}` : undefined;

const MAX_BODY = 1024 * 1024;
/** The limits hostile.test.ts starts the server with. */
export const LIMITS = { maxBodySize: MAX_BODY, maxHeaderSize: 16 * 1024 };

export const CATALOG: readonly HostileCase[] = [
  // ---- bodies
  { name: 'truncated body (Content-Length 100, 10 bytes, then the client closes)', chunks: [rawHttp('POST', '/compute/', [TEXT_CT, ['Content-Length', '100']]), 'Category: '], end: true, status: 400, closes: true },
  { name: 'body larger than --max-body-size (declared)', chunks: [rawHttp('POST', '/compute/', [TEXT_CT, ['Content-Length', String(MAX_BODY + 1)]])], status: 413, closes: true },
  { name: 'body larger than --max-body-size (chunked, undeclared)', chunks: [rawHttp('POST', '/compute/', [TEXT_CT, ['Transfer-Encoding', 'chunked']]), `${(MAX_BODY + 10).toString(16)}\r\n`, Buffer.alloc(MAX_BODY + 10, 0x61), '\r\n0\r\n\r\n'], status: 413, closes: true },
  { name: 'body that is not valid UTF-8', chunks: [rawHttp('POST', '/compute/', [TEXT_CT, ['Content-Length', '6']], Buffer.from([0x43, 0x61, 0xff, 0xfe, 0xc3, 0x28]))], status: 400 },
  { name: 'NUL byte in a text/plain body', chunks: [rawHttp('POST', '/compute/', [TEXT_CT, ['Content-Length', String(KIND.length + 1)]], `${KIND}\u0000`)], status: 400, code: 'OCCI_ERR_PARSE_SYNTAX' },
  { name: 'JSON nested 100,000 deep', chunks: [rawHttp('POST', '/compute/', [JSON_CT, ['Content-Length', '100000']], '['.repeat(100_000))], status: 400, code: 'OCCI_ERR_PARSE_SYNTAX' },
  { name: 'JSON object nested 10,000 deep', chunks: [rawHttp('POST', '/compute/', [JSON_CT, ['Content-Length', String(5 * 10_000)]], '{"a":'.repeat(10_000))], status: 400, code: 'OCCI_ERR_PARSE_SYNTAX' },
  { name: 'enormous JSON: 100,000 resources in one POST', chunks: [rawHttp('POST', '/compute/', [JSON_CT], `{"resources":[${Array(100_000).fill('{}').join(',')}]}`)].map((b) => fixLength(b)), status: 400, code: 'OCCI_ERR_PARSE_SYNTAX' },
  { name: 'enormous JSON: a 900 KB attribute value', chunks: [fixLength(rawHttp('POST', '/compute/', [JSON_CT], compute({ 'occi.core.title': 'x'.repeat(900_000) })))], status: 413, code: 'OCCI_ERR_PARSE_BODY_TOO_LARGE' },
  { name: 'JSON with __proto__ and constructor keys', chunks: [fixLength(rawHttp('POST', '/compute/', [JSON_CT], '{"kind":"http://schemas.ogf.org/occi/infrastructure#compute","attributes":{"__proto__":{"admin":true},"constructor":1}}'))], status: 400, code: 'OCCI_ERR_PARSE_SYNTAX' },
  { name: 'unknown category', chunks: [fixLength(rawHttp('POST', '/compute/', [TEXT_CT], `${KIND}\r\nCategory: nope; scheme="http://example.org/x#"; class="mixin"`))], status: 400, code: 'OCCI_ERR_VALIDATION_CATEGORY' },
  { name: 'duplicated kind', chunks: [fixLength(rawHttp('POST', '/compute/', [TEXT_CT], `${KIND}\r\n${KIND}`))], status: 400, code: 'OCCI_ERR_PARSE_SYNTAX' },
  { name: 'two different kinds', chunks: [fixLength(rawHttp('POST', '/compute/', [TEXT_CT], `${KIND}\r\nCategory: network; scheme="${INFRA}"; class="kind"`))], status: 400, code: 'OCCI_ERR_PARSE_SYNTAX' },
  { name: 'unsupported Content-Type', chunks: [fixLength(rawHttp('POST', '/compute/', [['Content-Type', 'application/xml']], '<compute/>'))], status: 415, code: 'OCCI_ERR_UNSUPPORTED_MEDIA_TYPE' },
  // ---- CR/LF in values: never a split response header
  { name: 'title with \\r\\nSet-Cookie: in JSON, answered in text/occi', chunks: [fixLength(rawHttp('POST', '/compute/', [JSON_CT, ['Accept', 'text/occi']], compute({ 'occi.core.title': 'a\r\nSet-Cookie: session=evil' })))], status: 400, check: (h, b) => noInjectedHeader(h, b) ?? (/X-OCCI-Error: /.test(h) ? undefined : 'no X-OCCI-Error') },
  { name: 'attribute name with \\r\\nSet-Cookie: echoed in the text/occi error', chunks: [fixLength(rawHttp('POST', '/compute/', [JSON_CT, ['Accept', 'text/occi']], compute({ 'x\r\nSet-Cookie: a=b\r\nX-Evil: 1': 1 })))], status: 400, check: noInjectedHeader },
  { name: 'title with a bare \\n in a text/occi request header', chunks: [Buffer.from(`POST /compute/ HTTP/1.1\r\nHost: x\r\nCategory: compute; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.core.title="a\nSet-Cookie: x=1"\r\nContent-Length: 0\r\n\r\n`, 'latin1')], status: 400, closes: true, check: noInjectedHeader },
  // ---- heads
  { name: 'request head larger than --max-header-size', chunks: [rawHttp('GET', '/-/', [['X-Big', 'a'.repeat(20_000)]])], status: 431, closes: true },
  { name: '1,500 small headers (under the size limit)', chunks: [rawHttp('GET', '/-/', Array.from({ length: 1_500 }, (_, i) => [`X-H${i}`, '1'] as [string, string]))], status: 200 },
  { name: 'a URL of 20,000 characters', chunks: [rawHttp('GET', `/compute/${'a'.repeat(20_000)}`, [])], status: 431, closes: true },
  { name: 'NUL byte in a header value', chunks: [Buffer.from('GET /-/ HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 'latin1')], status: 400, closes: true },
  { name: 'header without a colon', chunks: ['GET /-/ HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n'], status: 400, closes: true },
  { name: 'Content-Length twice, different values (smuggling)', chunks: ['POST /compute/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'], status: 400, closes: true },
  { name: 'Content-Length and Transfer-Encoding together (smuggling)', chunks: ['POST /compute/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'], status: 400, closes: true },
  { name: 'negative Content-Length', chunks: ['POST /compute/ HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'], status: 400, closes: true },
  { name: 'unknown method', chunks: ['BREW /-/ HTTP/1.1\r\nHost: x\r\n\r\n'], status: 400, closes: true },
  { name: 'not HTTP at all', chunks: [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03])], status: 400, closes: true },
  // ---- paths
  { name: 'path traversal /compute/../-/', chunks: [rawHttp('GET', '/compute/../-/', [])], status: 400, code: 'OCCI_ERR_VALIDATION_LOCATION' },
  { name: 'encoded traversal /compute/%2e%2e/%2e%2e/etc/passwd', chunks: [rawHttp('GET', '/compute/%2e%2e/%2e%2e/etc/passwd', [])], status: 400, code: 'OCCI_ERR_VALIDATION_LOCATION' },
  { name: 'double slash //compute/', chunks: [rawHttp('GET', '//compute/', [])], status: 400, code: 'OCCI_ERR_VALIDATION_LOCATION' },
  { name: 'encoded NUL in the path /compute/%00', chunks: [rawHttp('GET', '/compute/%00', [])], status: 400, code: 'OCCI_ERR_VALIDATION_LOCATION' },
  { name: 'bad percent-encoding /compute/%zz', chunks: [rawHttp('GET', '/compute/%zz', [])], status: 404, code: 'OCCI_ERR_NOT_FOUND' },
  // RFC 9112 §3.2.2: the absolute form is served as its path.
  { name: 'absolute-form target http://evil.example/compute/', chunks: [rawHttp('GET', 'http://evil.example/compute/', [])], status: 200 },
  { name: 'asterisk target OPTIONS *', chunks: [rawHttp('OPTIONS', '*', [])], status: 404, code: 'OCCI_ERR_NOT_FOUND' },
  { name: 'backslash path \\compute\\', chunks: [rawHttp('GET', '/compute\\..\\-\\', [])], status: 400, code: 'OCCI_ERR_VALIDATION_LOCATION' },
  { name: 'query with 10,000 parameters', chunks: [rawHttp('GET', `/compute/?${Array.from({ length: 10_000 }, (_, i) => `a${i}=1`).join('&').slice(0, 14_000)}`, [])], status: 200 },
  { name: 'page=999999999&number=1000', chunks: [rawHttp('GET', '/compute/?page=999999999&number=1000', [])], status: 200 },
  { name: 'Accept with 1,000 entries', chunks: [rawHttp('GET', '/-/', [['Accept', Array(1_000).fill('x/y;q=0.5').join(',')]])], status: 406 },
  { name: 'User-Agent OCCI/9.9', chunks: [rawHttp('GET', '/-/', [['User-Agent', 'x OCCI/9.9']])], status: 501, code: 'OCCI_ERR_VERSION' },
];

/** Sets Content-Length for a request built without one. */
function fixLength(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const body = bytes.subarray(Buffer.byteLength(text.slice(0, split + 4), 'latin1'));
  return Buffer.concat([Buffer.from(`${text.slice(0, split)}\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
}
