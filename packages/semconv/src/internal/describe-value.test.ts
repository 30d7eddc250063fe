import { describe, expect, it } from 'vitest';
import { describeValue, entryPath } from './describe-value.js';

describe('describeValue', () => {
  it('quotes strings and shows scalars as written', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue(12.5)).toBe('12.5');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(false)).toBe('false');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(10n)).toBe('10n');
  });

  it('names containers by kind only', () => {
    expect(describeValue({ a: 1 })).toBe('object');
    expect(describeValue([1, 2])).toBe('array');
    expect(describeValue(() => 1)).toBe('function');
  });

  it('shortens long strings and says how long they were', () => {
    const text = 'x'.repeat(500);
    expect(describeValue(text)).toBe(`"${'x'.repeat(60)}"... (500 characters)`);
  });
});

describe('entryPath', () => {
  it('uses dot notation for identifier keys and brackets otherwise', () => {
    expect(entryPath('features', 'age')).toBe('features.age');
    expect(entryPath('features', '_x$1')).toBe('features._x$1');
    expect(entryPath('features', 'item-count')).toBe('features["item-count"]');
    expect(entryPath('outputs', 'a.b')).toBe('outputs["a.b"]');
    expect(entryPath('attributes', '1st')).toBe('attributes["1st"]');
  });
});
