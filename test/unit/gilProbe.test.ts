// The GIL verdict with the GIL probe beside thread scaling (src/analysis/gil.ts). Flat
// threads alone cannot tell a held GIL from C code that released it but serializes on a
// lock of its own; the probe's spinner sees the GIL itself.
import assert from 'node:assert/strict';
import { classify } from '../../src/analysis/index';
import type { GilProbe } from '../../src/shared/report';
import { findingOf } from './findings';
import { synthesize, type WorkloadModel } from './synthetic';

const SEEDS = [1, 2, 3, 4, 5];
const probe = (freeShare: number, drift = 0.05): GilProbe => ({ freeShare, calls: 6, windowMs: 200, drift });

function each(model: Omit<WorkloadModel, 'noise' | 'seed'>, gil: GilProbe | undefined, check: (a: ReturnType<typeof classify>, where: string) => void): void {
  for (const noise of [0, 0.05]) {
    for (const seed of SEEDS) {
      const input = synthesize({ ...model, noise, seed });
      if (gil) input.probe = { ...input.probe, gil };
      check(classify(input), `noise ${noise} seed ${seed}`);
    }
  }
}

describe('GIL probe', () => {
  it('flat threads with the GIL left free read "released, serialized elsewhere", and processes win (sqlite3)', () => {
    // Threads flat as if the GIL were held; the spinner kept 88% of its speed beside a call.
    each({ language: 'python', computeMs: 30, gil: 'held', serializationMs: 0.05 }, probe(0.88), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      const f = findingOf(a.verdict.findings, 'gil.released-serialized');
      assert.equal(f.data.freeShare, 0.88, where);
      assert.equal(a.recommendation.executor, 'process', where);
    });
  });

  it('flat threads and a spinner that got half its speed: held, and the reason gives the probe', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 }, probe(0.5), (a, where) => {
      assert.equal(a.verdict.gil, 'held', where);
      assert.equal(findingOf(a.verdict.findings, 'gil.held').data.freeShare, 0.5, where);
    });
  });

  it('bytecode whose probe wandered up to 0.72 on a busy machine stays held', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 }, probe(0.72, 0.2), (a, where) => {
      assert.equal(a.verdict.gil, 'held', where);
    });
  });

  it('threads that scaled outweigh a probe that read "held" (its spinner found no idle core)', () => {
    each({ language: 'python', computeMs: 20, gil: 'released', serializationMs: 0.05 }, probe(0.4), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      assert.equal(a.recommendation.executor, 'thread', where);
    });
  });

  it('ignores a probe whose machine moved under it, and goes by thread scaling', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 }, probe(0.9, 0.4), (a, where) => {
      assert.equal(a.verdict.gil, 'held', where);
      assert.equal(findingOf(a.verdict.findings, 'gil.held').data.freeShare, undefined, where);
    });
  });

  it('without thread runs, the probe alone decides', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', executors: ['sequential', 'process'] }, probe(0.92), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      findingOf(a.verdict.findings, 'gil.probe-released');
    });
  });
});
