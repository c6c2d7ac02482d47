// The Universal Scalability Law fit (src/analysis/scalability.ts): it recovers known
// parameters, falls back to Amdahl with two points, respects min(K, cores) for CPU-bound
// pools, projects to bigger machines, and smooths a noisy point only inside its interval.
import assert from 'node:assert/strict';
import { classify } from '../../src/analysis/index';
import { fitUsl, kneeOf, peakOf, uslShape } from '../../src/analysis/scalability';
import { synthesize } from './synthetic';

const exact = (lambda: number, sigma: number, kappa: number, ns: number[]) => ns.map((n) => ({ n, x: lambda * uslShape(n, sigma, kappa) }));

describe('USL fit', () => {
  it('recovers σ and κ from exact points', () => {
    const fit = fitUsl(exact(50, 0.08, 0.002, [1, 2, 4, 8, 16, 32]))!;
    assert.ok(Math.abs(fit.sigma - 0.08) < 0.005, `sigma ${fit.sigma}`);
    assert.ok(Math.abs(fit.kappa - 0.002) < 0.0003, `kappa ${fit.kappa}`);
    assert.ok(Math.abs(fit.lambda - 50) < 1, `lambda ${fit.lambda}`);
    assert.ok(fit.rms < 0.01);
    // N* = √((1 − σ)/κ) ≈ 21.4
    assert.ok(Math.abs(peakOf(fit.sigma, fit.kappa)! - Math.sqrt(0.92 / 0.002)) < 1.5);
  });

  it('is deterministic and keeps σ, κ ≥ 0 on a ladder that grows faster than linear (noise)', () => {
    const pts = [{ n: 1, x: 10 }, { n: 2, x: 21 }, { n: 4, x: 43 }];
    const a = fitUsl(pts)!;
    const b = fitUsl(pts)!;
    assert.deepEqual(a, b);
    assert.ok(a.sigma >= 0 && a.kappa >= 0);
  });

  it('fits σ alone with two points (Amdahl), and nothing with one', () => {
    const fit = fitUsl(exact(10, 0.25, 0, [1, 2]), true)!;
    assert.equal(fit.kappa, 0);
    assert.ok(Math.abs(fit.sigma - 0.25) < 0.002, String(fit.sigma));
    assert.equal(fitUsl([{ n: 1, x: 10 }]), undefined);
  });

  it('finds the knee within 5% of the peak, and none while linear', () => {
    const knee = kneeOf(0.05, 0.001)!;
    const peak = peakOf(0.05, 0.001)!;
    assert.ok(knee < peak, `${knee} < ${peak}`);
    assert.ok(uslShape(knee, 0.05, 0.001) >= 0.95 * uslShape(peak, 0.05, 0.001));
    assert.ok(uslShape(knee - 1, 0.05, 0.001) < 0.95 * uslShape(peak, 0.05, 0.001));
    assert.equal(kneeOf(0, 0), undefined);
  });
});

