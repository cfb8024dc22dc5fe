import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { OnedError, OnedTimeoutError, OnedUnreachableError, XmlRpcFault, XmlRpcProtocolError } from './errors.js';
import {
  decodeMethodResponse, double, encodeMethodCall, i8, unwrapOnedResponse, XmlRpcClient, type XmlRpcParam,
} from './xmlrpc.js';

const respond = (value: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\r\n<methodResponse><params><param>${value}</param></params></methodResponse>`;

type Handler = (body: string, req: IncomingMessage, res: ServerResponse) => void;

/** A stub endpoint on 127.0.0.1 whose behaviour each test sets. */
let handler: Handler = () => {};
let server: Server;
let url: string;
let lastBody = '';

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      lastBody = Buffer.concat(chunks).toString('utf8');
      handler(lastBody, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC2`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** Echo: answers with the request's own <value> elements as one array, so encode and decode meet. */
const echo: Handler = (body, _req, res) => {
  const values = [...body.matchAll(/<param>([\s\S]*?)<\/param>/g)].map((m) => m[1]);
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(respond(`<value><array><data>${values.join('')}</data></array></value>`));
};

describe('encodeMethodCall()', () => {
  it('escapes strings as entities and never uses CDATA', () => {
    const xml = encodeMethodCall('one.vm.update', ['a]]>b', '<x & y>', 'line\r\nnext']);
    assert.ok(!xml.includes('CDATA'));
    assert.match(xml, /<string>a\]\]&gt;b<\/string>/);
    assert.match(xml, /<string>&lt;x &amp; y&gt;<\/string>/);
    assert.match(xml, /<string>line&#13;\nnext<\/string>/);
  });

  it('types numbers: int within 32 bits, i8 past them, double for fractions', () => {
    const xml = encodeMethodCall('m', [42, -1, 2 ** 31, 1.5, i8(7), double(2), 9007199254740993n, true, false]);
    assert.match(xml, /<int>42<\/int>.*<int>-1<\/int>.*<i8>2147483648<\/i8>.*<double>1.5<\/double>/);
    assert.match(xml, /<i8>7<\/i8>.*<double>2<\/double>.*<i8>9007199254740993<\/i8>/);
    assert.match(xml, /<boolean>1<\/boolean>.*<boolean>0<\/boolean>/);
  });

  it('refuses what XML-RPC cannot carry', () => {
    assert.throws(() => encodeMethodCall('m', ['nul\u0000']), TypeError);
    assert.throws(() => encodeMethodCall('m', [Number.NaN]), TypeError);
    assert.throws(() => encodeMethodCall('m', [i8(2n ** 63n)]), TypeError);
  });
});

describe('XmlRpcClient.call() round trip through a loopback server', () => {
  const cases: Array<[string, XmlRpcParam[]]> = [
    ['strings with ]]>, <, & and quotes', ['a]]>b', ']]>', '<VM><NAME>x</NAME></VM>', 'Tom & "Jerry" \'s']],
    ['unicode and whitespace', ['é ü 日本 🚀', '  padded  ', 'tab\tand\nnewline', 'cr\r\nlf', '']],
    ['integers of every width', [0, -1, 2147483647, -2147483648, 2 ** 40, -(2 ** 53) + 1]],
    ['booleans and doubles', [true, false, 0.5, -2.25, 1e-3]],
    ['nested arrays and structs', [[1, 'two', [true]], { a: 1, b: ['x', { c: 'd<' }] }]],
  ];
  for (const [name, params] of cases) {
    it(`keeps ${name}`, async () => {
      handler = echo;
      const client = new XmlRpcClient({ url });
      assert.deepEqual(await client.call('echo', params), params);
      assert.ok(!lastBody.includes('CDATA'));
    });
  }
});

describe('decodeMethodResponse()', () => {
  it('joins text and CDATA sections, the way a writer splits "]]>"', () => {
    const xml = respond('<value><string>a<![CDATA[]]]]><![CDATA[>]]>&amp;<![CDATA[&lt;]]></string></value>');
    assert.equal(decodeMethodResponse(xml), 'a]]>&&lt;');
  });

  it('decodes i4, int, i8, double, nil, untyped and empty strings, and character references', () => {
    const xml = respond(`<value><array><data>
      <value><i4>-7</i4></value><value><int> 12 </int></value><value><i8>-1</i8></value>
      <value><i8>4294967296</i8></value><value><double>-0.125</double></value><value><nil/></value>
      <value>  untyped  </value><value><string/></value><value><string>&#233;&#x1F680;&quot;&apos;</string></value>
    </data></array></value>`);
    assert.deepEqual(decodeMethodResponse(xml), [-7, 12, -1, 4294967296, -0.125, null, '  untyped  ', '', 'é🚀"\'']);
  });

  it('decodes structs, including a member named __proto__ as plain data', () => {
    const xml = respond('<value><struct><member><name>__proto__</name><value><int>1</int></value></member>'
      + '<member><name>k</name><value><boolean>1</boolean></value></member></struct></value>');
    const v = decodeMethodResponse(xml) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(v, '__proto__')?.value, 1);
    assert.equal(v.k, true);
  });

  it('throws XmlRpcFault for <fault>', () => {
    const xml = '<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-506</int></value></member>'
      + '<member><name>faultString</name><value><string>Method \'one.nope\' not defined</string></value></member></struct></value></fault></methodResponse>';
    assert.throws(() => decodeMethodResponse(xml), (err: unknown) => {
      assert.ok(err instanceof XmlRpcFault);
      assert.equal(err.faultCode, -506);
      assert.equal(err.faultString, "Method 'one.nope' not defined");
      return true;
    });
  });

  it('throws XmlRpcProtocolError for broken XML, unknown entities and wrong types', () => {
    for (const bad of [
      '<methodResponse><params>', 'Bad Gateway', respond('<value><string>&nbsp;</string></value>'),
      respond('<value><int>1.5</int></value>'), respond('<value><boolean>yes</boolean></value>'),
      respond('<value><dateTime.iso8601>x</dateTime.iso8601></value>'), '<methodCall/>',
    ]) {
      assert.throws(() => decodeMethodResponse(bad), XmlRpcProtocolError, bad);
    }
  });
});

