/**
 * The property suite each rendering's `index.property.test.ts` runs (issue 4 §1):
 * random and mutated input only ever ends in the parser's own error (400/413/415),
 * and generated values survive render → parse → render unchanged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Renderable, Rendering } from './index.js';
import { COMPUTE_A } from './compute-a.testing.js';
import {
  RUNS, entityArb, foreignError, hostileInput, locationsArb, mutatedRendering, roundTrip, userMixinArb,
} from './arbitraries.testing.js';

export function describeParserProperties(rendering: Rendering): void {
  const parser = rendering.parser!;
  const params = { numRuns: RUNS, seed: process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED) };

  describe(`properties: ${rendering.mediaType}`, () => {
    it('random input only ever yields the parser\'s own error', () => {
      fc.assert(fc.property(hostileInput(), (input) => {
        const err = foreignError(parser, input);
        if (err !== undefined) throw err;
      }), { ...params, numRuns: RUNS * 4 });
    });

    it('mutated renderings only ever yield the parser\'s own error', () => {
      fc.assert(fc.property(mutatedRendering(rendering), (input) => {
        const err = foreignError(parser, input);
        if (err !== undefined) throw err;
      }), { ...params, numRuns: RUNS * 2 });
    });

    const check = (value: Renderable) => {
      const { first, second } = roundTrip(rendering, value);
      assert.deepEqual(second, first);
    };

    if (rendering.canRender('entity')) {
      it('regressions found by fuzzing: U+2028 (text/plain) and U+FFFD (text/occi) in values survive the round trip', () => {
        for (const title of ['a\u2028b', '\u2029', '\ufffd', 'x\ufffd\u00e9\u{1F600}']) {
          check({ type: 'entity', entity: { ...COMPUTE_A, attributes: { ...COMPUTE_A.attributes, 'occi.core.title': title } } });
        }
      });

      it('entities survive render → parse → render unchanged', () => {
        fc.assert(fc.property(entityArb, (entity) => check({ type: 'entity', entity })), params);
      });
    }
    if (rendering.canRender('categories')) {
      it('categories (user mixins) survive render → parse → render unchanged', () => {
        fc.assert(fc.property(fc.array(userMixinArb, { maxLength: 4 }), (categories) => check({ type: 'categories', categories })), params);
      });
    }
    it('collections survive render → parse → render unchanged', () => {
      const arb = rendering.collectionDetail === 'entities'
        ? fc.array(entityArb, { maxLength: 4 }).map((es) => ({ type: 'collection', locations: es.map((e) => e.location), entities: es }) as Renderable)
        : locationsArb.map((locations) => ({ type: 'collection', locations }) as Renderable);
      fc.assert(fc.property(arb, check), params);
    });
  });
}
