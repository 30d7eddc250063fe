import { StatsError } from './StatsError.js';

function checkBudget(budgetFraction: number): void {
  if (!(budgetFraction > 0 && budgetFraction < 1)) {
    throw new StatsError('STATS_INVALID_ARGUMENT', `budgetFraction must be strictly between 0 and 1 (1 - SLO target, e.g. 0.001 for 99.9%), got ${budgetFraction}`);
  }
}

/**
 * Burn rate of an error budget over one window: the window's error ratio divided by the
 * budget fraction (1 − SLO target). 1 spends exactly the budget over the SLO period; the SRE
 * Workbook's fast-burn page fires at 14.4 over 1 h (2% of a 30-day budget in an hour).
 * A window without requests burns nothing (0).
 *
 * @param bad events that count against the objective (errors), possibly weighted
 * @param total all events in the window, with the same weights
 * @param budgetFraction 1 − target, strictly between 0 and 1
 * @example burnRate(144, 10_000, 0.001) // 14.4
 */
export function burnRate(bad: number, total: number, budgetFraction: number): number {
  checkBudget(budgetFraction);
  if (!(total > 0)) return 0;
  return bad / total / budgetFraction;
}

/**
 * Share of the error budget left over a period: 1 − (error ratio / budget fraction). 1 is
 * untouched, 0 is exactly spent, negative is overspent. A period without requests has its whole
 * budget (1).
 *
 * @example errorBudgetRemaining(25, 100_000, 0.001) // 0.75
 */
export function errorBudgetRemaining(bad: number, total: number, budgetFraction: number): number {
  return 1 - burnRate(bad, total, budgetFraction);
}
