// The rules of compare and the gate on hand-made reports whose intervals are known, so
// each rule (where an interval comes from, when a change is called, when a drop fails
// the gate) is pinned down exactly. The CLI tests run the same code on real reports.
import * as assert from 'node:assert/strict';
import { change, compareReports, parseReport, throughputInterval } from '../../src/analysis/compare';
import { evaluateGate, parseExpect, parseMaxRegression, parseMinSpeedup } from '../../src/analysis/gate';
import type { ExecutorKind, Report, RunResult } from '../../src/shared/report';
import { sampleEnvironment, sampleReport } from './helpers/sampleReport';

function run(executor: ExecutorKind, k: number, tp: number, speedup: number, ci: [number, number]): RunResult {
  return {
    executor,
    concurrency: k,
    tasks: 100,
    wallMs: 1000,
    throughputPerSec: tp,
    speedup,
    speedupCi: ci,
    noisy: false,
    cpuMsPerTask: 1,
    cpuRatio: 1,
    cpuSource: 'process.threadCpuUsage',
    coreUtilization: 0.5,
    busyCores: 1,
    errors: { count: 0, rate: 0, samples: [] },
  };
}

function report(runs: RunResult[], over: Partial<Report> = {}): Report {
  return sampleReport({
    schemaVersion: 1,
    createdAt: '2026-11-26T10:00:00.000Z',
    budgetMs: 1000,
    target: { file: '/w/f.py', function: 'f', language: 'python', args: [] },
    environment: sampleEnvironment({ cores: 4, node: 'v20', cpuModel: 'cpu', totalMemoryMb: 1 }),
    runs,
    timeline: { intervalMs: 50, cores: [], marks: [] },
    verdict: { kind: 'cpu-bound', confidence: 0.9, cpuRatio: 1, reasons: [], gil: 'held' },
    recommendation: { executor: 'process', workers: 4, expectedSpeedup: 3.6, formulaWorkers: 4, reason: '' },
    ...over,
  });
}

// Speedup intervals of ±10% and ±20% (log-symmetric enough for the checks below).
const base = () => report([run('sequential', 1, 100, 1, [1, 1]), run('process', 2, 190, 1.9, [1.71, 2.09]), run('process', 4, 360, 3.6, [2.88, 4.32])]);

describe('compare: throughput intervals', () => {
  it('scales a pool run by its own speedup interval', () => {
    const r = base();
    const i = throughputInterval(r, r.runs[1]);
    assert.equal(i.source, 'from-speedup');
    assert.ok(Math.abs(i.ci[0] - 171) < 1e-9 && Math.abs(i.ci[1] - 209) < 1e-9);
  });

  it("bounds the baseline's by the tightest pool run's relative error, each side apart", () => {
    const r = base();
    const i = throughputInterval(r, r.runs[0]);
    assert.equal(i.source, 'from-speedup');
    assert.ok(Math.abs(i.ci[0] - 90) < 1e-9, String(i.ci));
    assert.ok(Math.abs(i.ci[1] - 110) < 1e-9, String(i.ci));
  });

  it('uses a stored throughputCi when a report carries one, and ±50% when nothing bounds it', () => {
    const r = report([{ ...run('sequential', 1, 100, 1, [1, 1]), throughputCi: [97, 104] } as RunResult]);
    assert.deepEqual(throughputInterval(r, r.runs[0]), { value: 100, ci: [97, 104], source: 'stored' });
    const alone = report([run('sequential', 1, 100, 1, [1, 1])]);
    assert.deepEqual(throughputInterval(alone, alone.runs[0]), { value: 100, ci: [50, 150], source: 'unknown' });
  });
});

describe('compare: significance calls', () => {
  it('calls a change only when its interval excludes 1', () => {
    const old = { value: 100, ci: [95, 105] as [number, number] };
    assert.equal(change(old, { value: 120, ci: [114, 126] }).call, 'faster');
    assert.equal(change(old, { value: 80, ci: [76, 84] }).call, 'slower');
    assert.equal(change(old, { value: 104, ci: [99, 109] }).call, 'no-change');
    // A big move with wide intervals is not told apart from noise.
    assert.equal(change({ value: 100, ci: [50, 200] }, { value: 140, ci: [70, 280] }).call, 'no-change');
    assert.equal(change({ value: 0, ci: [0, 0] }, { value: 10, ci: [9, 11] }).call, 'no-change');
  });

  it('reports a GIL verdict change and a recommendation change as headlines, in that order after the verdict', () => {
    const n = base();
    n.verdict = { ...n.verdict, gil: 'released' };
    n.recommendation = { ...n.recommendation, executor: 'thread' };
    const c = compareReports(base(), n);
    assert.deepEqual(c.headline, [
      { what: 'gil', old: 'held', new: 'released' },
      { what: 'recommendation', old: 'process × 4', new: 'thread × 4' },
    ]);
  });

  it('notes different arguments and machines as caveats, and refuses different functions', () => {
    const n = base();
    n.target = { ...n.target, args: [2] };
    n.environment = { ...n.environment, cores: 8 };
    const c = compareReports(base(), n);
    assert.equal(c.caveats.length, 2, c.caveats.join('\n'));
    assert.throws(() => compareReports(base(), report([], { target: { ...n.target, function: 'g' } })), /different functions \(f and g\)/);
  });

  it('parses reports with one-line reasons for what is wrong', () => {
    assert.throws(() => parseReport('[1]', 'a.json'), /a\.json is not a Workload Profiler report: it is not a JSON object/);
    const broken = { ...base(), runs: [{ executor: 'thread' }] };
    assert.throws(() => parseReport(JSON.stringify(broken), 'b.json'), /runs\[0\] lacks executor, concurrency/);
    assert.equal(parseReport(JSON.stringify({ ...base(), schemaVersion: 2 }), 'c.json').schemaVersion, 2);
  });
});

