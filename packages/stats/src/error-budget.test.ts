import { describe, expect, it } from 'vitest';
import { burnRate, errorBudgetRemaining } from './error-budget.js';
import { StatsError } from './StatsError.js';

// Reference values from the SRE Workbook, chapter 5 ("Alerting on SLOs"), table 5-4 and the text
// around it: with a 99.9% SLO over 30 days, burn rate 14.4 for 1 h spends 2% of the budget,
// 6 for 6 h spends 5%, 1 for 3 days spends 10%.
describe('burnRate', () => {
  it('matches the SRE Workbook budget arithmetic', () => {
    const budget = 0.001;
    expect(burnRate(144, 10_000, budget)).toBeCloseTo(14.4, 12);
    // Budget consumed = burn rate × window / period.
    expect((burnRate(144, 10_000, budget) * 1) / (30 * 24)).toBeCloseTo(0.02, 12);
    expect((burnRate(6, 1000, budget) * 6) / (30 * 24)).toBeCloseTo(0.05, 12);
    expect((burnRate(1, 1000, budget) * 72) / (30 * 24)).toBeCloseTo(0.1, 12);
  });

  it('is 0 without requests and refuses a budget outside (0, 1)', () => {
    expect(burnRate(0, 0, 0.01)).toBe(0);
    expect(() => burnRate(1, 10, 0)).toThrow(StatsError);
    expect(() => burnRate(1, 10, 1)).toThrow(/strictly between 0 and 1/);
  });
});

describe('errorBudgetRemaining', () => {
  it('is 1 untouched, 0 exactly spent, negative overspent', () => {
    expect(errorBudgetRemaining(0, 1000, 0.001)).toBe(1);
    expect(errorBudgetRemaining(25, 100_000, 0.001)).toBeCloseTo(0.75, 12);
    expect(errorBudgetRemaining(100, 100_000, 0.001)).toBeCloseTo(0, 12);
    expect(errorBudgetRemaining(300, 100_000, 0.001)).toBeCloseTo(-2, 12);
    expect(errorBudgetRemaining(0, 0, 0.001)).toBe(1);
  });
});
