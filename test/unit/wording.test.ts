// The contract between the analysis and the wording module: every code the analysis
// emits has words, every finding's data is plain finite numbers and strings (it must
// survive JSON), and the stored text is exactly what the wording renders.
import assert from 'node:assert/strict';
import { classify } from '../../src/analysis/index';
import { CAVEAT_WORDS } from '../../src/shared/caveatWords';
import { ms, pct, x } from '../../src/shared/format';
import { REASON_WORDS } from '../../src/shared/reasonWords';
import { RECOMMENDATION_WORDS } from '../../src/shared/recommendationWords';
import { renderCaveat, renderReason, renderRecommendation } from '../../src/shared/wording';
import { synthesize, type WorkloadModel } from './synthetic';
import { assertPlainData } from './findings';

const MODELS: Omit<WorkloadModel, 'seed'>[] = [
  { computeMs: 20, noise: 0.15, errorRate: 0.1, background: { busy: true, busyCores: 1, utilization: 0.5, steal: 0.1 } },
  { waitMs: 50, isAsync: true, computeMs: 0.05, noise: 0.05 },
  { blockMs: 50, computeMs: 0.05, noise: 0.05 },
  { offloadMs: 30, computeMs: 0.2, isAsync: true, cores: 8, noise: 0.05 },
  { computeMs: 10, waitMs: 10, isAsync: true, noise: 0.05 },
  { computeMs: 0.03, noise: 0 },
  { language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05, noise: 0.05 },
  { language: 'python', computeMs: 2, gil: 'held', serializationMs: 3, noise: 0 },
  { language: 'python', computeMs: 20, gil: 'released', noise: 0.05 },
  { language: 'python', computeMs: 20, gil: 'free-threaded', noise: 0.05 },
  { language: 'python', computeMs: 20, gil: 'released', internalThreads: 2, noise: 0.05 },
  { language: 'python', blockMs: 50, computeMs: 0.05, noise: 0.05 },
  { computeMs: 2000, noise: 0, windowMs: 4000 },
  { computeMs: 20, cores: 1, noise: 0.05 },
  { isAsync: true, waitMs: 1000, computeMs: 0.05, ladders: { async: [1, 2, 4, 8, 16, 32] }, noise: 0.05, windowMs: 4000 },
  { computeMs: 20, executors: ['sequential'], noise: 0 },
];

describe('wording: findings to words', () => {
  it('every code the analysis emits has words, plain data, and the stored text is the rendering', () => {
    const seen = new Set<string>();
    for (const m of MODELS) {
      for (const seed of [1, 2, 3]) {
        const a = classify(synthesize({ ...m, seed }));
        const ctx = { python: m.language === 'python' };
        a.verdict.findings!.forEach((f, i) => {
          assert.ok(REASON_WORDS[f.code], `no words for reason ${f.code}`);
          assertPlainData(f.data, f.code);
          assert.equal(a.verdict.reasons[i], renderReason(f, ctx));
          seen.add(f.code);
        });
        for (const c of a.caveats) {
          assert.ok(c.code && CAVEAT_WORDS[c.code], `no words for caveat ${c.code}`);
          assertPlainData(c.data, c.code!);
          assert.equal(c.message, renderCaveat({ code: c.code!, data: c.data! }, ctx));
          seen.add(c.code!);
        }
        const r = a.recommendation;
        assert.ok(r.code && RECOMMENDATION_WORDS[r.code], `no words for recommendation ${r.code}`);
        assertPlainData(r.data, r.code!);
        assert.equal(r.reason, renderRecommendation({ code: r.code!, data: r.data! }, ctx));
        seen.add(r.code!);
        for (const text of [...a.verdict.reasons, r.reason, ...a.caveats.map((c) => c.message)]) {
          // (The synthetic error message itself reads "Cannot read properties of undefined".)
          const ours = text.replace('Cannot read properties of undefined', '');
          assert.ok(!/NaN|undefined|–×/.test(ours), `a number went missing: ${text}`);
        }
      }
    }
    // The sweep reaches the rules it is meant to cover.
    for (const code of ['gil.held', 'gil.parallel-inside', 'rec.parallel-inside', 'rec.batch', 'rec.use', 'rec.no-gain', 'rec.only-sequential', 'overhead.serialization', 'one-core']) {
      assert.ok(seen.has(code), `not reached: ${code}`);
    }
  });

  it('formats numbers one way everywhere', () => {
    assert.equal(x(1.94), '1.94×');
    assert.equal(x(1.9), '1.9×');
    assert.equal(x(63.84), '63.8×');
    assert.equal(x(128.2), '128×');
    assert.equal(x(null), '–');
    assert.equal(pct(0.004), '0.4%');
    assert.equal(pct(0.456), '46%');
    assert.equal(ms(0.03), '30 µs');
    assert.equal(ms(3.14), '3.1 ms');
    assert.equal(ms(1500), '1.50 s');
  });
});
