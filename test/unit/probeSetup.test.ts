// A probe whose call was mostly one-time setup inside the function (src/engine/profile.ts
// probeSetupOf, src/engine/budgetPlan.ts warmupAfterSetup): the warm baseline replaces its
// call time, warm-up comes back on with its cap counted after each worker's first call,
// the plan and the ladder follow, and the report says why.
import assert from 'node:assert/strict';
import { BudgetPlan, SETUP_SHARE, warmupAfterSetup, warmupPolicy } from '../../src/engine/budgetPlan';
import { LadderSession } from '../../src/engine/ladderSession';
import { probeSetupOf } from '../../src/engine/profile';
import { renderCaveat } from '../../src/shared/wording';
import { WARMUP_MAX_CALLS } from '../../src/shared/pointContract';
import type { ColdStart, ExecutorKind } from '../../src/shared/report';

const KINDS: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];

describe('a probe that was mostly one-time setup', () => {
  // At 6 s, a 1.5 s first call is over the warm-up cap (900 ms): warm-up is off.
  const cold = warmupPolicy(6000, 1500);

  it('turns warm-up back on, its cap counted after the first call, when a warm call fits under the cap', () => {
    assert.equal(cold.maxCalls, 0);
    const w = warmupAfterSetup(cold, 1500, 2);
    assert.ok(w);
    assert.equal(w.maxCalls, WARMUP_MAX_CALLS);
    assert.equal(w.maxMs, cold.maxMs, 'the cap stays the one the cold call set');
    assert.equal(w.capAfterFirstCall, true);
  });

  it('changes nothing when warm-up was on, the warm call is over the cap, or not much faster than the first', () => {
    const on = warmupPolicy(6000, 40);
    assert.equal(warmupAfterSetup(on, 400, 40), undefined, 'warm-up was on: the cold call is its business');
    assert.equal(warmupAfterSetup(cold, 1500, cold.maxMs + 1), undefined, 'a warm call over the cap is a long call');
    assert.equal(warmupAfterSetup(cold, 1500, 1500 * SETUP_SHARE + 1), undefined, 'a call about as long as the probe is no setup');
    assert.equal(warmupAfterSetup(cold, 1500, Number.NaN), undefined);
  });

  it('takes the warm call from the baseline and says why in the report', () => {
    const s = probeSetupOf(cold, 1500, 500); // 500 calls/s: 2 ms a call
    assert.ok(s);
    assert.equal(s.callMs, 2);
    assert.equal(s.caveat.level, 'info');
    assert.equal(s.caveat.code, 'first-call-setup');
    const words = renderCaveat(s.caveat, { python: false });
    assert.match(words, /first call took 1\.50 s, a warm one 2\.0 ms/);
    assert.match(words, /one-time setup/);
    assert.equal(probeSetupOf(cold, 1500, 0), undefined, 'a baseline with no call says nothing');
  });

  it('re-bases the budget plan: every pool warms up under the new rule', () => {
    const session = new LadderSession({ kinds: KINDS, cores: 2, caps: { sequential: 1, async: 64, thread: 8, process: 8 }, callMs: 1500, cpuRatio: 1, step: 4 });
    const plan = new BudgetPlan({ budgetMs: 6000, startedMs: 0, now: () => 0, cores: 2, callMs: 1500, warmup: cold, kinds: KINDS, session });
    const noWarmup: ColdStart = { firstCallMs: null, steadyCallMs: null, workerStartMs: 40, warmupCalls: 0, warmupMs: 0, steady: false };
    const samples = { executor: 'sequential' as const, concurrency: 1, startMs: 0, endMs: 500, taskStartMs: [], taskEndMs: [], taskCpuMs: [], taskOk: [], cpuSource: 'process.cpuUsage' as const, errors: [], abandoned: 0, coldStart: noWarmup };
    plan.learn('sequential', 1, samples, 600);
    assert.equal(plan.warmupFor('thread').maxCalls, 0, 'planned from the probe, pools would not warm up');
    const w = warmupAfterSetup(cold, 1500, 2)!;
    plan.rebase(2, w);
    assert.deepEqual(plan.warmupFor('thread'), w);
    assert.deepEqual(plan.warmupFor('process'), w);
    // A new worker's warm-up: its first call (as long as the probe's) and the cap after it.
    assert.equal(plan.overheadOf({ kind: 'process', k: 2 }), 120 + w.maxMs + 1500);
  });

  it('has the ladder measure the baseline again, warm, before the next executor (JS)', () => {
    const all = () => true;
    for (const remeasure of [true, false]) {
      const session = new LadderSession({ kinds: KINDS, cores: 2, caps: { sequential: 1, async: 64, thread: 8, process: 8 }, callMs: 1500, cpuRatio: 1, step: 4 });
      session.record(session.next(all)!, { throughputPerSec: 90, failed: false, ci: [80, 100] });
      session.setCallMs(11, remeasure);
      const next = session.next(all)!;
      if (remeasure) assert.deepEqual(next, { kind: 'sequential', k: 1, phase: 'rebaseline' });
      else assert.equal(next.phase, 'breadth');
    }
  });
});
