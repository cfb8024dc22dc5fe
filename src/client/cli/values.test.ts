import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attr, type AttributeDefinition, type AttributeValue } from '../../model/index.js';
import { UsageError } from '../errors.js';
import { preprocessWait } from './command.js';
import { assignment, splitCommas, typedValue } from './values.js';

describe('typedValue()', () => {
  const cases: Array<[string, AttributeDefinition | undefined, AttributeValue]> = [
    ['web-1', attr('t', 'string'), 'web-1'],
    ['2', attr('c', 'integer'), 2],
    ['1.5', attr('m', 'number'), 1.5],
    ['true', attr('b', 'boolean'), true],
    ['["a",1]', attr('l', 'list'), ['a', 1]],
    ['{"k":"v"}', attr('h', 'hash'), { k: 'v' }],
    ['2', undefined, '2'],
    // rOCCI-cli's casts, whatever the definition.
    ['num(12)', undefined, 12],
    ['float(1.5)', undefined, 1.5],
    ['bool(false)', attr('t', 'string'), false],
  ];
  for (const [raw, def, expected] of cases) it(`reads ${raw} as ${def?.type ?? 'text'}`, () => assert.deepEqual(typedValue('x', raw, def), expected));

  for (const [raw, def] of [['many', attr('c', 'integer')], ['yes', attr('b', 'boolean')], ['[1', attr('l', 'list')], ['num(1.5)', undefined], ['bool(maybe)', undefined]] as const) {
    it(`refuses ${raw}`, () => assert.throws(() => typedValue('x', raw, def), UsageError));
  }
});

describe('command-line helpers', () => {
  it('assignment() splits at the first =', () => assert.deepEqual(assignment('occi.core.title=a=b'), ['occi.core.title', 'a=b']));
  it('assignment() refuses a name without a value', () => assert.throws(() => assignment('title'), UsageError));
  it('splitCommas() reads rOCCI-cli\'s comma lists', () => assert.deepEqual(splitCommas(['a,b', 'c']), ['a', 'b', 'c']));
  it('preprocessWait() gives --wait an optional state', () => {
    assert.deepEqual(preprocessWait(['do', 'vm', 'start', '--wait']), ['do', 'vm', 'start', '--wait=']);
    assert.deepEqual(preprocessWait(['create', 'compute', '--wait', 'active', '--os', 'x']), ['create', 'compute', '--wait=active', '--os', 'x']);
    assert.deepEqual(preprocessWait(['create', '--wait', 'compute']), ['create', '--wait=', 'compute']);
  });
});
