import assert from 'node:assert/strict';
import { classify, formulaWorkersOf, type Analysis } from '../../src/analysis/index';
import type { ExecutorKind, FindingData, GilVerdict, WorkloadKind } from '../../src/shared/report';
import { findingOf } from './findings';
import { setReading, synthesize, type WorkloadModel } from './synthetic';

const NOISE_LEVELS = [0, 0.05, 0.15];
// SYNTHETIC_SEEDS=500 runs a longer sweep when tuning thresholds.
const SEEDS = Array.from({ length: Number(process.env.SYNTHETIC_SEEDS) || 5 }, (_, i) => i + 1);

interface Truth {
  kind: WorkloadKind;
  executor: ExecutorKind;
  gil?: GilVerdict;
  tinyTasks?: boolean;
  offloadedCpu?: boolean;
  /** Each must match some reason finding: its code, and a check of its numbers. */
  reasons?: Expect[];
  workers?: (w: number) => boolean;
}

type Expect = [code: string, check?: (d: FindingData) => boolean];
const num = (d: FindingData, k: string) => d[k] as number;
const within = (v: number, lo: number, hi: number) => v >= lo && v < hi;

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
      reasons: [
        ['cpu.share', (d) => within(num(d, 'callCpuRatio'), 0.7, 1.01)],
        ['shape', (d) => num(d, 'asyncSpeedup') < 10 && within(num(d, 'threadSpeedup'), 1, 3) && num(d, 'cores') === 2],
      ],
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
      reasons: [['shape', (d) => within(num(d, 'asyncSpeedup'), 10, 1000)], ['lesson.beyond-cores'], ['lesson.io-async']],
      workers: (w) => w >= 64,
    },
  },
  {
    name: 'blocking wait (Atomics.wait / execSync sleep)',
    model: { blockMs: 50, computeMs: 0.05 },
    truth: {
      kind: 'io-bound',
      executor: 'thread',
      reasons: [['shape', (d) => num(d, 'asyncSpeedup') < 2], ['lesson.blocking']],
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
      reasons: [
        ['cpu.offloaded', (d) => num(d, 'callCpuRatio') < 0.3 && within(num(d, 'machineCpuShare'), 0, 2)],
        ['lesson.offloaded', (d) => num(d, 'cores') === 2 && num(d, 'uvPool') === 4 && num(d, 'cap') === 2],
      ],
      workers: (w) => w === 2 || w === 4,
    },
  },
  {
    name: 'libuv-offloaded CPU on 8 cores with the default pool of 4',
    model: { offloadMs: 30, computeMs: 0.2, isAsync: true, uvPool: 4, cores: 8 },
    truth: { kind: 'cpu-bound', executor: 'process', offloadedCpu: true, reasons: [['lesson.offloaded', (d) => num(d, 'cores') === 8 && num(d, 'uvPool') === 4 && num(d, 'cap') === 4]] },
  },
  {
    name: 'Python: CPU handed to asyncio.to_thread that releases the GIL (hashlib)',
    model: { language: 'python', isAsync: true, offloadMs: 30, computeMs: 0.2, gil: 'released', cores: 2 },
    truth: {
      kind: 'cpu-bound',
      executor: 'async',
      gil: 'released',
      offloadedCpu: true,
      reasons: [
        ['cpu.offloaded', (d) => num(d, 'callCpuRatio') < 0.3 && within(num(d, 'machineCpuShare'), 0.5, 2)],
        // asyncio's default executor: min(32, cores + 4) threads; the cores cap it.
        ['lesson.offloaded', (d) => num(d, 'executorThreads') === 6 && num(d, 'cap') === 2 && d.uvPool === undefined],
      ],
      workers: (w) => w === 2 || w === 4,
    },
  },
  {
    name: 'Python: asyncio.to_thread of pure Python holds the GIL: processes, not asyncio',
    model: { language: 'python', isAsync: true, offloadMs: 30, computeMs: 0.2, gil: 'held', cores: 2 },
    truth: { kind: 'cpu-bound', executor: 'process', gil: 'held', offloadedCpu: true },
  },
  {
    name: 'mixed (half CPU, half waiting)',
    model: { computeMs: 10, waitMs: 10, isAsync: true, cores: 2 },
    truth: {
      kind: 'mixed',
      executor: 'thread',
      reasons: [['cpu.share', (d) => within(num(d, 'callCpuRatio'), 0.345, 0.655)], ['lesson.mixed']],
      workers: (w) => w === 4 || w === 8,
    },
  },
  {
    name: 'tiny tasks (30 µs)',
    model: { computeMs: 0.03, cores: 2 },
    truth: { kind: 'cpu-bound', executor: 'thread', tinyTasks: true, reasons: [['overhead.tiny', (d) => within(num(d, 'callMs'), 0.0195, 0.0395) && num(d, 'batchSize') > 1]] },
  },
  {
    name: 'Python pure-Python loop (GIL held)',
    model: { language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 },
    truth: {
      kind: 'cpu-bound',
      executor: 'process',
      gil: 'held',
      reasons: [['gil.held', (d) => num(d, 'threadSpeedup') < 2 && within(num(d, 'processSpeedup'), 1, 3) && num(d, 'processK') < 10]],
    },
  },
  {
    name: 'Python hashlib.pbkdf2_hmac (GIL released)',
    model: { language: 'python', computeMs: 20, gil: 'released', serializationMs: 0.05 },
    truth: { kind: 'cpu-bound', executor: 'thread', gil: 'released', reasons: [['gil.released', (d) => within(num(d, 'threadSpeedup'), 1, 3) && num(d, 'cores') === 2]] },
  },
  {
    name: 'Python free-threaded build',
    model: { language: 'python', computeMs: 20, gil: 'free-threaded' },
    truth: { kind: 'cpu-bound', executor: 'thread', gil: 'free-threaded', reasons: [['gil.free-threaded']] },
  },
  {
    name: 'Python time.sleep in a plain def',
    model: { language: 'python', blockMs: 50, computeMs: 0.05 },
    truth: { kind: 'io-bound', executor: 'thread', gil: 'not-applicable', reasons: [['shape', (d) => within(num(d, 'threadSpeedup'), 10, 100)], ['lesson.io-plain-def']] },
  },
  {
    name: 'Python async def with asyncio.sleep',
    model: { language: 'python', isAsync: true, waitMs: 50, computeMs: 0.05 },
    truth: { kind: 'io-bound', executor: 'async', gil: 'not-applicable', reasons: [['shape', (d) => within(num(d, 'asyncSpeedup'), 10, 1000)]] },
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
  assert.equal(v.findings?.length, v.reasons.length, `${where}: one sentence per finding`);
  for (const [code, ok] of t.reasons ?? []) {
    const f = findingOf(v.findings, code);
    assert.ok(!ok || ok(f.data), `${where}: ${code} data ${JSON.stringify(f.data)}`);
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
    const d = a.recommendation.data!;
    assert.equal(a.recommendation.code, 'rec.use');
    assert.equal(d.executor, 'thread');
    assert.ok(within(num(d, 'speedup'), 1.9, 2.05), String(d.speedup));
    // Processes tie with threads; the cheaper wins and the reason says so.
    assert.equal(d.altExecutor, 'process');
    assert.equal(d.altRelation, 'as-good-costlier');
  });

  it('says a costlier executor read higher but inside the noise, not that it did "about as well"', () => {
    // Processes read 25% higher with wide intervals that overlap: the cheaper threads win, and the words say why.
    const a = classify(synthesize({ computeMs: 20, cores: 2, noise: 0.25, seed: 3, executors: ['sequential', 'thread', 'process'], ladders: { thread: [2], process: [2] }, bias: { thread: 0.8 } }));
    const d = a.recommendation.data!;
    assert.equal(a.recommendation.executor, 'thread', a.recommendation.reason);
    assert.equal(d.altRelation, 'overlap-costlier', a.recommendation.reason);
    assert.match(a.recommendation.reason, /Child processes read higher \([\d.]+×\), but the two intervals overlap/);
  });

  it('does not call a cheaper runner-up "clearly lower" when its interval meets the answer\'s', () => {
    // 119 ms calls at 6 s, three and four calls a window: threads ×2 1.33× [1.06-1.69],
    // processes ×2 1.89× [1.53-2.38]. Threads trail by more than the tie zone, so
    // processes stand, but nothing here is clear.
    const input = synthesize({ computeMs: 119, cores: 2, noise: 0, seed: 1, executors: ['sequential', 'thread', 'process'], ladders: { thread: [2], process: [2] } });
    setReading(input, 'thread', 2, 1.33, [1.06, 1.69]);
    setReading(input, 'process', 2, 1.89, [1.53, 2.38]);
    const a = classify(input);
    assert.equal(a.recommendation.executor, 'process', a.recommendation.reason);
    assert.equal(a.recommendation.data!.altRelation, 'cheaper-lower');
    assert.doesNotMatch(a.recommendation.reason, /clearly lower/);
    assert.match(a.recommendation.reason, /Worker threads would cost less but read lower \(1\.33×\): the two intervals meet, but the cheaper one takes a tie only within 25% of the best/);
    // Apart beyond both intervals, it is clear.
    setReading(input, 'thread', 2, 1.3, [1.2, 1.4]);
    assert.match(classify(input).recommendation.reason, /Worker threads would cost less but measured clearly lower \(1\.3×\)/);
  });

  it('sizes batches so dispatch is under 5% of a batch', () => {
    const a = classify(synthesize({ computeMs: 0.03, cores: 2, noise: 0, seed: 1 }));
    // dispatch 50 µs, call 30 µs: 0.05 / (0.05 × 0.03) ≈ 34
    assert.ok(a.recommendation.batchSize! >= 30 && a.recommendation.batchSize! <= 36, String(a.recommendation.batchSize));
    assert.equal(a.recommendation.code, 'rec.batch');
    assert.equal(a.recommendation.data!.batchSize, a.recommendation.batchSize);
  });

  it('async far below one call at a time is what the calls wait on, not a wait that blocks the loop', () => {
    // asyncio.open_connection to a server with a listen backlog of 5: async ×64 read 0.05×
    // (dropped SYNs sent again a second later) beside threads ×8 at 6.6×. A wait that
    // blocks the loop gives about 1×, never this.
    for (const seed of SEEDS) {
      const input = synthesize({ language: 'python', isAsync: true, waitMs: 30, computeMs: 0.5, noise: 0.05, seed });
      input.runs = input.runs.map((r) =>
        r.executor === 'async' ? { ...r, throughputPerSec: r.throughputPerSec * 0.05 / r.speedup, speedup: 0.05, speedupCi: [0.01, 0.12] as [number, number] } : r,
      );
      const a = classify(input);
      const codes = (a.verdict.findings ?? []).map((f) => f.code);
      assert.equal(a.verdict.kind, 'io-bound', `seed ${seed}`);
      assert.ok(!codes.includes('lesson.blocking'), `seed ${seed}: ${codes.join(', ')}`);
      assert.ok(codes.includes('lesson.io-async-overloaded'), `seed ${seed}: ${codes.join(', ')}`);
      assert.notEqual(a.recommendation.executor, 'async', `seed ${seed}`);
    }
    // Lanes that did not all start (fewer calls than K) are a loop that blocked, however low it read.
    const few = synthesize({ language: 'python', isAsync: true, waitMs: 30, computeMs: 0.5, noise: 0.05, seed: 1 });
    few.runs = few.runs.map((r) => (r.executor === 'async' ? { ...r, tasks: Math.min(3, r.concurrency - 1), speedup: 0.3, speedupCi: [0.1, 0.6] as [number, number] } : r));
    assert.ok(!(classify(few).verdict.findings ?? []).some((f) => f.code === 'lesson.io-async-overloaded'));
    // A blocking wait still reads as one: async about 1×.
    const blocked = classify(synthesize({ language: 'python', isAsync: true, blockMs: 30, computeMs: 0.5, noise: 0.05, seed: 1 }));
    const codes = (blocked.verdict.findings ?? []).map((f) => f.code);
    assert.ok(codes.includes('lesson.blocking') && !codes.includes('lesson.io-async-overloaded'), codes.join(', '));
  });

  it('finds tiny tasks from the K = cores points when a short budget left no K = 1', () => {
    const ladders = { async: [2], thread: [2], process: [2] };
    for (const noise of NOISE_LEVELS) {
      const a = classify(synthesize({ computeMs: 0.03, cores: 2, ladders, noise, seed: 3 }));
      assert.equal(a.verdict.tinyTasks, true, `noise ${noise}`);
      assert.equal(a.recommendation.code, 'rec.batch');
      assert.equal(a.recommendation.executor, 'thread');
    }
    // Paced by its hand-offs, K = 2 reads the hand-off itself: the same batch as from K = 1.
    const a = classify(synthesize({ computeMs: 0.03, cores: 2, ladders, noise: 0, seed: 1 }));
    assert.ok(a.recommendation.batchSize! >= 30 && a.recommendation.batchSize! <= 36, String(a.recommendation.batchSize));
  });

  it('a K = 1 pool far slower than the loop is a tiny task even when its interval is wide (a busy baseline)', () => {
    // A busy local test run: thread ×1 read 0.021× of the loop, but sequential windows slowed by
    // other load stretched its interval up to 0.9×.
    const input = synthesize({ computeMs: 0.003, cores: 2, noise: 0, seed: 1 });
    for (const r of input.runs) if (r.executor !== 'sequential' && r.executor !== 'async') r.speedupCi = [r.speedup / 3, 0.9];
    const t1 = input.runs.find((r) => r.executor === 'thread' && r.concurrency === 1)!;
    assert.ok(t1.speedup < 0.1, `the case needs a pool far below the loop (${t1.speedup})`);
    const a = classify(input);
    assert.equal(a.verdict.tinyTasks, true);
    assert.equal(a.recommendation.code, 'rec.batch');
  });

  it('a longer call whose pool read slow at K = cores is not a tiny task', () => {
    // 30 ms calls, both pools at 0.4x: cold or loaded workers, not hand-offs.
    const a = classify(
      synthesize({ computeMs: 30, cores: 2, ladders: { async: [2], thread: [2], process: [2] }, bias: { thread: 0.2, process: 0.2 }, noise: 0, seed: 1 }),
    );
    assert.ok(!a.verdict.tinyTasks);
    assert.notEqual(a.recommendation.code, 'rec.batch');
    assert.equal(a.recommendation.executor, 'sequential');
  });

  it('a K = 1 pool whose calls themselves ran slower (more CPU inside each) is not paying for hand-offs', () => {
    // csv.reader over 40,000 lines: 17.5 ms a call in the loop; one process ran a task every
    // 22.3 ms, 1.8 ms more of it CPU inside the call. Same gap, same CPU: that is hand-off.
    const input = (extraCpuMs: number) => {
      const x = synthesize({ language: 'python', computeMs: 17.5, gil: 'held', ladders: { thread: [2], process: [1, 2] }, noise: 0, seed: 1 });
      const seq = x.runs.find((r) => r.executor === 'sequential')!;
      for (const r of x.runs) {
        if (r.executor !== 'process') continue;
        const one = r.concurrency === 1;
        r.throughputPerSec = one ? 1000 / 22.3 : (1000 / 17.5) * 1.02;
        r.speedup = r.throughputPerSec / seq.throughputPerSec;
        r.speedupCi = one ? [0.7, 0.78] : [0.99, 1.06];
        r.cpuMsPerTask = (seq.cpuMsPerTask ?? 17.5) + (one ? extraCpuMs : 0);
      }
      return x;
    };
    const slowerCalls = classify(input(1.8));
    assert.ok(!slowerCalls.verdict.tinyTasks, 'a 1.3 ms hand-off is not a quarter of a 17.5 ms call');
    assert.notEqual(slowerCalls.recommendation.code, 'rec.batch');
    assert.equal(slowerCalls.recommendation.executor, 'sequential', 'processes x2 at 1.02x [0.99-1.06] beat nothing');
    const handOff = classify(input(0));
    assert.equal(handOff.verdict.tinyTasks, true, 'a 4.8 ms hand-off is');
    assert.equal(handOff.recommendation.code, 'rec.batch');
  });

  it('tiny calls: a measured executor that can reach the batching estimate is the answer, with the estimate beside it', () => {
    // A 30 µs call, a third of it on the calling thread: pools lose per call; batches on
    // worker threads are estimated at 1.9×, and async measures what it measures.
    const input = (asyncCi: [number, number], cpuMs = 0.01) => {
      const x = synthesize({ computeMs: cpuMs, waitMs: 0.03 - cpuMs, cores: 2, ladders: { async: [8], thread: [1, 2], process: [1, 2] }, noise: 0, seed: 1 });
      const seq = x.runs.find((r) => r.executor === 'sequential')!;
      for (const r of x.runs) {
        if (r.executor !== 'async') continue;
        r.speedup = (asyncCi[0] + asyncCi[1]) / 2;
        r.speedupCi = asyncCi;
        r.throughputPerSec = seq.throughputPerSec * r.speedup;
      }
      return x;
    };
    const reaches = classify(input([2.0, 3.0]));
    assert.equal(reaches.verdict.tinyTasks, true);
    assert.equal(reaches.recommendation.code, 'rec.use');
    assert.equal(reaches.recommendation.executor, 'async');
    assert.equal(reaches.recommendation.data!.batchPool, 'thread');
    assert.match(reaches.recommendation.reason, /Batching \d+ calls per task on worker threads might give 1\.9×/);
    const short = classify(input([1.1, 1.3]));
    assert.equal(short.recommendation.code, 'rec.batch', 'an interval that stops short of the estimate leaves batching the answer');
    // Two thirds on the calling thread: one event loop gives at most 1.5×, whatever async read.
    const capped = classify(input([2.0, 3.0], 0.02));
    assert.equal(capped.recommendation.code, 'rec.batch', 'a reading past what physics allows does not outbid the estimate');
  });

  it('Python tiny GIL-held calls get processes with a chunksize', () => {
    const a = classify(synthesize({ language: 'python', computeMs: 0.05, gil: 'held', dispatchMs: { process: 0.3 }, noise: 0, seed: 1 }));
    assert.equal(a.verdict.gil, 'held');
    assert.equal(a.verdict.tinyTasks, true);
    assert.equal(a.recommendation.executor, 'process');
    assert.equal(a.recommendation.code, 'rec.batch');
    assert.equal(a.recommendation.data!.chunksize, 1);
  });

  it('says so when pickling eats the process gain', () => {
    for (const noise of NOISE_LEVELS) {
      const a = classify(
        synthesize({ language: 'python', computeMs: 2, gil: 'held', serializationMs: 3, serializationBytes: 4 * 1024 * 1024, noise, seed: 7 }),
      );
      assert.equal(a.verdict.gil, 'held');
      assert.ok(!a.verdict.tinyTasks);
      const f = findingOf(a.verdict.findings, 'overhead.serialization');
      assert.equal(f.data.serializationMs, 3);
      assert.equal(f.data.bytesPerTask, 4 * 1024 * 1024);
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
    assert.equal(a.recommendation.data!.cores, 2);
    assert.ok(Math.abs(num(a.recommendation.data!, 'waitOverCompute') - 1) < 0.005, String(a.recommendation.data!.waitOverCompute));
    assert.equal(a.recommendation.data!.formulaWorkers, 4);
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
    const bg = busy.caveats.find((c) => c.code === 'background-busy');
    assert.equal(bg?.level, 'warning');
    assert.deepEqual(bg?.data, { busyCores: 0.9, cores: 2, utilization: 0.45 });
    assert.equal(busy.caveats.find((c) => c.code === 'steal')?.data?.steal, 0.1);
    const err = failing.caveats.find((c) => c.code === 'run-errors' && c.data?.point === 'sequential:1');
    assert.ok(err, failing.caveats.map((c) => c.code).join(', '));
    assert.equal(err.data!.verb, 'threw');
    assert.equal(err.data!.sampleKind, 'TypeError');
    assert.ok(Math.abs(num(err.data!, 'count') / num(err.data!, 'attempted') - 0.1) < 0.02);
  });

  it('flags noisy points and few samples as caveats', () => {
    const a = classify(synthesize({ computeMs: 20, noise: 0.3, seed: 2 }));
    assert.ok(a.caveats.some((c) => c.code === 'noisy-points' && num(c.data!, 'count') > 0));
    const slow = classify(synthesize({ computeMs: 2000, noise: 0, seed: 2, windowMs: 4000 }));
    assert.ok(slow.caveats.some((c) => c.code === 'few-sequential-calls' && c.data!.tasks === 2), slow.caveats.map((c) => c.code).join(', '));
  });

  it('flags pools measured before they warmed up, and lowers the confidence', () => {
    const input = synthesize({ computeMs: 20, noise: 0, seed: 1 });
    const cs = (steadyCallMs: number, steady: boolean) => ({ firstCallMs: 120, steadyCallMs, workerStartMs: 40, warmupCalls: 4, warmupMs: 600, steady });
    const warm = classify({ ...input, coldStart: { sequential: cs(20, true), thread: cs(22, false), process: cs(60, true) } });
    assert.ok(!warm.caveats.some((c) => c.code === 'cold-pool'), 'a pool near the warm call, or one that settled, is not flagged');
    const coldInput = { ...input, coldStart: { sequential: cs(20, true), thread: cs(22, false), process: cs(60, false) } };
    const cold = classify(coldInput);
    const c = cold.caveats.find((x) => x.code === 'cold-pool');
    assert.deepEqual(c?.data, { executor: 'process', lastCallMs: 60, warmCallMs: 20, calls: 4 });
    assert.match(c!.message, /Child processes were measured before they had warmed up: after 4 warm-up calls each, a call still took 60 ms, against 20 ms/);
    assert.ok(cold.verdict.confidence < warm.verdict.confidence, `${cold.verdict.confidence} < ${warm.verdict.confidence}`);
  });

  it('a pool whose calls ran slower side by side from the first is not cold: warming up would not help (brotli, native code)', () => {
    const input = synthesize({ computeMs: 20, noise: 0, seed: 1 });
    const cs = (firstCallMs: number, steadyCallMs: number, steady: boolean, compiling?: boolean) => ({ firstCallMs, steadyCallMs, workerStartMs: 60, warmupCalls: 2, warmupMs: 1500, steady, ...(compiling ? { compiling } : {}) });
    // Alone 544 ms a call; two at once 634 ms, then 842 ms: the cap came with calls rising.
    const rising = classify({ ...input, coldStart: { sequential: cs(553, 544, false), thread: cs(634, 842, false), process: cs(824, 824, false) } });
    assert.ok(!rising.caveats.some((c) => c.code === 'cold-pool'), rising.caveats.map((c) => c.code).join(', '));
    assert.equal(rising.recommendation.data?.coldPools, undefined);
    // The same times while V8 still compiled (a recompile storm slows calls after the first) are cold.
    const compiling = classify({ ...input, coldStart: { sequential: cs(553, 544, false), thread: cs(634, 842, false, true), process: cs(824, 824, false) } });
    assert.deepEqual(compiling.caveats.filter((c) => c.code === 'cold-pool').map((c) => c.data?.executor), ['thread']);
    // Falling calls are cold, as before.
    const falling = classify({ ...input, coldStart: { sequential: cs(553, 544, false), thread: cs(1400, 842, false), process: cs(824, 824, false) } });
    assert.deepEqual(falling.caveats.filter((c) => c.code === 'cold-pool').map((c) => c.data?.executor), ['thread']);
  });

  it('a pool whose windows held hundreds of calls a worker is not cold, whatever its warm-up read (a 5 µs call)', () => {
    const input = synthesize({ computeMs: 0.005, cores: 2, ladders: { async: [2], thread: [2], process: [2] }, noise: 0, seed: 1 });
    const t = input.runs.find((r) => r.executor === 'thread')!;
    assert.ok(t.tasks >= 200, `the synthetic window held ${t.tasks} calls`);
    // Warm-up calls of 5-15 µs jitter past 1.5× on timer resolution alone.
    const cs = (steadyCallMs: number, steady: boolean) => ({ firstCallMs: 0.05, steadyCallMs, workerStartMs: 40, warmupCalls: 30, warmupMs: 1, steady });
    const a = classify({ ...input, coldStart: { sequential: cs(0.009, true), thread: cs(0.015, false), process: cs(0.031, false) } });
    assert.ok(!a.caveats.some((c) => c.code === 'cold-pool'), a.caveats.map((c) => c.code).join(', '));
    assert.equal(a.verdict.tinyTasks, true);
    assert.equal(a.recommendation.code, 'rec.batch');
  });

  it('pools measured cold: no "something else limits scaling", no fit or projection, and the answer says a longer budget measures them warm', () => {
    // A JIT-heavy parser at 3 s: both pools read under half the plain loop at K = 2, their
    // warm-up caps ended with calls at 9-14× the warm one.
    const input = synthesize({ computeMs: 20, noise: 0, seed: 1, bias: { thread: { 1: 0.9, 2: 0.25, 4: 0.25 }, process: { 1: 0.85, 2: 0.2, 4: 0.2 } } });
    const cs = (steadyCallMs: number, steady: boolean) => ({ firstCallMs: 420, steadyCallMs, workerStartMs: 90, warmupCalls: 4, warmupMs: 620, steady });
    const warm = classify({ ...input, coldStart: { sequential: cs(23, true), thread: cs(25, true), process: cs(26, true) } });
    const cold = classify({ ...input, coldStart: { sequential: cs(23, true), thread: cs(214, false), process: cs(325, false) } });
    for (const a of [warm, cold]) assert.equal(a.recommendation.executor, 'sequential');
    const codes = (a: Analysis) => (a.verdict.findings ?? []).map((r) => r.code);
    assert.ok(codes(warm).includes('doubt.no-scaling'), codes(warm).join(', '));
    assert.ok(!codes(cold).includes('doubt.no-scaling'), codes(cold).join(', '));
    const doubt = findingOf(cold.verdict.findings, 'doubt.pools-cold');
    const doubtText = cold.verdict.reasons[(cold.verdict.findings ?? []).indexOf(doubt)];
    assert.equal(doubt.data?.pools, 'thread,process');
    assert.match(doubtText, /worker threads and child processes gave at most [\d.]+× while their workers were still warming up \(see the caveats\)/);
    assert.equal(cold.recommendation.data?.coldPools, 'thread,process');
    assert.match(cold.recommendation.reason, /Worker threads and child processes were measured before their workers had warmed up, so they may do better than they read: a longer --budget measures them warm\./);
    assert.ok(!/warmed up/.test(warm.recommendation.reason));
    for (const pool of ['thread', 'process'] as const) {
      const fit = cold.scaling.find((f) => f.executor === pool)!;
      assert.equal(fit.fitted, false);
      assert.equal(fit.cold, true);
      assert.deepEqual(fit.projections, []);
      assert.equal(warm.scaling.find((f) => f.executor === pool)!.fitted, true);
    }
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
    const err = a.caveats.find((c) => c.code === 'run-errors' && c.data?.point === 'process:1');
    assert.ok(err);
    assert.equal(err.data!.verb, 'failed');
    assert.equal(err.data!.count, err.data!.attempted);
    assert.equal(err.data!.excluded, 1);
  });

  it('without per-call CPU time, falls back to machine load and says so', () => {
    const input = synthesize({ computeMs: 20, noise: 0.05, seed: 4 });
    for (const r of input.runs) r.cpuRatio = null;
    input.probe.cpuMs = null;
    const a = classify(input);
    assert.equal(a.verdict.kind, 'cpu-bound');
    assert.equal(a.verdict.findings![0].code, 'cpu.machine-only');
    assert.ok(a.caveats.some((c) => c.code === 'no-cpu-time'));
  });

  it('only a sequential run: recommends staying sequential, honestly', () => {
    const input = synthesize({ computeMs: 20, noise: 0, seed: 1, executors: ['sequential'] });
    const a = classify(input);
    assert.equal(a.recommendation.executor, 'sequential');
    assert.equal(a.recommendation.workers, 1);
    assert.equal(a.recommendation.code, 'rec.only-sequential');
  });
});
