import assert from 'node:assert/strict';
import { classify, formulaWorkersOf, type Analysis } from '../../src/core/classify';
import type { ExecutorKind, GilVerdict, WorkloadKind } from '../../src/core/report';
import { synthesize, type WorkloadModel } from './synthetic';

const NOISE_LEVELS = [0, 0.05, 0.15];
// SYNTHETIC_SEEDS=500 runs a longer sweep when tuning thresholds.
const SEEDS = Array.from({ length: Number(process.env.SYNTHETIC_SEEDS) || 5 }, (_, i) => i + 1);

interface Truth {
  kind: WorkloadKind;
  executor: ExecutorKind;
  gil?: GilVerdict;
  tinyTasks?: boolean;
  offloadedCpu?: boolean;
  /** Each pattern must match some reason (numbers included). */
  reasons?: RegExp[];
  workers?: (w: number) => boolean;
}

interface Case {
  name: string;
  model: Omit<WorkloadModel, 'noise' | 'seed'>;
  truth: Truth;
}

const cases: Case[] = [
  {
    name: 'pure CPU (JS busy loop)',
    model: { computeMs: 20, cores: 2 },
    truth: {
      kind: 'cpu-bound',
      executor: 'thread',
      reasons: [/\d+% of its wall time on CPU/, /async concurrency gave \d\.\d+×/i, /worker threads gave [12]\.\d+× with \d+.*on 2 cores/],
      workers: (w) => w === 2 || w === 4,
    },
  },
  {
    name: 'pure CPU on 4 cores',
    model: { computeMs: 5, cores: 4 },
    truth: { kind: 'cpu-bound', executor: 'thread', workers: (w) => w >= 4 && w <= 8 },
  },
  {
    name: 'pure waiting (timers, sockets)',
    model: { waitMs: 50, isAsync: true, computeMs: 0.05 },
    truth: {
      kind: 'io-bound',
      executor: 'async',
      reasons: [/async concurrency gave \d{2,3}(\.\d)?×/i, /proof of waiting/, /hands control back to the event loop/],
      workers: (w) => w >= 64,
    },
  },
  {
    name: 'blocking wait (Atomics.wait / execSync sleep)',
    model: { blockMs: 50, computeMs: 0.05 },
    truth: {
      kind: 'io-bound',
      executor: 'thread',
      reasons: [/async concurrency gave [01]\.\d+×/i, /blocks its thread/, /event loop is stuck/],
      workers: (w) => w >= 32,
    },
  },
  {
    name: 'CPU offloaded to the libuv pool (crypto.pbkdf2)',
    model: { offloadMs: 30, computeMs: 0.2, isAsync: true, uvPool: 4, cores: 2 },
    truth: {
      kind: 'cpu-bound',
      executor: 'async',
      offloadedCpu: true,
      reasons: [/only \d+(\.\d)?% of each call/, /busy (0|1)\.\d+ cores per call in flight/, /min\(2, 4\) = 2/],
      workers: (w) => w === 2 || w === 4,
    },
  },
  {
    name: 'libuv-offloaded CPU on 8 cores with the default pool of 4',
    model: { offloadMs: 30, computeMs: 0.2, isAsync: true, uvPool: 4, cores: 8 },
    truth: { kind: 'cpu-bound', executor: 'process', offloadedCpu: true, reasons: [/min\(8, 4\) = 4/, /UV_THREADPOOL_SIZE/] },
  },
  {
    name: 'mixed (half CPU, half waiting)',
    model: { computeMs: 10, waitMs: 10, isAsync: true, cores: 2 },
    truth: {
      kind: 'mixed',
      executor: 'thread',
      reasons: [/(3[5-9]|[45]\d|6[0-5])% of its wall time on CPU/, /part CPU/],
      workers: (w) => w === 4 || w === 8,
    },
  },
  {
    name: 'tiny tasks (30 µs)',
    model: { computeMs: 0.03, cores: 2 },
    truth: { kind: 'cpu-bound', executor: 'thread', tinyTasks: true, reasons: [/only [23]\d µs/, /batches of about \d+/] },
  },
  {
    name: 'Python pure-Python loop (GIL held)',
    model: { language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 },
    truth: {
      kind: 'cpu-bound',
      executor: 'process',
      gil: 'held',
      reasons: [/threads ×\d+ gave [01]\.\d+×, processes ×\d gave [12]\.\d+×: the GIL serializes/],
    },
  },
  {
    name: 'Python hashlib.pbkdf2_hmac (GIL released)',
    model: { language: 'python', computeMs: 20, gil: 'released', serializationMs: 0.05 },
    truth: { kind: 'cpu-bound', executor: 'thread', gil: 'released', reasons: [/threads ×\d+ gave [12]\.\d+× on 2 cores/] },
  },
  {
    name: 'Python free-threaded build',
    model: { language: 'python', computeMs: 20, gil: 'free-threaded' },
    truth: { kind: 'cpu-bound', executor: 'thread', gil: 'free-threaded', reasons: [/without a GIL/] },
  },
  {
    name: 'Python time.sleep in a plain def',
    model: { language: 'python', blockMs: 50, computeMs: 0.05 },
    truth: { kind: 'io-bound', executor: 'thread', gil: 'not-applicable', reasons: [/threads gave \d{2}(\.\d)?×/i, /releases the GIL/] },
  },
  {
    name: 'Python async def with asyncio.sleep',
    model: { language: 'python', isAsync: true, waitMs: 50, computeMs: 0.05 },
    truth: { kind: 'io-bound', executor: 'async', gil: 'not-applicable', reasons: [/asyncio gave \d{2,3}(\.\d)?×/] },
  },
  {
    name: 'Python mixed, GIL held',
    model: { language: 'python', computeMs: 10, blockMs: 10, gil: 'held' },
    truth: { kind: 'mixed', executor: 'process', gil: 'held' },
  },
];