describe('scaling in the analysis', () => {
  it('CPU-bound pools are fitted on K ≤ cores only; two points give an Amdahl fit that says so', () => {
    const a = classify(synthesize({ computeMs: 20, cores: 2, ladders: { thread: [1, 2, 4, 8], process: [1, 2, 4] }, noise: 0, seed: 1 }));
    const t = a.scaling.find((s) => s.executor === 'thread')!;
    assert.deepEqual(t.points, [1, 2]);
    assert.equal(t.model, 'amdahl');
    assert.equal(t.kappa, 0);
    assert.equal(t.fitted, true);
    // Dispatch costs 50 µs of a 20 ms call: nearly linear, so 8 cores project close to 8×.
    assert.deepEqual(t.projections.map((p) => p.cores), [8, 16, 64]);
    const p8 = t.projections[0].speedup;
    assert.ok(p8 > 6 && p8 <= 8, String(p8));
    assert.ok(t.projections[2].speedup > t.projections[1].speedup);
    // Async on one thread is limited to N = 1 for CPU work: too few points, no fit.
    const as = a.scaling.find((s) => s.executor === 'async')!;
    assert.equal(as.fitted, false);
    assert.equal(as.model, 'none');
    assert.deepEqual(as.projections, []);
  });

  it('a point above its physical ceiling is fitted at the ceiling, and no projection exceeds its workers', () => {
    // A slow baseline: the K = 2 point read 2.37× on 2 cores for CPU work (brotli, 1-2 calls a window).
    const input = synthesize({ computeMs: 20, cores: 2, ladders: { process: [2] }, noise: 0, seed: 1 });
    const run = input.runs.find((r) => r.executor === 'process' && r.concurrency === 2)!;
    run.speedup = 2.37;
    run.speedupCi = [2.0, 2.9];
    run.throughputPerSec *= 2.37 / 2;
    const p = classify(input).scaling.find((s) => s.executor === 'process')!;
    assert.equal(p.fitted, true);
    assert.ok(p.sigma >= 0 && p.sigma < 0.01, `capped at 2×, the line is linear, not superlinear: σ ${p.sigma}`);
    for (const q of p.projections) assert.ok(q.speedup <= q.concurrency && q.speedup <= q.cores, `${q.cores} cores: ${q.speedup}× with ${q.concurrency}`);
    assert.equal(p.projections[0].speedup, 8);
  });

  it('fits no ladder whose point could be anywhere in a wide interval (one or two calls a window)', () => {
    const input = synthesize({ computeMs: 20, cores: 2, ladders: { thread: [2], process: [2] }, noise: 0, seed: 1 });
    const t = input.runs.find((r) => r.executor === 'thread' && r.concurrency === 2)!;
    t.speedup = 1.85;
    t.speedupCi = [1.18, 3.77];
    const a = classify(input);
    const fit = a.scaling.find((s) => s.executor === 'thread')!;
    assert.equal(fit.fitted, false);
    assert.equal(fit.tooNoisy, true);
    assert.deepEqual(fit.projections, []);
    assert.equal(a.scaling.find((s) => s.executor === 'process')!.fitted, true, 'the other ladder, within ±30%, is fitted');
  });

  it('on 4 cores a CPU-bound ladder gets a full USL fit; waiting ladders get no core projections', () => {
    const a = classify(synthesize({ computeMs: 5, cores: 4, ladders: { thread: [1, 2, 4, 8] }, noise: 0.05, seed: 2 }));
    const t = a.scaling.find((s) => s.executor === 'thread')!;
    assert.deepEqual(t.points, [1, 2, 4]);
    assert.equal(t.model, 'usl');
    assert.equal(t.projections.length, 3);
    const io = classify(synthesize({ isAsync: true, waitMs: 50, computeMs: 0.05, noise: 0, seed: 1 }));
    const asy = io.scaling.find((s) => s.executor === 'async')!;
    assert.equal(asy.model, 'usl');
    assert.ok(asy.points.length >= 3);
    assert.deepEqual(asy.projections, []);
  });

  it('a GIL-held thread ladder fits a serial share near 1 and projects no gain on bigger machines', () => {
    const a = classify(synthesize({ language: 'python', computeMs: 20, gil: 'held', cores: 4, ladders: { thread: [1, 2, 4] }, noise: 0, seed: 1 }));
    const t = a.scaling.find((s) => s.executor === 'thread')!;
    assert.ok(t.sigma > 0.9, String(t.sigma));
    for (const p of t.projections) assert.ok(p.speedup < 1.2, JSON.stringify(p));
  });

  it('smooths a noisy recommended point with the fitted value when it lies inside the interval', () => {
    // A waiting ladder on async that levels off at 6× from K = 8, with a lucky, noisy K = 8.
    const input = synthesize({ isAsync: true, waitMs: 50, computeMs: 10, cores: 2, ladders: { async: [1, 2, 4, 8, 16] }, executors: ['sequential', 'async'], noise: 0, seed: 1 });
    const k4 = input.runs.find((r) => r.executor === 'async' && r.concurrency === 8)!;
    const truth = k4.speedup;
    k4.throughputPerSec *= 1.1;
    k4.speedup *= 1.1;
    k4.speedupCi = [k4.speedup * 0.8, k4.speedup * 1.2];
    k4.noisy = true;
    const a = classify(input);
    const fit = a.scaling.find((s) => s.executor === 'async')!;
    const sm = fit.smoothed?.find((s) => s.concurrency === 8);
    assert.ok(sm, JSON.stringify(fit));
    assert.ok(Math.abs(sm.fitted - truth) < Math.abs(sm.measured - truth), `fitted ${sm.fitted} nearer the truth ${truth} than ${sm.measured}`);
    assert.equal(a.recommendation.executor, 'async');
    assert.equal(a.recommendation.workers, 8);
    assert.equal(a.recommendation.expectedSpeedup, Math.round(sm.fitted * 100) / 100);
    assert.equal(a.recommendation.data!.smoothedFrom, sm.measured);
  });
});
