// Which sequential points the speedups divide by (src/engine/runResults.ts baselinePoints).
import assert from 'node:assert/strict';
import type { PointSamples } from '../../src/engine/executorTypes';
import { baselinePoints, type MeasuredPoint } from '../../src/engine/runResults';
import type { PointPhase } from '../../src/engine/ladderSession';

function point(kind: MeasuredPoint['kind'], k: number, tp: number, phase: PointPhase): MeasuredPoint {
  const samples = { executor: kind, concurrency: k, startMs: 0, endMs: 1000, taskStartMs: [], taskEndMs: [], taskCpuMs: [], taskOk: [], cpuSource: 'unavailable', errors: [], abandoned: 0 } as PointSamples;
  return { kind, k, samples, tp: { throughputPerSec: tp, ci: [tp * 0.98, tp * 1.02], noisy: false }, durationMs: 1000, windows: [[0, 1000]], phase };
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
});
