// Answers that a longer budget may overturn, and limits the words can name: a runner-up
// whose ladder the budget cut while it still scaled straight (caveat runner-up-cut), and
// async waits that levelled off at the size of a helper pool (asyncio's default executor,
// libuv's pool). Synthetic measurements from the physical model (synthetic.ts).
import assert from 'node:assert/strict';
import { classify } from '../../src/analysis/index';
import { renderCaveat } from '../../src/shared/wording';
import { synthesize, type WorkloadModel } from './synthetic';

/** 50 ms waits whose async calls queue for `pool` helper threads: async levels off at ~pool×. */
function queuedWaits(pool: number, over: Partial<WorkloadModel> = {}): WorkloadModel {
  return {
    language: 'python',
    isAsync: true,
    waitMs: 50,
    computeMs: 0.1,
    cores: 2,
    noise: 0,
    seed: 1,
    ladders: { async: [8, 128], thread: [2], process: [2] },
    bias: { async: { 8: pool / 8, 128: pool / 128 } },
    stops: { async: 'knee', thread: 'budget', process: 'budget' },
    ...over,
  };
}

describe('ladders the budget cut', () => {
  it('a runner-up still scaling straight when the budget ran out, whose line passes the answer, is a caveat', () => {
    for (const seed of [1, 2, 3]) {
      const a = classify(synthesize(queuedWaits(6, { seed, noise: 0.03 })));
      assert.equal(a.recommendation.executor, 'async');
      const cut = a.caveats.find((c) => c.code === 'runner-up-cut');
      assert.ok(cut, a.caveats.map((c) => c.code).join(','));
      assert.equal(cut.data!.executor, 'thread');
      assert.equal(cut.data!.k, 2);
      assert.equal(cut.data!.passK, 8);
      assert.match(cut.message, /^Threads still scaled when the budget ran out \([12]\.\d+× at 2, about all 2 can give\); at that rate 8 would pass asyncio's [56]\.\d+×/);
      assert.equal(cut.level, 'warning');
    }
    // The same ladder stopped at its knee says nothing: it was measured out.
    const knee = classify(synthesize(queuedWaits(6, { stops: { async: 'knee', thread: 'knee', process: 'knee' } })));
    assert.ok(!knee.caveats.some((c) => c.code === 'runner-up-cut'));
    // Confidence pays for the doubt.
    const cut = classify(synthesize(queuedWaits(6)));
    assert.ok(cut.verdict.confidence < knee.verdict.confidence, `${cut.verdict.confidence} vs ${knee.verdict.confidence}`);
  });

  it('CPU work: a pool cut at K = cores has no line past the cores, so no caveat', () => {
    const a = classify(
      synthesize({ computeMs: 20, cores: 2, noise: 0, seed: 1, ladders: { async: [2], thread: [2], process: [2] }, bias: { process: 0.95 }, stops: { thread: 'budget', process: 'budget', async: 'knee' } }),
    );
    assert.ok(['thread', 'process'].includes(a.recommendation.executor));
    assert.ok(!a.caveats.some((c) => c.code === 'runner-up-cut'), a.caveats.map((c) => c.message).join(' | '));
  });

  it('CPU work: a runner-up at K = cores that read above a tied answer has nothing left to climb', () => {
    // 97% CPU on 2 cores: threads ×2 1.65×, processes ×2 1.75×, a near-tie the cheaper
    // threads win; processes cut by the budget would only take turns past 2 workers.
    const a = classify(
      synthesize({ computeMs: 20, waitMs: 0.6, cores: 2, noise: 0, seed: 1, ladders: { async: [2], thread: [2], process: [2] }, bias: { thread: 0.825, process: 0.875 }, stops: { thread: 'budget', process: 'budget', async: 'knee' } }),
    );
    assert.equal(a.recommendation.executor, 'thread');
    assert.ok(!a.caveats.some((c) => c.code === 'runner-up-cut'), a.caveats.map((c) => c.message).join(' | '));
  });

  it("names the answer in the possessive its name takes (worker threads', asyncio's)", () => {
    const d = { executor: 'process', k: 2, speedup: 1.9, answerExecutor: 'thread', answerSpeedup: 1.2, passK: 4 };
    assert.match(renderCaveat({ code: 'runner-up-cut', data: d }, { python: false }), /would pass worker threads' 1\.2×/);
    assert.match(renderCaveat({ code: 'runner-up-cut', data: { ...d, answerExecutor: 'async' } }, { python: true }), /would pass asyncio's 1\.2×/);
  });

  it('a runner-up whose top point read well under its K is not scaling straight', () => {
    // (Processes measured out at their knee: only the threads' ladder is in question.)
    const a = classify(synthesize(queuedWaits(6, { bias: { async: { 8: 6 / 8, 128: 6 / 128 }, thread: { 2: 0.6 } }, stops: { async: 'knee', thread: 'budget', process: 'knee' } })));
    assert.ok(!a.caveats.some((c) => c.code === 'runner-up-cut'), a.caveats.map((c) => c.message).join(' | '));
    // Processes still scaling straight, cut by the budget, are named in their stead.
    const b = classify(synthesize(queuedWaits(6, { bias: { async: { 8: 6 / 8, 128: 6 / 128 }, thread: { 2: 0.6 } } })));
    assert.equal(b.caveats.find((c) => c.code === 'runner-up-cut')?.data!.executor, 'process');
  });
});

describe('async levelled off at a helper pool', () => {
  it("Python: about as many calls as asyncio's default executor has threads names it, and how to raise it", () => {
    const a = classify(synthesize(queuedWaits(6)));
    assert.equal(a.recommendation.executor, 'async');
    assert.equal(a.recommendation.data!.helperPool, 6);
    assert.match(a.recommendation.reason, /as many as asyncio's default executor has threads \(min\(32, cores \+ 4\) = min\(32, 2 \+ 4\)\)/);
    assert.match(a.recommendation.reason, /loop\.set_default_executor\(ThreadPoolExecutor/);
  });

  it("JS: about as many as libuv's pool has threads names UV_THREADPOOL_SIZE", () => {
    const a = classify(synthesize(queuedWaits(4, { language: 'javascript', isAsync: false })));
    assert.equal(a.recommendation.executor, 'async');
    assert.equal(a.recommendation.data!.helperPool, 4);
    assert.match(a.recommendation.reason, /as many as libuv's thread pool has threads \(UV_THREADPOOL_SIZE = 4\)/);
  });

  it('a limit far from the pool size keeps the general words', () => {
    const a = classify(synthesize(queuedWaits(12)));
    assert.equal(a.recommendation.data!.helperPool, undefined);
    assert.match(a.recommendation.reason, /a shared lock, a connection limit/);
  });
});
