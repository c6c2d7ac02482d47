// How the budget is shared out (src/engine/budgetPlan.ts): the pools' warm-up rule
// learned from the sequential worker's, window shares by what the answer hangs on, and
// executors that run on another's worker paying no warm-up of their own.
import assert from 'node:assert/strict';
import { BudgetPlan, warmupPolicy, type BudgetPlanConfig } from '../../src/engine/budgetPlan';
import type { PointSamples } from '../../src/engine/executorTypes';
import { LadderSession, type PlannedPoint } from '../../src/engine/ladderSession';
import type { ColdStart, ExecutorKind } from '../../src/shared/report';
import { COMPILING_KB, isSteady, stillCompiling, warmupDone } from '../../src/shared/warmup';
import { backgroundWindowMs } from '../../src/engine/cpuSampler';

const KINDS: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];

function planOf(opts: { budgetMs?: number; callMs?: number; cpuRatio?: number; executors?: BudgetPlanConfig['executors']; afterLadderMs?: number } = {}) {
  const budgetMs = opts.budgetMs ?? 6000;
  const callMs = opts.callMs ?? 80;
  const cpuRatio = opts.cpuRatio ?? 1;
  const session = new LadderSession({ kinds: KINDS, cores: 2, caps: { sequential: 1, async: 64, thread: 8, process: 8 }, callMs, cpuRatio, step: 2 });
  let now = 0;
  const plan = new BudgetPlan({ budgetMs, startedMs: 0, now: () => now, cores: 2, callMs, warmup: warmupPolicy(budgetMs, callMs, cpuRatio), kinds: KINDS, session, executors: opts.executors, ...(opts.afterLadderMs !== undefined ? { afterLadderMs: () => opts.afterLadderMs! } : {}) });
  return { plan, session, advance: (ms: number) => (now += ms) };
}

function samplesWith(kind: ExecutorKind, k: number, coldStart?: ColdStart): PointSamples {
  return { executor: kind, concurrency: k, startMs: 0, endMs: 500, taskStartMs: [], taskEndMs: [], taskCpuMs: [], taskOk: [], cpuSource: 'process.cpuUsage', errors: [], abandoned: 0, coldStart };
}

const cold = (warmupCalls: number, warmupMs: number, steadyCallMs: number, steady = true): ColdStart => ({ firstCallMs: 80, steadyCallMs, workerStartMs: 40, warmupCalls, warmupMs, steady });

