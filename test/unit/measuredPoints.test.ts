// How measured points become the runs' figures (src/engine/runResults.ts): which
// sequential points the speedups divide by and how they weigh for each point
// (baselinePoints, localBaseline), and one point measured twice (combineRepeats).
import assert from 'node:assert/strict';
import type { PointSamples } from '../../src/engine/executorTypes';
import { baselinePoints, combineBaselines, combineRepeats, localBaseline, REFERENCE_REACH_MS, runsOf, type MeasuredPoint } from '../../src/engine/runResults';
import type { PointPhase } from '../../src/engine/ladderSession';
import type { Finding } from '../../src/shared/report';
import { renderCaveat } from '../../src/shared/wording';

function point(kind: MeasuredPoint['kind'], k: number, tp: number, phase: PointPhase, startMs = 0, endMs = 1000, width = 0.02): MeasuredPoint {
  const tasks = Array.from({ length: Math.round((tp * (endMs - startMs)) / 1000) }, (_, i) => startMs + i);
  const samples = { executor: kind, concurrency: k, startMs, endMs, taskStartMs: tasks, taskEndMs: tasks, taskCpuMs: [], taskOk: [], cpuSource: 'unavailable', errors: [], abandoned: 0 } as PointSamples;
  return { kind, k, samples, tp: { throughputPerSec: tp, ci: [tp * (1 - width), tp * (1 + width)], noisy: false }, durationMs: endMs - startMs, windows: [[startMs, endMs]], phase };
}

describe('baseline points', () => {
  it('keeps the first baseline and the closing re-check when nothing beat them', () => {
    const first = point('sequential', 1, 10, 'baseline');
    const closing = point('sequential', 1, 9.8, 'closing');
    const { baselines, replaced } = baselinePoints([first, point('thread', 2, 19, 'breadth'), point('thread', 1, 9.5, 'dispatch'), closing]);
    assert.deepEqual(baselines, [first, closing]);
    assert.equal(replaced, undefined);
  });

  it('drops the first baseline when it was measured again, and says how slow it was', () => {
    const first = point('sequential', 1, 7.5, 'baseline');
    const again = point('sequential', 1, 10, 'rebaseline');
    const { baselines, replaced } = baselinePoints([first, point('thread', 1, 9.7, 'dispatch'), again]);
    assert.deepEqual(baselines, [again]);
    assert.equal(replaced?.slower, 0.25);
  });

  it('keeps the first baseline when the re-measurement failed', () => {
    const first = point('sequential', 1, 7.5, 'baseline');
    const { baselines, replaced } = baselinePoints([first, point('sequential', 1, 0, 'rebaseline')]);
    assert.deepEqual(baselines, [first]);
    assert.equal(replaced, undefined);
  });

  it("divides each point by the sequential windows next to it in time, not by the profile's mean", () => {
    // The machine slowed by 20% halfway: the baseline ran at 40 calls/s, a reference
    // after the process point at 32. Each pool ran at 1.75× the machine of its moment.
    const baseline = point('sequential', 1, 40, 'baseline', 0, 700);
    const thread = point('thread', 2, 70, 'breadth', 1900, 2100);
    const refAfterThread = point('sequential', 1, 40, 'reference', 2150, 2350);
    const proc = point('process', 2, 56, 'breadth', 3600, 3800);
    const refAfterProcess = point('sequential', 1, 32, 'reference', 3850, 4050);
    const baselines = [baseline, refAfterThread, refAfterProcess];
    const mean = combineBaselines(baselines.map((p) => p.tp));
    for (const p of [thread, proc]) {
      const local = localBaseline(p.windows, baselines, mean);
      const speedup = p.tp.throughputPerSec / local.value;
      // Within 5% (the window before the process point still weighs a little), where the mean is 14% off.
      assert.ok(Math.abs(speedup / 1.75 - 1) < 0.05, `${p.kind}: ${speedup.toFixed(3)}× against the local baseline ${local.value.toFixed(2)}`);
      assert.ok(local.ci[0] < local.value && local.value < local.ci[1]);
    }
    // Against the mean (37.3 calls/s), the process point read 1.50× and the thread point 1.88×.
    assert.ok(Math.abs(56 / mean.value - 1.5) < 0.02);
  });

  it('falls back to the mean baseline when no sequential window ran anywhere near', () => {
    const baseline = point('sequential', 1, 40, 'baseline', 0, 700);
    const far = point('thread', 2, 70, 'breadth', 100 * REFERENCE_REACH_MS, 100 * REFERENCE_REACH_MS + 200);
    const mean = combineBaselines([baseline.tp]);
    assert.equal(localBaseline(far.windows, [baseline], { ...mean, value: 39 }).value, 39);
  });
});

