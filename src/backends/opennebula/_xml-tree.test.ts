import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEntities, XmlSyntaxError } from './_xml-tree.js';

describe('decodeEntities()', () => {
  it('decodes the five entities and character references, leaving other text alone', () => {
    assert.equal(decodeEntities('a&lt;b&gt;&amp;&quot;&apos;&#65;&#x263A; c'), 'a<b>&"\'A☺ c');
    assert.equal(decodeEntities('no references'), 'no references');
  });

  it('refuses unterminated, unknown (prototype names too) and invalid references', () => {
    for (const bad of ['&lt', 'a &b c', '&unknown;', '&toString;', '&constructor;', '&#0;', '&#x110000;']) {
      assert.throws(() => decodeEntities(bad), XmlSyntaxError, bad);
    }
  });
});
