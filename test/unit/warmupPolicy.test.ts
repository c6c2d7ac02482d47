// The warm-up rule's time cap per worker (src/engine/budgetPlan.ts warmupPolicy).
import assert from 'node:assert/strict';
import { warmupPolicy } from '../../src/engine/profile';

describe('warm-up policy', () => {
  it('gives a JIT-heavy call room for six cold calls, within 15% of a short budget', () => {
    // A parser whose first call took 80 ms needs 8-10 calls, about five cold calls' worth,
    // to settle: 5% of 3 s (150 ms) stopped it after two.
    const p = warmupPolicy(3000, 80);
    assert.equal(p.maxMs, 450);
    assert.equal(p.maxCalls, 30);
    assert.equal(p.steadyCalls, 3);
    assert.equal(warmupPolicy(15_000, 80).maxMs, 1200);
    assert.equal(warmupPolicy(15_000, 40).maxMs, 1200, '8% of the budget when six calls take less');
  });

  it('keeps 8% of the budget for fast calls, within 100 ms and 1.5 s', () => {
    assert.equal(warmupPolicy(15_000, 1).maxMs, 1200);
    assert.equal(warmupPolicy(1000, 1).maxMs, 100);
    assert.equal(warmupPolicy(120_000, 1).maxMs, 1500);
  });

  it('gives a call that mostly waits, too slow for three to fit half the cap, one warm-up call (its setup)', () => {
    // 1 s sleeps at 15 s: the cap (1.5 s) let two calls start on every executor, and three
    // alike, which steady needs, never fit.
    assert.equal(warmupPolicy(15_000, 1000, 0.001).maxCalls, 1);
    assert.equal(warmupPolicy(3000, 200, 0.05).maxCalls, 1, '600 ms of calls past a 450 ms cap');
    // A Node child spawned per call at 6 s: three calls (780 ms) fit the 900 ms cap, but
    // spawns jitter, and the steady rule made 5-6 calls per executor.
    assert.equal(warmupPolicy(6000, 260, 0.03).maxCalls, 1);
    // Calls whose CPU a JIT tiers up keep the steady rule, slow or not...
    assert.equal(warmupPolicy(15_000, 1000, 0.9).maxCalls, 30);
    assert.equal(warmupPolicy(15_000, 1000).maxCalls, 30, 'CPU unknown: as CPU');
    // ...and so do waiting calls that three of fit half the cap: steady can show, soon.
    assert.equal(warmupPolicy(15_000, 200, 0.01).maxCalls, 30);
    assert.equal(warmupPolicy(6000, 55, 0.05).maxCalls, 30, 'execFile("sleep 0.05")');
    // A call longer than the cap still skips warm-up.
    assert.equal(warmupPolicy(3000, 500, 0.01).maxCalls, 0);
  });

  it('never spends more than 15% of the budget per worker, and skips calls slower than the cap', () => {
    assert.equal(warmupPolicy(3000, 400).maxMs, 450);
    assert.equal(warmupPolicy(3000, 500).maxMs, 450);
    assert.equal(warmupPolicy(3000, 500).maxCalls, 0);
    assert.equal(warmupPolicy(6000, 200).maxMs, 900);
    assert.equal(warmupPolicy(6000, 200).maxCalls, 30);
  });
});
