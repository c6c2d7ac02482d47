// Pools are kept for the whole ladder and only grow: the workers of a point at K = 2
// are still there at K = 4 (warm, their code compiled), and only new workers warm up.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Executor, ExecutorLimits, PointRequest, PointSamples, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { profile } from '../../src/engine/profile';

const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 1 << 20 };
const WARMUP = { steadyCalls: 3, tolerance: 0.5, maxCalls: 8, maxMs: 1000 };

function request(concurrency: number): PointRequest {
  return { concurrency, durationMs: 400, minTasks: 8, warmupMs: 0, taskIndexStart: 1, maxErrors: 50, signal: new AbortController().signal, warmup: WARMUP };
}

/** The distinct workers that printed during a point. */
function workersOf(s: PointSamples): Set<string> {
  return new Set([...(s.output?.stdout ?? '').matchAll(/^worker (\d+:\d+)$/gm)].map((m) => m[1]));
}

const CASES = [
  { name: 'JS worker threads', file: 'who.js', kind: 'thread' as const },
  { name: 'JS child processes', file: 'who.js', kind: 'process' as const },
  { name: 'Python processes', file: 'who.py', kind: 'process' as const },
];

describe('warm, persistent pools', function () {
  this.timeout(120_000);

  for (const c of CASES) {
    it(`${c.name}: K = 2 then K = 4 keeps the first workers; only the new ones warm up`, async () => {
      const file = join(packageRoot(), 'test', 'fixtures', 'warm', c.file);
      const opts = { file, functionName: 'who', args: ['$i'] };
      const rt: TargetRuntime = c.file.endsWith('.py') ? await createPythonRuntime(opts, LIMITS) : await createJsRuntime(opts, LIMITS);
      const ex: Executor = rt.createExecutor(c.kind);
      try {
        const two = await ex.runPoint(request(2));
        const four = await ex.runPoint(request(4));
        const again = await ex.runPoint(request(2));
        const a = workersOf(two);
        const b = workersOf(four);
        assert.ok(a.size >= 1 && a.size <= 2, `K=2 ran on ${[...a].join(', ')}`);
        assert.ok(b.size >= 3, `K=4 ran on ${b.size} workers`);
        // The pool grows in place: every K=2 worker is among the K=4 ones.
        for (const w of a) assert.ok(b.has(w), `${w} was kept from K=2 to K=4 (${[...b].join(', ')})`);
        // Going back down never rebuilds the pool: K=2 runs on workers of the K=4 point.
        for (const w of workersOf(again)) assert.ok(b.has(w), `${w} at K=2 again is one of the K=4 workers`);
        // Cold start is the first workers' figure, reported once per executor.
        assert.ok(two.coldStart && two.coldStart.warmupCalls >= 1, 'the first point warmed its workers up');
        assert.equal(four.coldStart, undefined);
        assert.equal(again.coldStart, undefined);
      } finally {
        await ex.dispose();
        await rt.dispose();
      }
    });
  }
  for (const file of ['waits.js', 'waits.py']) {
    it(`${file}: a slow call that mostly waits makes one warm-up call per worker, its setup (the probe's on the sequential worker), and the report says why`, async () => {
      // 300 ms calls (350 ms the first) at 3 s: three would take 0.9 s, past the 450 ms
      // cap, so steady could never show.
      const r = await profile({ file: join(packageRoot(), 'test/fixtures/warm', file), functionName: 'wait', args: [300], budgetMs: 3000, executors: ['sequential', 'thread'] });
      assert.equal(r.warmup?.maxCalls, 1, JSON.stringify(r.warmup));
      for (const kind of ['sequential', 'thread'] as const) {
        const c = r.coldStart?.[kind];
        assert.ok(c, `${kind} has a cold start: ${JSON.stringify(r.coldStart)}`);
        assert.equal(c.warmupCalls, 1, `${kind}: ${JSON.stringify(c)}`);
        assert.equal(c.setupOnly, true, `${kind}: ${JSON.stringify(c)}`);
      }
      // The sequential worker ran the probe, and that call (350 ms, with its setup) was
      // its warm-up: no second one, which would have taken 300 ms.
      assert.ok(r.probe.wallMs >= 340, `probe ${r.probe.wallMs} ms`);
      assert.ok(Math.abs((r.coldStart?.sequential?.firstCallMs ?? NaN) - r.probe.wallMs) < 5, `probe ${r.probe.wallMs} ms, warm-up ${JSON.stringify(r.coldStart?.sequential)}`);
      assert.equal(r.verdict.kind, 'io-bound');
    });
  }

  it("Python threads: each new thread warms up on itself, so a thread's own setup never lands in a window", async () => {
    // thread_local.py builds a connection on each thread's first call (300 ms), then
    // takes 10 ms a call. Warming only the harness's main thread left every new pool
    // thread's setup among the counted calls.
    const file = join(packageRoot(), 'test', 'fixtures', 'warm', 'thread_local.py');
    const rt = await createPythonRuntime({ file, functionName: 'query', args: ['$i'] }, LIMITS);
    const ex = rt.createExecutor('thread');
    try {
      for (const k of [2, 4]) {
        const s = await ex.runPoint(request(k));
        const slowest = Math.max(...s.taskEndMs.map((end, i) => end - s.taskStartMs[i]));
        assert.ok(s.taskEndMs.length >= 8, `K=${k}: ${s.taskEndMs.length} counted calls`);
        assert.ok(slowest < 200, `K=${k}: a counted call took ${Math.round(slowest)} ms: a thread's 300 ms setup was measured`);
        if (k === 2) assert.ok(s.coldStart && s.coldStart.firstCallMs !== null && s.coldStart.firstCallMs >= 290, `the setup was in the warm-up (first call ${s.coldStart?.firstCallMs} ms)`);
      }
    } finally {
      await ex.dispose();
      await rt.dispose();
    }
  });

  it('JS: the probe, the sequential and the async points share one warm event-loop thread', async () => {
    const file = join(packageRoot(), 'test', 'fixtures', 'warm', 'who.js');
    const rt = await createJsRuntime({ file, functionName: 'who', args: ['$i'] }, LIMITS);
    const seq = rt.createExecutor('sequential');
    const asy = rt.createExecutor('async');
    try {
      const probe = await rt.probe(new AbortController().signal);
      assert.equal(probe.error, undefined);
      const one = await seq.runPoint(request(1));
      const many = await asy.runPoint(request(4));
      const threads = new Set([...workersOf(one), ...workersOf(many)]);
      assert.equal(threads.size, 1, `one thread ran both points: ${[...threads].join(', ')}`);
      // The thread was warmed once, and its first call was the probe's.
      assert.ok(one.coldStart && one.coldStart.warmupCalls >= 2, 'the sequential point warmed the thread up');
      assert.equal(one.coldStart.firstCallMs, probe.wallMs);
      assert.deepEqual(many.coldStart, one.coldStart, "async reports the same thread's cold start and warms nothing");
    } finally {
      await seq.dispose();
      await asy.dispose();
      await rt.dispose();
    }
  });

  for (const kind of ['sequential', 'thread'] as const) {
    it(`JS ${kind}: warm-up goes on while V8 still compiles the function, however alike its call times`, async () => {
      // compiles.js adds ~64 kB of machine code on each of its first 8 calls, each taking
      // about the same time; then it runs ~5x faster and adds none. By time alone warm-up
      // stopped after three calls.
      const file = join(packageRoot(), 'test', 'fixtures', 'warm', 'compiles.js');
      const rt = await createJsRuntime({ file, functionName: 'compiles', args: [] }, LIMITS);
      const ex = rt.createExecutor(kind);
      try {
        const s = await ex.runPoint({ ...request(kind === 'thread' ? 2 : 1), warmup: { steadyCalls: 3, tolerance: 0.5, maxCalls: 20, maxMs: 20_000 } });
        const c = s.coldStart;
        assert.ok(c && c.warmupCalls >= 11, `warm-up made ${c?.warmupCalls} calls: 8 compiling, then 3 that compiled nothing`);
        assert.ok(c.steady && !c.compiling, 'settled');
        assert.ok(c.firstCallMs !== null && c.steadyCallMs !== null && c.steadyCallMs < c.firstCallMs / 2, `steady ${c.steadyCallMs} ms against a first call of ${c.firstCallMs} ms`);
      } finally {
        await ex.dispose();
        await rt.dispose();
      }
    });
  }

  const capCases = [
    // A cap of one call, and as short a cap while compiling: still compiling at the end.
    { name: 'a cap that ends while V8 still compiles says so', compilingMaxMs: 1, settles: false },
    // The plain cap ends after one call; the compiling cap lets it run until settled.
    { name: 'the longer cap while V8 compiles lets warm-up settle', compilingMaxMs: 20_000, settles: true },
  ];
  for (const c of capCases) {
    it(`JS: ${c.name}`, async () => {
      const file = join(packageRoot(), 'test', 'fixtures', 'warm', 'compiles.js');
      const rt = await createJsRuntime({ file, functionName: 'compiles', args: [] }, LIMITS);
      const ex = rt.createExecutor('sequential');
      try {
        const s = await ex.runPoint({ ...request(1), warmup: { steadyCalls: 3, tolerance: 0.5, maxCalls: 20, maxMs: 1, compilingMaxMs: c.compilingMaxMs } });
        const cold = s.coldStart;
        assert.ok(cold, 'a cold start');
        if (c.settles) assert.ok(cold.warmupCalls >= 11 && cold.steady && !cold.compiling, JSON.stringify(cold));
        else assert.ok(!cold.steady && cold.compiling, JSON.stringify(cold));
      } finally {
        await ex.dispose();
        await rt.dispose();
      }
    });
  }

  it("JS child processes: each warm-up call gets the event-loop turn a child's call gets", async () => {
    // turns.js is slow only when called again before the loop turned. A child's calls
    // each arrive as an IPC message; warmed back to back, every call after the first
    // read 30 ms. V8 also runs part of its upkeep as tasks on that loop (lib/warmup.ts).
    const file = join(packageRoot(), 'test', 'fixtures', 'warm', 'turns.js');
    const rt = await createJsRuntime({ file, functionName: 'turns', args: [] }, LIMITS);
    const ex = rt.createExecutor('process');
    try {
      const s = await ex.runPoint({ ...request(2), warmup: { steadyCalls: 3, tolerance: 0.5, maxCalls: 6, maxMs: 2000 } });
      assert.ok(s.coldStart && s.coldStart.warmupCalls >= 3, `warm-up made ${s.coldStart?.warmupCalls} calls`);
      assert.ok(s.coldStart.steadyCallMs !== null && s.coldStart.steadyCallMs < 15, `steady warm-up call ${s.coldStart.steadyCallMs} ms (30 ms: no turn between calls)`);
    } finally {
      await ex.dispose();
      await rt.dispose();
    }
  });
});
