import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOnedDocument } from './document.js';
import { bodyOf, templateXml, vectorsOf } from './template-xml.js';

describe('templateXml()', () => {
  it('writes attributes and vectors in order, text escaped, repeated names kept', () => {
    const xml = templateXml([['NAME', 'a <b> & "c"'], ['CPU', 1], ['DISK', { IMAGE_ID: 3 }], ['DISK', { IMAGE_ID: 4, TARGET: 'vdc' }], ['CONTEXT', { USER_DATA: ']]>\n' }]]);
    assert.equal(xml, '<TEMPLATE><NAME>a &lt;b&gt; &amp; "c"</NAME><CPU>1</CPU><DISK><IMAGE_ID>3</IMAGE_ID></DISK>'
      + '<DISK><IMAGE_ID>4</IMAGE_ID><TARGET>vdc</TARGET></DISK><CONTEXT><USER_DATA>]]&gt;\n</USER_DATA></CONTEXT></TEMPLATE>');
    assert.throws(() => templateXml([['BAD NAME', 'x']]), TypeError);
  });

  it('round-trips a parsed TEMPLATE through bodyOf()', () => {
    const doc = parseOnedDocument('<TEMPLATE><CPU>1</CPU><DISK><IMAGE_ID>0</IMAGE_ID></DISK><DISK><IMAGE_ID>1</IMAGE_ID></DISK><NIC><NETWORK_ID>0</NETWORK_ID></NIC></TEMPLATE>', 'TEMPLATE');
    const body = bodyOf(doc, new Set(['NIC']));
    assert.deepEqual(body, [['CPU', '1'], ['DISK', { IMAGE_ID: '0' }], ['DISK', { IMAGE_ID: '1' }]]);
    assert.deepEqual(vectorsOf(parseOnedDocument(templateXml(body), 'TEMPLATE'), 'DISK').map((d) => d.IMAGE_ID), ['0', '1']);
  });
});
