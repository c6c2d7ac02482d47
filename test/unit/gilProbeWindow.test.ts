// How long the GIL probe watches a call (src/engine/profile.ts gilProbeWindowMs).
import assert from 'node:assert/strict';
import { GIL_PROBE_MIN_CALLS, gilProbeWindowMs } from '../../src/engine/profile';

const base = { budgetMs: 3000, callMs: 25, cpuRatio: 1, cores: 2, backgroundBusy: false };

describe('GIL probe window', () => {
  it(`holds at least ${GIL_PROBE_MIN_CALLS} calls at a short budget, within its 200 ms cap`, () => {
    assert.equal(gilProbeWindowMs(base), 25 * GIL_PROBE_MIN_CALLS);
    assert.equal(gilProbeWindowMs({ ...base, callMs: 2 }), 60, 'short calls: 2% of the budget');
    assert.equal(gilProbeWindowMs({ ...base, budgetMs: 15_000, callMs: 2 }), 200);
    assert.equal(gilProbeWindowMs({ ...base, callMs: 120, budgetMs: 6000 }), 200, 'the cap holds for slow calls');
  });

  it('is skipped with one core, a busy machine, waiting work or a call over a tenth of the budget', () => {
    assert.equal(gilProbeWindowMs({ ...base, cores: 1 }), 0);
    assert.equal(gilProbeWindowMs({ ...base, backgroundBusy: true }), 0);
    assert.equal(gilProbeWindowMs({ ...base, cpuRatio: 0.05 }), 0);
    assert.equal(gilProbeWindowMs({ ...base, callMs: 400 }), 0);
  });
});
