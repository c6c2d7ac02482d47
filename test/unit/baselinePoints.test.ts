// Which sequential points the speedups divide by, and how they weigh for each point
// (src/engine/runResults.ts baselinePoints, localBaseline).
import assert from 'node:assert/strict';
import type { PointSamples } from '../../src/engine/executorTypes';
import { baselinePoints, combineBaselines, localBaseline, REFERENCE_REACH_MS, type MeasuredPoint } from '../../src/engine/runResults';
import type { PointPhase } from '../../src/engine/ladderSession';

function point(kind: MeasuredPoint['kind'], k: number, tp: number, phase: PointPhase, startMs = 0, endMs = 1000): MeasuredPoint {
  const tasks = Array.from({ length: Math.round((tp * (endMs - startMs)) / 1000) }, (_, i) => startMs + i);
  const samples = { executor: kind, concurrency: k, startMs, endMs, taskStartMs: tasks, taskEndMs: tasks, taskCpuMs: [], taskOk: [], cpuSource: 'unavailable', errors: [], abandoned: 0 } as PointSamples;
  return { kind, k, samples, tp: { throughputPerSec: tp, ci: [tp * 0.98, tp * 1.02], noisy: false }, durationMs: endMs - startMs, windows: [[startMs, endMs]], phase };
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