describe('budget plan', () => {
  it("gives pools room for twice the calls the sequential worker needed to settle, and a steady call near its own", () => {
    const { plan } = planOf();
    const base = plan.warmupFor('thread');
    assert.deepEqual({ ...base, compilingMaxMs: 960 }, plan.warmupFor('sequential'), 'before the baseline, pools follow the profile rule (without the longer cap while V8 compiles)');
    // A JIT-heavy parser: 10 calls and 350 ms to settle at 22 ms a call.
    plan.learn('sequential', 1, samplesWith('sequential', 1, cold(10, 350, 22)), 900);
    const pool = plan.warmupFor('process');
    assert.equal(pool.maxCalls, 20, 'twice its 10 calls');
    const quick = planOf();
    quick.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(5, 150, 22)), 900);
    assert.equal(quick.plan.warmupFor('process').maxCalls, 12, 'at least the minimum for an unsteady function');
    assert.equal(pool.maxMs, 1050, '3× the sequential warm-up, under a fifth of 6 s');
    assert.equal(pool.steadyBelowMs, 27.5);
    const sequential = { ...base, compilingMaxMs: 960 };
    assert.deepEqual(plan.warmupFor('sequential'), sequential, 'the sequential rule does not change');
    assert.deepEqual(plan.warmupFor('async'), sequential);
  });

  it('keeps the profile rule for pools when the sequential worker settled at once, and at a short budget lets pools warm up for about a second', () => {
    const settled = planOf();
    settled.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 90, 30)), 600);
    assert.deepEqual({ ...settled.plan.warmupFor('thread'), compilingMaxMs: 960 }, settled.plan.warmupFor('sequential'));

    const slow = planOf({ budgetMs: 3000 });
    slow.advance(1050); // the probe and the baseline, as at 3 s on marked
    slow.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(12, 450, 40, false)), 900);
    const pool = slow.plan.warmupFor('thread');
    assert.equal(pool.maxMs, 1000, 'more than a fifth of 3 s (600 ms, after which two marked workers still took 235 ms a call), less than 3 × 450 ms');
    const tiny = planOf({ budgetMs: 1500 });
    tiny.advance(600);
    tiny.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(12, 300, 20, false)), 500);
    assert.equal(tiny.plan.warmupFor('thread').maxMs, 525, 'never more than 35% of the budget');
    const quicker = planOf({ budgetMs: 3000 });
    quicker.advance(1050);
    quicker.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(8, 250, 20)), 600);
    assert.equal(quicker.plan.warmupFor('thread').maxMs, 750, '3 × what the sequential worker needed, below the second');
    assert.equal(pool.steadyBelowMs, 50, 'its last calls are the level to aim at, though they had not settled');
    // fast-xml-parser's pool threads, a lower JIT tier three calls alike, stopped here without it.
    assert.equal(warmupDone([131, 114, 112, 109], pool), false);
    assert.equal(warmupDone([131, 114, 112, 109], slow.plan.warmupFor('sequential')), true, 'the sequential rule has no level to aim at');
  });

  it('lets the sequential worker warm up to twice its cap while V8 compiles, within a quarter of the budget; of the pools only the first, and only after a long warm-up', () => {
    const six = planOf({ budgetMs: 6000, callMs: 108 }).plan;
    assert.equal(six.warmupFor('sequential').maxMs, 648, 'six cold calls');
    assert.equal(six.warmupFor('sequential').compilingMaxMs, 1296, 'twice that, under a quarter of 6 s');
    assert.equal(six.warmupFor('async').compilingMaxMs, 1296, 'the async worker is the baseline worker');
    assert.equal(planOf({ budgetMs: 3000, callMs: 108 }).plan.warmupFor('sequential').compilingMaxMs, 750, 'a quarter of 3 s');
    assert.equal(planOf({ budgetMs: 60_000, callMs: 40 }).plan.warmupFor('sequential').compilingMaxMs, 3000, 'never more than 3 s');
    assert.equal(planOf({ budgetMs: 6000, callMs: 2000 }).plan.warmupFor('sequential').compilingMaxMs, undefined, 'no warm-up, no longer cap');
    assert.equal(warmupPolicy(6000, 108).compilingMaxMs, undefined, 'not on the profile-wide rule, which Python and the hot-spot pass also get');
    assert.equal(six.warmupFor('thread').compilingMaxMs, undefined, 'pools not, before the sequential worker has warmed up');
    const pooled = planOf({ budgetMs: 6000, callMs: 108 });
    pooled.advance(1900);
    pooled.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(16, 1240, 80)), 1700);
    const pool = pooled.plan.warmupFor('thread');
    assert.notEqual(pool, pooled.plan.warmupFor('sequential'), 'the pools have a widened rule');
    // js-yaml at 6 s: 16 calls and 1.24 s to settle alone; two threads side by side need about 1.7× that.
    assert.equal(pool.compilingMaxMs, 2480, 'the first pool: twice the sequential warm-up, under 45% of 6 s');
    assert.equal(pooled.plan.warmupFor('process').compilingMaxMs, undefined, 'the second pool keeps its cap: both would overrun the budget by half');
    assert.equal(pooled.plan.warmupFor('process').maxMs, pool.maxMs, 'and the same cap as the first has when V8 is done compiling');
    pooled.session.fail('thread');
    assert.equal(pooled.plan.warmupFor('process').compilingMaxMs, 2480, 'when threads failed to load, processes are the first pool');
    const short = planOf({ budgetMs: 3000, callMs: 108 });
    short.advance(1400);
    short.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(12, 900, 80, false)), 1200);
    assert.equal(short.plan.warmupFor('thread').compilingMaxMs, 1350, '45% of 3 s');
    const unfinished = planOf({ budgetMs: 6000, callMs: 430 });
    unfinished.advance(2500);
    unfinished.plan.learn('sequential', 1, samplesWith('sequential', 1, { ...cold(11, 1530, 75, false), compiling: true }), 2000);
    assert.equal(unfinished.plan.warmupFor('thread').compilingMaxMs, undefined, 'not when V8 was still compiling the sequential worker\'s calls at its own longer cap (the TypeScript compiler)');
    const quick = planOf({ budgetMs: 6000, callMs: 108 });
    quick.advance(600);
    quick.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 300, 80)), 500);
    assert.equal(quick.plan.warmupFor('process').compilingMaxMs, undefined, 'nor after a sequential worker that settled at once');
  });

  it('lets pools warm up beyond a fifth of the budget where what is left holds it, and no further', () => {
    // marked at 6 s: the baseline ends 1.1 s in, after 12 calls and 600 ms of warm-up.
    const roomy = planOf({ budgetMs: 6000, callMs: 30 });
    roomy.advance(1100);
    roomy.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(12, 600, 25, false)), 900);
    const pool = roomy.plan.warmupFor('process');
    // (6000 - 1100 - 250 left, - 150 closing, - 150 for async) / 2 pools - 120 start - 300 window
    assert.equal(pool.maxMs, 1755, 'more than a fifth of 6 s (1200), less than 3 × 600');
    const predicted = roomy.plan.overheadOf({ kind: 'thread', k: 2 }) + roomy.plan.overheadOf({ kind: 'process', k: 2 });
    assert.ok(predicted + 2 * 300 <= roomy.plan.remaining(), `both pools' warm-ups and windows fit: ${predicted} of ${roomy.plan.remaining()}`);
    // The same function when the hot-spot pass keeps 1.5 s back: what is left rules.
    const kept = planOf({ budgetMs: 6000, callMs: 30, afterLadderMs: 1500 });
    kept.advance(1100);
    kept.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(12, 600, 25, false)), 900);
    assert.equal(kept.plan.warmupFor('process').maxMs, 1200, 'a fifth of the budget is the floor');
  });

  it('gives the baseline and the breadth points two shares of what is left, a K = 1 pool point half of one', () => {
    const { plan } = planOf({ callMs: 5, budgetMs: 15_000 });
    const window = (p: PlannedPoint) => plan.planFor(p).durationMs;
    const reference = window({ kind: 'sequential', k: 1, phase: 'reference' });
    const baseline = window({ kind: 'sequential', k: 1, phase: 'baseline' });
    const breadth = window({ kind: 'thread', k: 2, phase: 'breadth' });
    const climb = window({ kind: 'thread', k: 2, phase: 'climb' });
    const dispatch = window({ kind: 'thread', k: 2, phase: 'dispatch' });
    assert.ok(Math.abs(breadth - 2 * climb) < 1e-6, `${breadth} vs ${climb}`);
    assert.ok(Math.abs(dispatch - climb / 2) < 1e-6, `${dispatch} vs ${climb}`);
    assert.ok(baseline > climb, `${baseline} vs ${climb}`);
    assert.ok(reference < baseline && reference >= 150, `a sequential reference gets half a share: ${reference} vs ${baseline}`);
  });

  it('gives async one share, not two, where physics caps it near 1× (a call that is all CPU on one event loop)', () => {
    const window = (cpuRatio: number, phase: PlannedPoint['phase']) => planOf({ callMs: 5, budgetMs: 15_000, cpuRatio }).plan.planFor({ kind: 'async', k: 2, phase }).durationMs;
    // 95% CPU: at most 1 / 0.95 = 1.05× at any K; the point only confirms it.
    assert.ok(Math.abs(window(0.95, 'breadth') - window(0.95, 'climb')) < 1e-6, `${window(0.95, 'breadth')} vs ${window(0.95, 'climb')}`);
    // Half CPU: up to 2×, and the point is the one async's verdict rests on.
    assert.ok(Math.abs(window(0.5, 'breadth') - 2 * window(0.5, 'climb')) < 1e-6, `${window(0.5, 'breadth')} vs ${window(0.5, 'climb')}`);
  });

  it('keeps no room for an executor that failed to load: the others get its share', () => {
    const both = planOf({ budgetMs: 6000, callMs: 20 });
    const failed = planOf({ budgetMs: 6000, callMs: 20 });
    for (const { plan } of [both, failed]) plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 60, 20)), 300);
    failed.session.fail('process');
    const thread: PlannedPoint = { kind: 'thread', k: 2, phase: 'breadth' };
    const processStart = both.plan.overheadOf({ kind: 'process', k: 2 });
    assert.ok(processStart > 0);
    const gained = failed.plan.planFor(thread).durationMs - both.plan.planFor(thread).durationMs;
    assert.ok(gained > 0, `the thread window grows when processes are given up: ${gained} ms`);
    // A reference yields to the executors still to measure, but not to one given up.
    const ref: PlannedPoint = { kind: 'sequential', k: 1, phase: 'reference' };
    both.advance(both.plan.remaining() - (both.plan.overheadOf({ kind: 'async', k: 2 }) + both.plan.overheadOf(thread) + processStart + 3 * 150 + 150));
    failed.advance(failed.plan.remaining() - (failed.plan.overheadOf({ kind: 'async', k: 2 }) + failed.plan.overheadOf(thread) + processStart + 3 * 150 + 150));
    assert.equal(both.plan.fits(ref), false);
    assert.equal(failed.plan.fits(ref), true, 'the failed executor\'s start-up and window are free');
  });

  it('fits a sequential reference only when the executors not measured yet still fit after it', () => {
    const { plan, advance } = planOf({ budgetMs: 6000, callMs: 20 });
    plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 60, 20)), 300);
    const ref: PlannedPoint = { kind: 'sequential', k: 1, phase: 'reference' };
    const later = (['async', 'thread', 'process'] as const).reduce((n, kind) => n + plan.overheadOf({ kind, k: 2 }), 0);
    // Room for the reference and the closing window, but not also for three breadth points' start-up and windows.
    advance(plan.remaining() - (later + 2 * 150 + 150));
    assert.equal(plan.fits(ref), false, 'the executors not measured yet come first');
    assert.equal(plan.fits({ kind: 'thread', k: 2, phase: 'breadth' }), true, 'a breadth point never waits for a reference');
    for (const kind of ['async', 'thread', 'process'] as const) plan.learn(kind, 2, samplesWith(kind, 2, cold(3, 60, 20)), 300);
    assert.equal(plan.fits(ref), true, 'once every executor has started, the reference fits');
  });

  it('lets a point keep the warm-up time it did not use only when no other executor has still to start', () => {
    const { plan } = planOf({ executors: { async: { sharesWorkerOf: 'sequential' } } });
    const baseline: PlannedPoint = { kind: 'sequential', k: 1, phase: 'baseline' };
    assert.equal(plan.keepsUnusedWarmup(baseline), false, 'the pools, still to start, share it');
    plan.learn('sequential', 1, samplesWith('sequential', 1, cold(10, 350, 22)), 900);
    assert.equal(plan.keepsUnusedWarmup({ kind: 'async', k: 2, phase: 'breadth' }), false);
    assert.equal(plan.keepsUnusedWarmup({ kind: 'thread', k: 2, phase: 'breadth' }), false, 'processes are still to start');
    plan.learn('thread', 2, samplesWith('thread', 2, cold(10, 900, 25)), 1400);
    assert.equal(plan.keepsUnusedWarmup({ kind: 'process', k: 2, phase: 'breadth' }), true, 'the last to start: only minor points follow');
  });

  it('keeps the time of the work after the ladder (the hot-spot pass) out of every window until the ladder is done', () => {
    const without = planOf();
    const withPass = planOf({ afterLadderMs: 400 });
    assert.equal(without.plan.remaining() - withPass.plan.remaining(), 400);
    const baseline: PlannedPoint = { kind: 'sequential', k: 1, phase: 'baseline' };
    assert.ok(withPass.plan.planFor(baseline).durationMs < without.plan.planFor(baseline).durationMs);
    withPass.plan.ladderDone();
    assert.equal(withPass.plan.remaining(), without.plan.remaining(), 'the closing re-check plans with what the pass left');
  });

  it("charges no start-up or warm-up to an executor that runs on another's worker once that one has started", () => {
    const shared = planOf({ executors: { async: { sharesWorkerOf: 'sequential' } } });
    const own = planOf();
    const asyncPoint = { kind: 'async' as const, k: 2 };
    assert.ok(shared.plan.overheadOf(asyncPoint) > 0, 'before the sequential worker exists, async would start it');
    for (const { plan } of [shared, own]) plan.learn('sequential', 1, samplesWith('sequential', 1, cold(8, 300, 25)), 900);
    assert.equal(shared.plan.overheadOf(asyncPoint), 0);
    assert.ok(own.plan.overheadOf(asyncPoint) > 0, 'an async executor with its own worker still warms it up');
  });
});

