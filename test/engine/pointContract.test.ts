// One contract, every runtime: the same cases run through JS and Python and every
// executor each offers, on real pools, threads, children and interpreters. The numbers
// both sides must agree on live in python/point_contract.json (pointContract.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ExecutorLimits, PointRequest, PointSamples, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import { FULL_WINDOW_CALLS, MAX_DISTINCT_ERRORS, OTHER_ERRORS_MESSAGE } from '../../src/shared/pointContract';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import type { ExecutorKind } from '../../src/shared/report';

const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 1000 };
const LANGUAGES = [
  { name: 'JavaScript', file: 'contract.js' },
  { name: 'Python', file: 'contract.py' },
] as const;

function request(concurrency: number, over: Partial<PointRequest> = {}): PointRequest {
  return { concurrency, durationMs: 300, minTasks: 1, warmupMs: 0, taskIndexStart: 7, maxErrors: 50, signal: new AbortController().signal, ...over };
}

async function open(file: string, functionName: string, args: unknown[], limits: Partial<ExecutorLimits> = {}): Promise<TargetRuntime> {
  const path = join(packageRoot(), 'test', 'fixtures', 'contract', file);
  const opts = { file: path, functionName, args };
  const all = { ...LIMITS, ...limits };
  return file.endsWith('.py') ? createPythonRuntime(opts, all) : createJsRuntime(opts, all);
}

/** Runs one point of `kind` on a fresh executor; K = 2 for the concurrent ones. */
async function point(rt: TargetRuntime, kind: ExecutorKind, over: Partial<PointRequest> = {}): Promise<PointSamples> {
  const ex = rt.createExecutor(kind);
  try {
    return await ex.runPoint(request(kind === 'sequential' ? 1 : 2, over));
  } finally {
    await ex.dispose();
  }
}

/** Every executor of the runtime, with the runtime disposed after. */
async function eachExecutor(file: string, fn: string, args: unknown[], body: (kind: ExecutorKind, rt: TargetRuntime) => Promise<void>, limits?: Partial<ExecutorLimits>) {
  const rt = await open(file, fn, args, limits);
  try {
    for (const kind of rt.executorKinds()) await body(kind, rt);
  } finally {
    await rt.dispose();
  }
}