describe('gate', () => {
  it('parses option values and refuses bad ones', () => {
    assert.deepEqual(parseExpect('executor=thread,process'), { type: 'expect', key: 'executor', values: ['thread', 'process'], text: '--expect executor=thread,process' });
    assert.deepEqual((parseExpect('Kind=CPU-bound') as { values: string[] }).values, ['cpu-bound']);
    assert.deepEqual(parseMinSpeedup('best:2x'), { type: 'min-speedup', executor: 'best', min: 2, text: '--min-speedup best:2' });
    assert.equal((parseMaxRegression('12.5%') as { fraction: number }).fraction, 0.125);
    assert.throws(() => parseExpect('gil=maybe'), /"maybe" is not one of held, released, free-threaded, not-applicable/);
    assert.throws(() => parseMinSpeedup('thread:-1'), /--min-speedup takes executor:factor/);
    assert.throws(() => parseMaxRegression('100%'), /percentage from 0% to 99%/);
  });

  it('fails --max-regression only for a significant drop beyond the limit', () => {
    const limit = [parseMaxRegression('10%')];
    const scaledBy = (f: number, widen = 1) => {
      const r = base();
      r.runs = r.runs.map((x) => ({ ...x, throughputPerSec: x.throughputPerSec * f, speedupCi: x.executor === 'sequential' ? x.speedupCi : [x.speedup - (x.speedup - x.speedupCi[0]) * widen, x.speedup + (x.speedupCi[1] - x.speedup) * widen] }));
      return r;
    };
    // 40% slower with ±10–20% intervals: significant and beyond 10%.
    const [drop] = evaluateGate(scaledBy(0.6), limit, base());
    assert.equal(drop.ok, false);
    assert.match(drop.detail, /^slower than the baseline by more than 10%: sequential 100.0 → 60.0 calls\/s \(-40%/);
    // 5% slower: significant or not, within the limit.
    assert.equal(evaluateGate(scaledBy(0.95), limit, base())[0].ok, true);
    // 40% slower but with intervals four times as wide: not told apart from noise.
    assert.equal(evaluateGate(scaledBy(0.6, 4.5), limit, scaledBy(1, 4.5))[0].ok, true);
  });

  it('judges kind, executor, gil and min-speedup against the report', () => {
    const r = base();
    const out = evaluateGate(r, [parseExpect('kind=cpu-bound'), parseExpect('executor=thread'), parseExpect('gil=held'), parseMinSpeedup('process:3.5'), parseMinSpeedup('async:1.1')]);
    assert.deepEqual(
      out.map((o) => o.ok),
      [true, false, true, true, false],
    );
    assert.equal(out[1].detail, 'the recommendation is process × 4 (expected 3.60×)');
    assert.equal(out[4].detail, 'async was not measured');
  });

  it('says when the "keep it sequential" that failed an executor expectation was undecided', () => {
    const undecided = report([run('sequential', 1, 25, 1, [1, 1]), run('thread', 2, 31, 1.24, [0.99, 1.58])], {
      recommendation: {
        executor: 'sequential',
        workers: 1,
        expectedSpeedup: 1,
        formulaWorkers: 2,
        reason: '',
        code: 'rec.no-gain',
        data: { bestExecutor: 'thread', bestK: 2, bestSpeedup: 1.24, bestLow: 0.99, bestHigh: 1.58, threshold: 1.05 },
      },
    });
    const [out] = evaluateGate(undecided, [parseExpect('executor=thread')]);
    assert.equal(out.ok, false);
    assert.equal(out.detail, 'the recommendation is sequential × 1 (expected 1.00×), undecided: the best, thread × 2, read 1.24× in 0.99–1.58×; a longer --budget can tell');
  });
});