describe('budget plan: what new workers cost', () => {
  it('warms new workers of CPU work about `cores` at a time, and of waiting work all at once', () => {
    const eight = { kind: 'thread' as const, k: 8 };
    const cpu = planOf({ callMs: 50 });
    const io = planOf({ callMs: 50, cpuRatio: 0.02 });
    for (const { plan } of [cpu, io]) plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 150, 50)), 400);
    // One wave: start-up guess (40 ms) + the sequential warm-up with margin (150 × 1.25).
    assert.equal(io.plan.overheadOf(eight), 40 + 187.5);
    assert.equal(cpu.plan.overheadOf(eight), 4 * (40 + 187.5), 'eight CPU-bound workers on 2 cores: four waves');
  });

  it('plans one warm-up call for a slow call that mostly waits, not the cap and the call that crosses it', () => {
    const waiting = planOf({ budgetMs: 15_000, callMs: 1000, cpuRatio: 0.001 });
    const busy = planOf({ budgetMs: 15_000, callMs: 1000, cpuRatio: 1 });
    // Start-up guess (40 ms) + one 1 s call; CPU work keeps the cap (1.5 s) + the call that crosses it.
    assert.equal(waiting.plan.overheadOf({ kind: 'thread', k: 8 }), 40 + 1000);
    assert.equal(busy.plan.overheadOf({ kind: 'thread', k: 2 }), 40 + 1500 + 1000);
  });

  it("plans with the warm baseline's CPU ratio once the session has it, not the probe's", () => {
    const { plan, session } = planOf({ callMs: 50 });
    plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 150, 50)), 400);
    const four = { kind: 'thread' as const, k: 4 };
    const before = plan.overheadOf(four);
    session.setCpuRatio(0.01);
    assert.equal(plan.overheadOf(four), before / 2, 'the probe said all CPU (two waves); the warm calls wait (one)');
  });

  it('charges more threads of a started host (Python threads) their warm-up but no start-up, once it has its first', () => {
    const py = planOf({ callMs: 50, executors: { thread: { growsWarm: true } } });
    const js = planOf({ callMs: 50 });
    for (const { plan } of [py, js]) {
      plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 150, 50)), 400);
      assert.ok(plan.overheadOf({ kind: 'thread', k: 2 }) > 0, 'the first point starts the host');
      plan.learn('thread', 2, samplesWith('thread', 2, cold(3, 150, 50)), 800);
    }
    // Six new CPU-bound threads on 2 cores: three waves of the warm-up (150 ms × 1.25),
    // each thread warming up on itself (a thread-local connection is built on its first call).
    assert.equal(py.plan.overheadOf({ kind: 'thread', k: 8 }), 3 * 187.5);
    assert.ok(js.plan.overheadOf({ kind: 'thread', k: 8 }) > 3 * 187.5, 'new JS worker threads also load the bundle');
  });

  it("charges a pool the widened warm-up time only when the pools' rule was widened", () => {
    const settled = planOf();
    settled.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(3, 90, 30)), 600);
    assert.equal(settled.plan.overheadOf({ kind: 'thread', k: 2 }), 40 + 90 * 1.25);
    const jit = planOf();
    jit.plan.learn('sequential', 1, samplesWith('sequential', 1, cold(10, 350, 22)), 900);
    // min(maxMs 1050 + one call, 350 × 1.25 × 3)
    assert.equal(jit.plan.overheadOf({ kind: 'thread', k: 2 }), 40 + Math.min(1050 + 80, 350 * 1.25 * 3));
  });
});