for (const lang of LANGUAGES) {
  describe(`point contract: ${lang.name}`, function () {
    this.timeout(120_000);

    it('"$i" is the task index, alone or inside a string, counting from taskIndexStart', async () => {
      await eachExecutor(lang.file, 'label', ['user-$i', '$i'], async (kind, rt) => {
        const s = await point(rt, kind, { maxErrors: 4 });
        assert.ok(s.errors.length > 0, `${kind}: failures were tallied`);
        for (const e of s.errors) {
          const m = /^got user-(\d+)\/(\d+)$/.exec(e.message);
          assert.ok(m, `${kind}: ${e.message}`);
          assert.equal(m[1], m[2], `${kind}: one index per call`);
          // Warm-up calls and the probe use index 0; counted calls start at taskIndexStart.
          assert.ok(Number(m[1]) === 0 || Number(m[1]) >= 7, `${kind}: index ${m[1]}`);
        }
      });
    });

    it(`the error tally keeps ${MAX_DISTINCT_ERRORS} distinct errors and folds the rest, counting them all`, async () => {
      await eachExecutor(lang.file, 'distinct', ['$i'], async (kind, rt) => {
        const s = await point(rt, kind, { maxErrors: 30, durationMs: 2000 });
        const failed = s.taskOk.filter((ok) => !ok).length;
        const named = s.errors.filter((e) => e.message !== OTHER_ERRORS_MESSAGE);
        const other = s.errors.find((e) => e.message === OTHER_ERRORS_MESSAGE);
        assert.equal(named.length, MAX_DISTINCT_ERRORS, `${kind}: ${s.errors.length} samples`);
        assert.ok(other && other.count > 0, `${kind}: the rest are folded, not dropped`);
        assert.ok(named.every((e) => /^record \d+ has no id$/.test(e.message)), kind);
        const tallied = s.errors.reduce((n, e) => n + e.count, 0);
        assert.ok(tallied >= failed, `${kind}: ${tallied} tallied for ${failed} counted failures`);
      });
    });

    it('stops launching once maxErrors counted calls have failed', async () => {
      await eachExecutor(lang.file, 'distinct', ['$i'], async (kind, rt) => {
        const s = await point(rt, kind, { maxErrors: 5, durationMs: 5000 });
        const failed = s.taskOk.filter((ok) => !ok).length;
        // Calls already in flight when the fifth failed still finish: at most K more.
        assert.ok(failed >= 5 && failed <= 5 + 2, `${kind}: ${failed} failed`);
        assert.ok(s.endMs - s.startMs < 4000, `${kind}: it did not run out its window`);
      });
    });

    it('kills a call past the per-call timeout and reports it in the same words', async () => {
      await eachExecutor(
        lang.file,
        'hang',
        [],
        async (kind, rt) => {
          const s = await point(rt, kind, { maxErrors: 1, durationMs: 200 });
          const timeout = s.errors.find((e) => e.kind === 'timeout');
          assert.ok(timeout, `${kind}: ${JSON.stringify(s.errors)}`);
          assert.match(timeout.message, /^timed out after 1 s\b/, kind);
        },
        { callTimeoutMs: 1000 },
      );
    });

    it('keeps at most maxOutputBytes of what the function prints, and says it cut', async () => {
      await eachExecutor(lang.file, 'shout', ['$i'], async (kind, rt) => {
        const s = await point(rt, kind, { durationMs: 200 });
        assert.ok(s.output, `${kind}: output captured`);
        assert.equal(s.output.truncated, true, kind);
        assert.ok(s.output.stdout.length <= LIMITS.maxOutputBytes, `${kind}: kept ${s.output.stdout.length} chars`);
        assert.match(s.output.stdout, /: x{100}/, kind);
      });
    });

    it('warms new workers up before the window and reports their cold start', async () => {
      const warmup = { steadyCalls: 3, tolerance: 0.5, maxCalls: 12, maxMs: 2000 };
      await eachExecutor(lang.file, 'steady', [1], async (kind, rt) => {
        const s = await point(rt, kind, { warmup });
        const c = s.coldStart;
        assert.ok(c, `${kind}: no cold-start figures`);
        assert.ok(c.warmupCalls >= 1 && c.warmupCalls <= warmup.maxCalls, `${kind}: ${c.warmupCalls} warm-up calls`);
        assert.ok(c.firstCallMs != null && c.firstCallMs > 0, `${kind}: first call ${c.firstCallMs}`);
        assert.ok(c.steadyCallMs != null && c.steadyCallMs > 0, `${kind}: steady call ${c.steadyCallMs}`);
        assert.ok(c.workerStartMs != null && c.workerStartMs >= 0, `${kind}: worker start ${c.workerStartMs}`);
        assert.ok(s.taskOk.length > 0 && s.taskOk.every(Boolean), `${kind}: the window still ran`);
      });
    });

    it(`keeps a window short of ${FULL_WINDOW_CALLS} calls open until windowUntilMs, and never shorter than durationMs`, async () => {
      await eachExecutor(lang.file, 'busy', [25], async (kind, rt) => {
        const until = Date.now() + 900;
        const s = await point(rt, kind, { durationMs: 100, windowUntilMs: until });
        const lastStart = Math.max(...s.taskStartMs);
        assert.ok(s.taskStartMs.length < FULL_WINDOW_CALLS, `${kind}: ${s.taskStartMs.length} calls`);
        assert.ok(lastStart >= until - 100, `${kind}: last call started ${Math.round(until - lastStart)} ms before windowUntilMs`);
        const past = await point(rt, kind, { durationMs: 300, windowUntilMs: Date.now() - 1000 });
        assert.ok(Math.max(...past.taskStartMs) - past.startMs >= 250, `${kind}: a windowUntilMs already past shortened the window`);
      });
    });

    it(`closes a window held open once it has ${FULL_WINDOW_CALLS} calls`, async () => {
      await eachExecutor(lang.file, 'steady', [1], async (kind, rt) => {
        const until = Date.now() + 3000;
        const s = await point(rt, kind, { durationMs: 100, windowUntilMs: until });
        assert.ok(s.taskStartMs.length >= FULL_WINDOW_CALLS, `${kind}: ${s.taskStartMs.length} calls`);
        assert.ok(Math.max(...s.taskStartMs) < until - 1500, `${kind}: the window ran on to ${Math.round(until - Math.max(...s.taskStartMs))} ms before windowUntilMs`);
      });
    });
  });
}
