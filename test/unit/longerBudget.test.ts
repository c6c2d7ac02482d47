// The "a longer budget may decide" next step: when a report suggests one, which budget,
// and how the CLI text, the Markdown and the page's protocol carry it.
import assert from 'node:assert/strict';
import { longerBudgetOf, suggestedBudgetSec } from '../../src/shared/longerBudget';
import { formatMarkdown, formatText } from '../../src/shared/formatReport';
import { longerBudgetText } from '../../src/shared/wording';
import type { Caveat, Recommendation } from '../../src/shared/report';
import { isFromWebview } from '../../src/webview/protocol';
import { sampleReport } from './helpers/sampleReport';

const undecided: Recommendation = {
  executor: 'sequential',
  workers: 1,
  expectedSpeedup: 1,
  formulaWorkers: 2,
  reason: 'undecided',
  code: 'rec.no-gain',
  data: { formulaWorkers: 2, cores: 2, waitOverCompute: 0, bestExecutor: 'thread', bestK: 2, bestSpeedup: 1.28, bestLow: 0.96, bestHigh: 1.53, threshold: 1.05 },
};
const caveat = (code: string): Caveat => ({ level: 'warning', code, data: {}, message: code });

describe('longer budget: the next step when a short profile could not decide', () => {
  it('doubles the budget, rounded up to one people type, and covers what the last run took', () => {
    assert.equal(suggestedBudgetSec(3000, 3400), 10);
    assert.equal(suggestedBudgetSec(6000, 6300), 15);
    assert.equal(suggestedBudgetSec(15_000, 15_200), 30);
    // A 3 s profile that took 11 s: 15 s, not the 10 s that would overrun again.
    assert.equal(suggestedBudgetSec(3000, 11_000), 15);
    assert.equal(suggestedBudgetSec(2000, 2100), 5);
    // Nothing past the largest.
    assert.equal(suggestedBudgetSec(60_000, 60_500), 120);
    assert.equal(suggestedBudgetSec(120_000, 121_000), undefined);
  });

  it('is suggested for an undecided answer, pools measured cold, a ladder cut while scaling, a slow baseline, most decisive first', () => {
    const at6 = { budgetMs: 6000, durationMs: 6300 };
    assert.deepEqual(longerBudgetOf(sampleReport({ ...at6, recommendation: undecided, caveats: [caveat('cold-pool')] })), { budgetSec: 15, why: 'undecided' });
    assert.deepEqual(longerBudgetOf(sampleReport({ ...at6, caveats: [caveat('slow-baseline'), caveat('cold-pool')] })), { budgetSec: 15, why: 'cold-pools' });
    const cut = (cutBy: string) => sampleReport({ ...at6, recommendation: { executor: 'async', workers: 32, expectedSpeedup: 31, formulaWorkers: 128, reason: 'at least', atLeast: true, code: 'rec.use', data: { atLeast: 1, cutBy } } });
    assert.deepEqual(longerBudgetOf(cut('budget')), { budgetSec: 15, why: 'still-scaling' });
    // Stopped at its cap (--max-async), the ladder goes no further with more time.
    assert.equal(longerBudgetOf(cut('cap')), undefined);
    assert.deepEqual(longerBudgetOf(sampleReport({ ...at6, caveats: [caveat('slow-baseline')] })), { budgetSec: 15, why: 'slow-baseline' });
    // Another executor's ladder cut while it still scaled past the answer's reach.
    const runnerUp = longerBudgetOf(sampleReport({ ...at6, caveats: [caveat('slow-baseline'), caveat('runner-up-cut')] }));
    assert.deepEqual(runnerUp, { budgetSec: 15, why: 'runner-up-cut' });
    assert.equal(longerBudgetText(runnerUp!), "The budget stopped another executor's ladder while it was still scaling towards the answer: a 15 s budget climbs it further.");
  });

  it('is not suggested when the answer stands, when the budget is already the largest, nor in queue mode', () => {
    // A clear answer; a "no gain" whose interval never reached a gain worth having; a long overrun alone.
    assert.equal(longerBudgetOf(sampleReport({ caveats: [caveat('noisy-points'), caveat('overrun')] })), undefined);
    const { bestHigh: _high, ...sure } = undecided.data!;
    const noGain: Recommendation = { ...undecided, data: sure };
    assert.equal(longerBudgetOf(sampleReport({ recommendation: noGain })), undefined);
    assert.equal(longerBudgetOf(sampleReport({ budgetMs: 120_000, durationMs: 121_000, recommendation: undecided })), undefined);
    const queue = sampleReport({ recommendation: undecided, queue: {} as never });
    assert.equal(longerBudgetOf(queue), undefined);
  });

  it('reads as a reason and a budget in the CLI text (with the flag) and the Markdown (without it)', () => {
    const r = sampleReport({ budgetMs: 6000, durationMs: 6300, recommendation: undecided });
    assert.equal(longerBudgetText(longerBudgetOf(r)!), 'The windows were too short to tell a gain from noise: a 15 s budget may decide.');
    assert.match(formatText(r).replace(/\s+/g, ' '), /→ The windows were too short to tell a gain from noise: a 15 s budget may decide\. Run it again with --budget 15\./);
    const md = formatMarkdown(r);
    // The Markdown is also the editor's export, where a flag is no next step.
    assert.match(md, /\n\*\*Next:\*\* The windows were too short to tell a gain from noise: a 15 s budget may decide\.\n/);
    assert.doesNotMatch(md, /Run it again/);
    // A clear answer says nothing of it.
    assert.doesNotMatch(formatText(sampleReport()), /budget may decide|Run it again/);
  });

  it('the page may ask for a re-run at a budget, within bounds', () => {
    assert.ok(isFromWebview({ type: 'rerun' }));
    assert.ok(isFromWebview({ type: 'rerun', budgetSec: 15 }));
    for (const bad of [0, -3, Infinity, NaN, 10_000, '15']) assert.ok(!isFromWebview({ type: 'rerun', budgetSec: bad }), String(bad));
  });
});
