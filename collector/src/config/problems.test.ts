import Type from 'typebox';
import { describe as suite, expect, it } from 'vitest';
import { describe, dotted, firstProblem, withoutNulls } from './problems.js';
import { refine } from './setting.js';

suite('describe: what a schema takes, in words, from its own constraints', () => {
  it.each([
    [Type.Integer({ minimum: 0, maximum: 65535 }), 'an integer from 0 to 65535'],
    [Type.Integer({ minimum: 1 }), 'an integer of at least 1'],
    [Type.Number({ exclusiveMinimum: 0, maximum: 1 }), 'a number above 0 and at most 1'],
    [Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100, examples: [99, 99.9] }), 'a number strictly between 0 and 100 such as 99 or 99.9'],
    [Type.String({ minLength: 1, maxLength: 256 }), 'a non-empty string of at most 256 characters'],
    [Type.Enum(['a', 'b', 'c']), 'one of a, b, c'],
    [Type.Union([Type.String(), Type.Number(), Type.Boolean()]), 'a string, a number or true or false'],
    [Type.Array(Type.Object({ long: Type.String(), short: Type.String() }), { minItems: 1 }), 'a non-empty list of { long, short }'],
    [Type.Object({ url: Type.String() }), 'a mapping with keys url'],
    [Type.Number({ expected: 'a positive number' }), 'a positive number'],
  ])('%j', (schema, text) => {
    expect(describe(schema)).toBe(text);
  });
});

suite('firstProblem', () => {
  const Entry = Type.Object({ model: Type.String(), n: Type.Optional(Type.Union([Type.String(), Type.Number()])) }, { additionalProperties: false });
  const Doc = Type.Object({ list: Type.Array(Entry), d: Type.Optional(refine(Type.String({ expected: 'a duration such as 5m' }), (t) => /^\d+m$/.test(t))) });

  it('names the path with list indices, and reports a union as a whole', () => {
    expect(firstProblem(Doc, { list: [{ model: 'a' }, { model: 'b', n: true }] })).toEqual({ kind: 'invalid', path: ['list', 1, 'n'], expected: 'a string or a number' });
    expect(dotted(['list', 1, 'n'])).toBe('list[1].n');
  });

  it('reports an unknown key before the required key it probably stands for', () => {
    expect(firstProblem(Doc, { list: [{ modle: 'a' }] })).toEqual({ kind: 'unknown', path: ['list', 0], key: 'modle', known: ['model', 'n'] });
    expect(firstProblem(Doc, { list: [{}] })).toEqual({ kind: 'missing', path: ['list', 0, 'model'], expected: 'a string' });
  });

  it("reports a refinement with the schema's expected text, and nothing for a valid document", () => {
    expect(firstProblem(Doc, { list: [], d: '5h' })).toEqual({ kind: 'invalid', path: ['d'], expected: 'a duration such as 5m' });
    expect(firstProblem(Doc, { list: [{ model: 'a', n: 1 }], d: '5m' })).toBeUndefined();
  });

  it('treats a key set to nothing as not set', () => {
    expect(withoutNulls({ a: null, b: { c: null, d: 1 }, e: [null, { f: null }] })).toEqual({ b: { d: 1 }, e: [null, {}] });
  });
});
