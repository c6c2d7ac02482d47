// Whether a longer budget would settle what this report could not, and which budget to
// suggest: the panel's "Re-run at N s" button and the CLI's next step read it. Codes and
// numbers only; the words are in wording.ts (longerBudgetText).
//
// Several answers already say "a longer --budget decides" (an undecided gain, pools
// measured cold, a ladder cut while still scaling, another executor's ladder cut while it
// still scaled past the answer's reach, a baseline that ran slow). Saying it
// was not enough: in the panel the user had to find the setting, change it, re-run and
// change it back. The suggestion doubles the budget, rounded up to a budget people type,
// and covers what the last run really took when that was longer.
import type { Report } from './report';

export type LongerBudgetWhy = 'undecided' | 'cold-pools' | 'still-scaling' | 'runner-up-cut' | 'slow-baseline';

export interface LongerBudget {
  budgetSec: number;
  why: LongerBudgetWhy;
}

/** Budgets a suggestion is rounded up to (seconds); none beyond the last. */
const ROUND_BUDGETS_SEC = [5, 10, 15, 20, 30, 45, 60, 90, 120];

/** The budget to suggest after one of `budgetMs` that took `tookMs`, or undefined past the largest. */
export function suggestedBudgetSec(budgetMs: number, tookMs: number): number | undefined {
  const wantSec = Math.max(2 * budgetMs, tookMs) / 1000;
  return ROUND_BUDGETS_SEC.find((b) => b >= wantSec && b * 1000 > budgetMs);
}

/**
 * Why a longer budget would settle this report's answer, most decisive first, or
 * undefined when it would not (the answer stands, or the budget is already the largest
 * suggested). Queue and distributed reports answer other questions: no suggestion.
 */
export function longerBudgetOf(report: Pick<Report, 'budgetMs' | 'durationMs' | 'recommendation' | 'caveats' | 'queue'>): LongerBudget | undefined {
  if (report.queue) return undefined;
  const rec = report.recommendation;
  const caveats = new Set(report.caveats.map((c) => c.code));
  let why: LongerBudgetWhy | undefined;
  if (rec.code === 'rec.no-gain' && rec.data?.bestHigh != null) why = 'undecided';
  else if (caveats.has('cold-pool')) why = 'cold-pools';
  // A ladder that stopped at its cap (--max-async) goes no further with more time.
  else if (rec.atLeast && rec.data?.cutBy === 'budget') why = 'still-scaling';
  else if (caveats.has('runner-up-cut')) why = 'runner-up-cut';
  else if (caveats.has('slow-baseline')) why = 'slow-baseline';
  if (!why) return undefined;
  const budgetSec = suggestedBudgetSec(report.budgetMs, report.durationMs);
  return budgetSec === undefined ? undefined : { budgetSec, why };
}