function check(a: Analysis, t: Truth, where: string): void {
  const v = a.verdict;
  assert.equal(v.kind, t.kind, `${where}: kind; reasons: ${v.reasons.join(' | ')}`);
  assert.equal(a.recommendation.executor, t.executor, `${where}: executor; ${a.recommendation.reason}`);
  assert.equal(v.gil, t.gil, `${where}: gil`);
  assert.equal(!!v.tinyTasks, !!t.tinyTasks, `${where}: tinyTasks`);
  assert.equal(!!v.offloadedCpu, !!t.offloadedCpu, `${where}: offloadedCpu`);
  for (const re of t.reasons ?? []) {
    assert.ok(v.reasons.some((r) => re.test(r)), `${where}: no reason matches ${re}:\n  ${v.reasons.join('\n  ')}`);
  }
  if (t.workers) assert.ok(t.workers(a.recommendation.workers), `${where}: workers ${a.recommendation.workers}`);
  assert.ok(v.confidence > 0 && v.confidence <= 1, `${where}: confidence ${v.confidence}`);
  assert.ok(a.recommendation.expectedSpeedup > 0, `${where}: expectedSpeedup`);
  assert.ok(a.recommendation.reason.length > 20, `${where}: reason`);
}

describe('classify: synthetic workloads recover the truth', () => {
  for (const c of cases) {
    for (const noise of NOISE_LEVELS) {
      it(`${c.name} at ${noise * 100}% noise`, () => {
        const failures: string[] = [];
        for (const seed of SEEDS) {
          try {
            check(classify(synthesize({ ...c.model, noise, seed })), c.truth, `seed ${seed}`);
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
        assert.deepEqual(failures, [], `${failures.length} of ${SEEDS.length} seeds failed:\n${failures.slice(0, 3).join('\n')}`);
      });
    }
  }
});

describe('classify: specifics', () => {
  it('recommends the knee, not the top of the ladder, with the measured speedup', () => {
    const input = synthesize({ computeMs: 20, cores: 2, noise: 0, seed: 1 });
    const a = classify(input);
    assert.equal(a.recommendation.workers, 2);
    const run = input.runs.find((r) => r.executor === 'thread' && r.concurrency === 2)!;
    assert.equal(a.recommendation.expectedSpeedup, Math.round(run.speedup * 100) / 100);
    assert.match(a.recommendation.reason, /Worker threads reached (1\.9\d?|2\.0)× with 2 workers/);
    // Processes tie with threads; the cheaper wins and the reason says so.
    assert.match(a.recommendation.reason, /Child processes did about as well/);
  });

  it('sizes batches so dispatch is under 5% of a batch', () => {
    const a = classify(synthesize({ computeMs: 0.03, cores: 2, noise: 0, seed: 1 }));
    // dispatch 50 µs, call 30 µs: 0.05 / (0.05 × 0.03) ≈ 34
    assert.ok(a.recommendation.batchSize! >= 30 && a.recommendation.batchSize! <= 36, String(a.recommendation.batchSize));
    assert.match(a.recommendation.reason, /Batch \d+ calls per task/);
    assert.match(a.recommendation.reason, /estimate/);
  });

  it('Python tiny GIL-held calls get processes with a chunksize', () => {
    const a = classify(synthesize({ language: 'python', computeMs: 0.05, gil: 'held', dispatchMs: { process: 0.3 }, noise: 0, seed: 1 }));
    assert.equal(a.verdict.gil, 'held');
    assert.equal(a.verdict.tinyTasks, true);
    assert.equal(a.recommendation.executor, 'process');
    assert.match(a.recommendation.reason, /chunksize=\d+/);
  });

  it('says so when pickling eats the process gain', () => {
    for (const noise of NOISE_LEVELS) {
      const a = classify(
        synthesize({ language: 'python', computeMs: 2, gil: 'held', serializationMs: 3, serializationBytes: 4 * 1024 * 1024, noise, seed: 7 }),
      );
      assert.equal(a.verdict.gil, 'held');
      assert.ok(!a.verdict.tinyTasks);
      assert.ok(a.verdict.reasons.some((r) => /Pickling each task's arguments and result costs 3\.0 ms \(4\.0 MB\)/.test(r)), a.verdict.reasons.join('\n'));
      assert.ok(a.verdict.reasons.some((r) => /chunksize/.test(r)));
      assert.equal(a.recommendation.executor, 'sequential');
    }
  });

  it('formula workers: cores × (1 + wait/compute), capped for r ≈ 0', () => {
    assert.equal(formulaWorkersOf(2, 1), 2);
    assert.equal(formulaWorkersOf(2, 0.5), 4);
    assert.equal(formulaWorkersOf(4, 0.25), 16);
    assert.equal(formulaWorkersOf(2, 0), 128);
    assert.equal(formulaWorkersOf(2, 0.001), 128);
    const a = classify(synthesize({ computeMs: 10, waitMs: 10, isAsync: true, noise: 0, seed: 1 }));
    assert.equal(a.recommendation.formulaWorkers, 4);
    assert.match(a.recommendation.reason, /cores × \(1 \+ wait\/compute\) = 2 × \(1 \+ 1\.00\) gives 4/);
  });

  it('confidence falls with noise, background load and errors', () => {
    const clean = classify(synthesize({ computeMs: 20, noise: 0, seed: 3 })).verdict.confidence;
    const noisy = classify(synthesize({ computeMs: 20, noise: 0.15, seed: 3 })).verdict.confidence;
    const busy = classify(
      synthesize({ computeMs: 20, noise: 0, seed: 3, background: { busy: true, busyCores: 0.9, utilization: 0.45, steal: 0.1 } }),
    );
    const failing = classify(synthesize({ computeMs: 20, noise: 0, seed: 3, errorRate: 0.1 }));
    assert.ok(clean >= 0.9, `clean ${clean}`);
    assert.ok(noisy < clean, `noisy ${noisy} < clean ${clean}`);
    assert.ok(busy.verdict.confidence < clean);
    assert.ok(failing.verdict.confidence < clean);
    assert.ok(busy.caveats.some((c) => c.level === 'warning' && /0\.90 of 2 cores busy \(45%\)/.test(c.message)));
    assert.ok(busy.caveats.some((c) => /Steal time was 10%/.test(c.message)));
    assert.ok(failing.caveats.some((c) => /sequential: \d+ of \d+ calls threw \(10%\), e\.g\. TypeError/.test(c.message)), failing.caveats.map((c) => c.message).join('\n'));
  });

  it('flags noisy points and few samples as caveats', () => {
    const a = classify(synthesize({ computeMs: 20, noise: 0.3, seed: 2 }));
    assert.ok(a.caveats.some((c) => /points were noisy \(95% interval wider than ±10%\)/.test(c.message)));
    const slow = classify(synthesize({ computeMs: 2000, noise: 0, seed: 2, windowMs: 4000 }));
    assert.ok(slow.caveats.some((c) => /Only 2 sequential calls fit/.test(c.message)), slow.caveats.map((c) => c.message).join('\n'));
  });

  it('a run that mostly failed is left out of the verdict', () => {
    const input = synthesize({ computeMs: 20, noise: 0, seed: 1 });
    const proc = input.runs.filter((r) => r.executor === 'process');
    for (const r of proc) {
      r.throughputPerSec *= 5;
      r.speedup *= 5;
      r.errors = { count: r.tasks, rate: 1, samples: [{ kind: 'timeout', message: 'call exceeded 30000 ms', count: r.tasks }] };
    }
    const a = classify(input);
    assert.equal(a.recommendation.executor, 'thread');
    assert.ok(a.caveats.some((c) => /process ×1: \d+ of \d+ calls failed \(100%\).*left out of the verdict/.test(c.message)));
  });

  it('without per-call CPU time, falls back to machine load and says so', () => {
    const input = synthesize({ computeMs: 20, noise: 0.05, seed: 4 });
    for (const r of input.runs) r.cpuRatio = null;
    input.probe.cpuMs = null;
    const a = classify(input);
    assert.equal(a.verdict.kind, 'cpu-bound');
    assert.ok(a.verdict.reasons[0].includes('could not be measured'));
    assert.ok(a.caveats.some((c) => /Per-call CPU time was unavailable/.test(c.message)));
  });

  it('only a sequential run: recommends staying sequential, honestly', () => {
    const input = synthesize({ computeMs: 20, noise: 0, seed: 1, executors: ['sequential'] });
    const a = classify(input);
    assert.equal(a.recommendation.executor, 'sequential');
    assert.equal(a.recommendation.workers, 1);
    assert.match(a.recommendation.reason, /Nothing but the sequential run/);
  });
});