describe("the background reading's share of the budget", () => {
  it('takes 5% of the budget, within 150-300 ms', () => {
    assert.equal(backgroundWindowMs(1000), 150);
    assert.equal(backgroundWindowMs(3000), 150);
    assert.equal(backgroundWindowMs(4000), 200);
    assert.equal(backgroundWindowMs(15_000), 300);
  });
});

describe('when warm-up may stop', () => {
  const policy = { steadyCalls: 3, tolerance: 0.1, unsteadyMinCalls: 25 };
  it('stops once steady right after one cold call that was only a one-off slower', () => {
    assert.equal(warmupDone([22, 22, 22], policy), true);
    assert.equal(warmupDone([30, 22, 22, 22], policy), true);
  });

  it('keeps warming a function whose first call was much slower than the level after it: a JIT tier holding for a few calls', () => {
    // js-yaml's sequential worker: TurboFan was still compiling on helper threads after these.
    const yaml = [78, 46, 45, 47];
    assert.equal(warmupDone(yaml, policy), false);
    assert.equal(warmupDone([...yaml, 40, 33, ...Array.from({ length: 19 }, () => 31)], policy), true, 'steady at its minimum of calls');
  });

  it('keeps warming while V8 still compiles the function, however steady its times look', () => {
    // js-yaml in a bare loop: a plateau (calls 6-9) whose last call compiled 5 kB and the one
    // before 23 kB, then four calls of a recompile storm, then settled calls adding nothing.
    const times = [105, 76, 48, 65, 52, 40, 35, 37, 38];
    const kb = [182, 2, 60, 45, 38, 25, 23, 0, 5];
    const quick = { steadyCalls: 3, tolerance: 0.1, unsteadyMinCalls: 8 };
    assert.equal(warmupDone(times, quick), true, 'times alone call the plateau the end');
    assert.equal(warmupDone(times, quick, kb), false, 'call 7 compiled 23 kB');
    const storm = [...times, 122, 117, 101, 112];
    const stormKb = [...kb, 99, 109, 109, 131];
    assert.equal(warmupDone(storm, quick), true, 'the level rule takes a rise for the end');
    assert.equal(warmupDone(storm, quick, stormKb), false);
    assert.equal(warmupDone([...storm, 56, 54, 57], quick, [...stormKb, 1, 0, 0]), true, 'settled once three calls compile nothing to speak of');
    assert.equal(stillCompiling([0, 0, COMPILING_KB], 3), false, 'at the threshold: an inline-cache stub or a regexp');
    assert.equal(stillCompiling([COMPILING_KB + 1, 0, 0, 0], 3), false, 'only the last n calls count');
    assert.equal(stillCompiling([-588, 0, 0], 3), false, 'code flushed is no compiling');
    assert.equal(stillCompiling(undefined, 3), false, 'a host that cannot read it (Python) is never held back');
  });

  it('keeps an unsteady function warming up to its minimum: a JIT tiering up looks steady before its heaps settle', () => {
    const marked = [111, 72, 56, 36, 37, 28, 34, 36, 37, 34, 24, 24, 23];
    assert.equal(warmupDone(marked, policy), false);
    assert.equal(warmupDone([...marked, ...Array.from({ length: 12 }, () => 23)], policy), true);
    assert.equal(warmupDone(marked, { steadyCalls: 3, tolerance: 0.1 }), true, 'without a minimum, three alike end it');
  });
});

