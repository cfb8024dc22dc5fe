/**
 * `npm run fuzz`: the long budget of the parser properties (issue 4 §1).
 * For every rendering's parser, FUZZ_INPUTS (default 1,000,000) random and
 * mutated inputs through all five parse methods, then FUZZ_ROUNDTRIPS
 * (default 20,000) generated values through render → parse → render.
 * Prints inputs/s per parser and exits 1 on the first counterexample
 * (re-run it with the printed FUZZ_SEED). FUZZ_PARSERS=text/plain,... limits the set.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RENDERINGS, parseAccept, parseHeaderFilter, type Renderable, type Rendering } from '../../src/rendering/index.js';
import {
  MODEL, entityArb, foreignError, hostileInput, hostileText, locationsArb, mutatedRendering, roundTrip, userMixinArb,
} from '../../src/rendering/arbitraries.testing.js';
import { ParsingError } from '../../src/errors.js';

const INPUTS = Number(process.env.FUZZ_INPUTS ?? 1_000_000);
const ROUNDTRIPS = Number(process.env.FUZZ_ROUNDTRIPS ?? 20_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const ONLY = process.env.FUZZ_PARSERS?.split(',');

interface Row { parser: string; inputs: number; seconds: number; perSecond: number; roundTrips: number }

function run(name: string, arb: fc.Arbitrary<unknown>, predicate: (v: never) => void, numRuns: number): number {
  const started = process.hrtime.bigint();
  const details = fc.check(fc.property(arb, predicate as (v: unknown) => void), { numRuns, seed: SEED, endOnFailure: true });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (details.failed) {
    console.error(`${name}: counterexample after ${details.numRuns} inputs (FUZZ_SEED=${SEED}):`);
    console.error(JSON.stringify(details.counterexample)?.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).slice(0, 3000));
    console.error(details.errorInstance);
    process.exit(1);
  }
  return seconds;
}

function fuzzRendering(r: Rendering): Row {
  const parser = r.parser!;
  const inputs = fc.oneof(hostileInput(), mutatedRendering(r));
  const seconds = run(`${r.mediaType} parse`, inputs, (input: Parameters<typeof foreignError>[1]) => {
    const err = foreignError(parser, input);
    if (err !== undefined) throw err;
  }, INPUTS);
  const values: Array<fc.Arbitrary<Renderable>> = [];
  if (r.canRender('entity')) values.push(entityArb.map((entity) => ({ type: 'entity', entity }) as Renderable));
  if (r.canRender('categories')) values.push(fc.array(userMixinArb, { maxLength: 4 }).map((categories) => ({ type: 'categories', categories }) as Renderable));
  values.push(r.collectionDetail === 'entities'
    ? fc.array(entityArb, { maxLength: 4 }).map((es) => ({ type: 'collection', locations: es.map((e) => e.location), entities: es }) as Renderable)
    : locationsArb.map((locations) => ({ type: 'collection', locations }) as Renderable));
  run(`${r.mediaType} round trip`, fc.oneof(...values), (value: Renderable) => {
    const { first, second } = roundTrip(r, value);
    assert.deepEqual(second, first);
  }, ROUNDTRIPS);
  return { parser: r.mediaType, inputs: INPUTS, seconds, perSecond: Math.round(INPUTS / seconds), roundTrips: ROUNDTRIPS };
}

/** Header-level parsers: Accept (negotiation) and the text/occi filter headers of a GET. */
function fuzzHeaders(): Row[] {
  const accept = run('Accept', hostileText, (t: string) => {
    parseAccept(t);
  }, INPUTS);
  const filter = run('filter headers', fc.tuple(hostileText, hostileText), ([c, a]: [string, string]) => {
    try {
      parseHeaderFilter({ category: c, 'x-occi-attribute': a }, MODEL);
    } catch (err) {
      if (!(err instanceof ParsingError)) throw err;
    }
  }, INPUTS);
  return [
    { parser: 'Accept header', inputs: INPUTS, seconds: accept, perSecond: Math.round(INPUTS / accept), roundTrips: 0 },
    { parser: 'filter headers (Category, X-OCCI-Attribute)', inputs: INPUTS, seconds: filter, perSecond: Math.round(INPUTS / filter), roundTrips: 0 },
  ];
}

console.log(`fuzz: ${INPUTS} inputs per parser, ${ROUNDTRIPS} round trips, FUZZ_SEED=${SEED}`);
const rows: Row[] = [];
for (const r of RENDERINGS) {
  if (!r.parser || (ONLY && !ONLY.includes(r.mediaType))) continue;
  const row = fuzzRendering(r);
  rows.push(row);
  console.log(`${row.parser.padEnd(24)} ${row.inputs} inputs in ${row.seconds.toFixed(1)} s = ${row.perSecond} inputs/s; ${row.roundTrips} round trips ok`);
}
if (!ONLY || ONLY.includes('headers')) {
  for (const row of fuzzHeaders()) {
    rows.push(row);
    console.log(`${row.parser.padEnd(24)} ${row.inputs} inputs in ${row.seconds.toFixed(1)} s = ${row.perSecond} inputs/s`);
  }
}
console.log('\n| parser | inputs | inputs/s | round trips |\n| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.parser} | ${r.inputs.toLocaleString('en')} | ${r.perSecond.toLocaleString('en')} | ${r.roundTrips.toLocaleString('en')} |`);
console.log('\nno counterexample: every input ended in the parser\'s own error or a value');
