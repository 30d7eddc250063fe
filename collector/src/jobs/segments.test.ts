import { describe, expect, it } from 'vitest';
import { OTHER_SEGMENT, planSegments, segmentNames } from './segments.js';

const c = (value: string, count: number) => ({ value, count });

describe('planSegments', () => {
  it('keeps every value when there are at most maxValues, with no other segment', () => {
    const plan = planSegments([c('eu', 50), c('us', 30), c('apac', 20)], 100, 3);
    expect(plan).toEqual({ values: ['eu', 'us', 'apac'], otherRows: 0 });
    expect(segmentNames(plan)).toEqual(['eu', 'us', 'apac']);
  });

  it('keeps the maxValues most frequent values and folds the rest, counted or not, into other', () => {
    // The engine answers the top values only; `total` holds the rows of the values it cut.
    const plan = planSegments([c('a', 40), c('b', 30), c('c', 20)], 100, 2);
    expect(plan).toEqual({ values: ['a', 'b'], otherRows: 30 });
    expect(segmentNames(plan)).toEqual(['a', 'b', OTHER_SEGMENT]);
  });

  it('orders by rows, then by value, whatever order the counts come in (a recomputation keeps the same values)', () => {
    const counts = [c('z', 10), c('b', 25), c('a', 25), c('m', 40)];
    expect(planSegments(counts, 100, 3).values).toEqual(['m', 'a', 'b']);
    expect(planSegments([...counts].reverse(), 100, 3).values).toEqual(['m', 'a', 'b']);
    expect(planSegments(counts, 100, 3).otherRows).toBe(10);
  });

  it('never makes a segment of the empty value (rows without a segment) nor of a value without rows', () => {
    expect(planSegments([c('', 500), c('gold', 10), c('silver', 0)], 10, 5)).toEqual({ values: ['gold'], otherRows: 0 });
  });

  it('gives no segment at all with maxValues 0, or without values', () => {
    expect(planSegments([c('a', 3)], 3, 0)).toEqual({ values: [], otherRows: 0 });
    expect(segmentNames(planSegments([], 0, 10))).toEqual([]);
  });

  it('names other once when a kept value is itself called other (its rows and the folded ones are one segment)', () => {
    const plan = planSegments([c('other', 50), c('a', 30), c('b', 20)], 100, 2);
    expect(plan).toEqual({ values: ['other', 'a'], otherRows: 20 });
    expect(segmentNames(plan)).toEqual(['other', 'a']);
  });
});