describe('a point measured twice', () => {
  it('averages two windows that agree, weighted by their calls, with a narrower interval', () => {
    const first = point('thread', 2, 20, 'breadth', 0, 1000, 0.08);
    const again = point('thread', 2, 21, 'repeat', 2000, 3000, 0.08);
    const both = combineRepeats(first, again);
    assert.ok(Math.abs(both.tp.throughputPerSec - 20.51) < 0.01, String(both.tp.throughputPerSec));
    assert.ok(both.tp.ci[1] - both.tp.ci[0] < first.tp.ci[1] - first.tp.ci[0]);
    assert.equal(both.windows.length, 2);
    assert.equal(both.samples.taskEndMs.length, 41);
    assert.equal(both.setAside, undefined);
  });

  it('keeps the faster of two windows that disagree beyond both intervals, and says how much slower the other ran', () => {
    // A burst of load in the first window: threads ×2 of a GIL-releasing hash read 1.5× there, 1.9× again.
    const slowed = point('thread', 2, 15, 'breadth', 0, 1000, 0.03);
    const again = point('thread', 2, 19, 'repeat', 2000, 3000, 0.03);
    for (const [a, b] of [
      [slowed, again],
      [again, slowed],
    ]) {
      const both = combineRepeats(a, b);
      assert.equal(both.tp.throughputPerSec, 19);
      assert.deepEqual(both.tp.ci, again.tp.ci);
      assert.deepEqual(both.windows, again.windows, 'the runs use the faster window alone');
      assert.equal(both.samples, again.samples);
      assert.equal(both.durationMs, 2000, 'both windows took budget');
      assert.deepEqual(both.setAside, { windows: 1, slower: 1 - 15 / 19 });
      assert.equal(both.phase, a.phase);
    }
    // A third window that agrees with the kept one joins it; the set-aside window stays counted.
    const third = combineRepeats(combineRepeats(slowed, again), point('thread', 2, 19.4, 'repeat', 4000, 5000, 0.03));
    assert.ok(third.tp.throughputPerSec > 19 && third.tp.throughputPerSec < 19.4);
    assert.equal(third.setAside?.windows, 1);
  });

  it('tells the report which points had a window set aside', () => {
    const caveats: Finding[] = [];
    const pts = [point('sequential', 1, 10, 'baseline'), combineRepeats(point('thread', 2, 15, 'breadth', 1000, 2000), point('thread', 2, 19, 'repeat', 3000, 4000)), point('process', 2, 18.5, 'breadth', 2000, 3000)];
    const sampler = { startedAtMs: 0, utilizationBetween: () => 0, perCoreBetween: () => [] } as never;
    const runs = runsOf(pts, ['sequential', 'thread', 'process'], { sampler, background: { busyCores: 0, utilization: 0, steal: 0, busy: false }, cores: 2 }, caveats);
    assert.equal(runs.find((r) => r.executor === 'thread')?.speedup, 1.9);
    const note = caveats.find((c) => c.code === 'windows-set-aside');
    assert.ok(note, JSON.stringify(caveats));
    assert.equal(note.level, 'info');
    const words = renderCaveat(note, { python: false });
    assert.match(words, /disagreed beyond both intervals: thread ×2 \(21% slower\)\./);
  });
});
