import * as assert from 'node:assert/strict';
import { ladderStep, MIN_WINDOW_MS, nextConcurrency, planWindow } from '../../src/engine/ladder';

describe('concurrency ladder', () => {
  it('runs the sequential baseline once', () => {
    assert.equal(nextConcurrency('sequential', [], 1, 0), 1);
    assert.equal(nextConcurrency('sequential', [{ concurrency: 1, throughputPerSec: 10 }], 1, 10), undefined);
  });

  it('starts async at 2 and pools at 1', () => {
    assert.equal(nextConcurrency('async', [], 128, 10), 2);
    assert.equal(nextConcurrency('thread', [], 64, 10), 1);
    assert.equal(nextConcurrency('process', [], 4, 10), 1);
  });

  it('climbs while throughput grows and stops at the knee', () => {
    const io = [
      { concurrency: 2, throughputPerSec: 20 },
      { concurrency: 4, throughputPerSec: 40 },
    ];
    assert.equal(nextConcurrency('async', io, 128, 10), 8);
    const flat = [...io, { concurrency: 8, throughputPerSec: 41 }];
    assert.equal(nextConcurrency('async', flat, 128, 10), undefined);
  });

  it('stops async at once when K=2 is no better than the baseline (CPU work)', () => {
    assert.equal(nextConcurrency('async', [{ concurrency: 2, throughputPerSec: 10.2 }], 128, 10), undefined);
  });

  it('keeps a pool climbing to the core count even through a flat step', () => {
    const noisy = [
      { concurrency: 1, throughputPerSec: 10 },
      { concurrency: 2, throughputPerSec: 10.5 },
    ];
    assert.equal(nextConcurrency('thread', noisy, 64, 10, 4), 4);
    assert.equal(nextConcurrency('thread', noisy, 64, 10, 2), undefined);
  });

  it('climbs by ×4 for slow calls, where every point costs at least one call', () => {
    assert.equal(ladderStep(1000), 4);
    assert.equal(ladderStep(5), 2);
    assert.equal(nextConcurrency('thread', [{ concurrency: 2, throughputPerSec: 1 }], 64, 1, 2, ladderStep(1000)), 8);
    assert.equal(nextConcurrency('thread', [], 64, 1, 2, ladderStep(1000)), 2, 'slow calls start a pool at the core count');
    assert.equal(nextConcurrency('async', [], 64, 1, 2, ladderStep(1000)), 2);
  });

  it('never steps over the core count', () => {
    assert.equal(nextConcurrency('thread', [{ concurrency: 1, throughputPerSec: 1 }], 64, 1, 2, 4), 2);
    assert.equal(nextConcurrency('process', [{ concurrency: 2, throughputPerSec: 1 }, { concurrency: 4, throughputPerSec: 2 }], 64, 1, 6, 2), 6);
  });

  it('clamps to the cap and ends there', () => {
    assert.equal(nextConcurrency('process', [{ concurrency: 1, throughputPerSec: 1 }, { concurrency: 2, throughputPerSec: 2 }], 3, 1), 3);
    assert.equal(nextConcurrency('process', [{ concurrency: 3, throughputPerSec: 3 }], 3, 1), undefined);
  });
});

describe('budget planner', () => {
  it('shares the remaining budget between the points left', () => {
    const p = planWindow({ remainingMs: 10_000, pointsLeft: 10, overheadMs: 0, callMs: 1, concurrency: 4, expectedParallelism: 4 });
    assert.equal(p.durationMs, 1000);
    assert.equal(p.minTasks, 1);
    assert.ok(p.warmupMs > 0 && p.warmupMs <= 200);
  });

  it("takes a point's own start-up and warm-up from the whole remainder, not from its share", () => {
    const p = planWindow({ remainingMs: 5000, pointsLeft: 5, overheadMs: 600, callMs: 30, concurrency: 1, expectedParallelism: 1 });
    assert.equal(p.durationMs, 880);
    assert.equal(p.predictedMs, 1480);
  });

  it('never plans a window shorter than the minimum', () => {
    const p = planWindow({ remainingMs: 100, pointsLeft: 10, overheadMs: 50, callMs: 1, concurrency: 1, expectedParallelism: 1 });
    assert.equal(p.durationMs, MIN_WINDOW_MS);
  });

  it('predicts one call for slow calls that never yield: later async lanes need not start', () => {
    const p = planWindow({ remainingMs: 4000, pointsLeft: 4, overheadMs: 10, callMs: 2000, concurrency: 2, expectedParallelism: 1 });
    assert.equal(p.predictedMs, 2010);
    assert.equal(p.warmupMs, 0, 'no warm-up for slow calls: it would discard every task');
  });

  it('predicts ceil(K / cores) rounds for slow CPU calls in an oversubscribed pool', () => {
    const p = planWindow({ remainingMs: 4000, pointsLeft: 4, overheadMs: 0, callMs: 2000, concurrency: 8, expectedParallelism: 2 });
    assert.equal(p.predictedMs, 8000);
  });
});