describe('steady warm-up calls', () => {
  it('are three within 10% of each other and, given a target, no slower than it', () => {
    assert.equal(isSteady([150, 119, 118, 120], 3, 0.1), true);
    assert.equal(isSteady([150, 119, 118, 120], 3, 0.1, 41), false, 'a plateau in a lower JIT tier');
    assert.equal(isSteady([150, 119, 40, 33, 34, 33], 3, 0.1, 41), true);
    assert.equal(isSteady([33, 34], 3, 0.1), false, 'too few calls');
  });

  it('are also calls whose level stopped falling, however they jitter', () => {
    // A marked pool thread: settled at 21-33 ms, never three within 10%.
    assert.equal(isSteady([257, 126, 148, 116, 77, 33, 25, 23, 23, 27, 29, 21], 3, 0.1), true);
    assert.equal(isSteady([257, 126, 148, 116, 77, 45, 30, 24], 3, 0.1), false, 'the level still fell (116 to 30)');
    assert.equal(isSteady([120, 110, 100, 80, 70, 60], 3, 0.1), false, 'still falling');
    assert.equal(isSteady([30, 25, 30, 25, 22, 21, 22, 22, 45], 3, 0.1, 30), true);
    assert.equal(isSteady([119, 121, 118, 120, 117, 119], 3, 0.1, 41), false, 'a level plateau in a lower JIT tier');
  });
});