describe('unwrapOnedResponse()', () => {
  it('gives element 1 of a success array', () => {
    assert.equal(unwrapOnedResponse('one.vm.allocate', [true, 7, 0]), 7);
    assert.equal(unwrapOnedResponse('one.vm.info', [true, '<VM/>', 0]), '<VM/>');
  });

  it('throws OnedError with message, code and object id for a failure array', () => {
    const xml = respond('<value><array><data><value><boolean>0</boolean></value>'
      + '<value><string>[one.vm.info] Error getting virtual machine [99].</string></value>'
      + '<value><i4>1024</i4></value><value><i4>99</i4></value><value><i8>-1</i8></value></data></array></value>');
    assert.throws(() => unwrapOnedResponse('one.vm.info', decodeMethodResponse(xml)), (err: unknown) => {
      assert.ok(err instanceof OnedError);
      assert.equal(err.message, '[one.vm.info] Error getting virtual machine [99].');
      assert.equal(err.code, 1024);
      assert.equal(err.codeName, 'NO_EXISTS');
      assert.equal(err.objectId, 99);
      assert.equal(err.method, 'one.vm.info');
      return true;
    });
  });

  it('rejects an answer that is not an oned array', () => {
    assert.throws(() => unwrapOnedResponse('m', 'plain'), XmlRpcProtocolError);
    assert.throws(() => unwrapOnedResponse('m', [true, [1], 0]), XmlRpcProtocolError);
  });
});

describe('XmlRpcClient transport errors', () => {
  it('sends a POST with text/xml to the endpoint path', async () => {
    let seen: IncomingMessage | undefined;
    handler = (body, req, res) => { seen = req; echo(body, req, res); };
    await new XmlRpcClient({ url }).call('one.system.version', ['a:b']);
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.url, '/RPC2');
    assert.match(String(seen?.headers['content-type']), /^text\/xml/);
    assert.match(lastBody, /<methodName>one\.system\.version<\/methodName>/);
  });

  it('turns a slow answer into OnedTimeoutError', async () => {
    handler = (body, req, res) => { setTimeout(() => { if (!res.destroyed) echo(body, req, res); }, 500).unref(); };
    const client = new XmlRpcClient({ url, timeoutMs: 5000 });
    await assert.rejects(client.call('one.vm.info', ['a:b', 1], { timeoutMs: 50 }), (err: unknown) => {
      assert.ok(err instanceof OnedTimeoutError);
      assert.equal(err.timeoutMs, 50);
      return true;
    });
  });

  it('turns a dropped connection into OnedUnreachableError', async () => {
    handler = (_body, req) => { req.socket.destroy(); };
    await assert.rejects(new XmlRpcClient({ url }).call('one.vm.info', ['a:b', 1]), OnedUnreachableError);
  });

  it('turns a refused connection into OnedUnreachableError with the system code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(new XmlRpcClient({ url: `http://127.0.0.1:${port}/RPC2` }).call('one.vm.info', []), (err: unknown) => {
      assert.ok(err instanceof OnedUnreachableError);
      assert.equal(err.reason, 'ECONNREFUSED');
      return true;
    });
  });

  it("rethrows the caller's own abort as is", async () => {
    handler = (body, req, res) => { setTimeout(() => { if (!res.destroyed) echo(body, req, res); }, 500).unref(); };
    const controller = new AbortController();
    const call = new XmlRpcClient({ url }).call('one.vm.info', [], { signal: controller.signal });
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 20);
    await assert.rejects(call, (err: unknown) => err === reason);
  });

  it('turns an HTTP error status or a non-XML body into XmlRpcProtocolError', async () => {
    handler = (_b, _r, res) => { res.writeHead(502); res.end('<html>Bad Gateway</html>'); };
    await assert.rejects(new XmlRpcClient({ url }).call('m', []), (err: unknown) => err instanceof XmlRpcProtocolError && err.status === 502);
    handler = (_b, _r, res) => { res.writeHead(200); res.end('not xml at all'); };
    await assert.rejects(new XmlRpcClient({ url }).call('m', []), XmlRpcProtocolError);
  });
});
