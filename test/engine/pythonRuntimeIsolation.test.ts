// The Python runtime's isolation and clean-up against the real python3: what the function
// prints never corrupts results and is capped, sys.path, unsaved text, call timeouts,
// abort, and no python process left after dispose.
import * as assert from 'node:assert/strict';
import { ONE_CALL, type Executor } from '../../src/engine/executorTypes';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { FIX, fx, harnessGroups, LIMITS, livePidsInGroups, point, rejects, withRuntime } from './pythonRuntimeSupport';

describe('python runtime: isolation and clean-up', function () {
  this.timeout(60_000);

  it("prints (stdout, stderr, raw fd 1, fake protocol lines) never corrupt results; __main__ doesn't run", async () => {
    await withRuntime('noisy.py', 'chatty', ['$i'], async (rt) => {
      const probe = await rt.probe(new AbortController().signal);
      assert.equal(probe.error, undefined);
      assert.match(probe.output?.stdout ?? '', /imported noisy/);
      for (const kind of ['sequential', 'thread', 'process'] as const) {
        const s = await point(rt, kind, 2, 250);
        assert.equal(s.errors.length, 0, kind);
        assert.ok(s.taskOk.length > 1 && s.taskOk.every(Boolean), kind);
        // The fake "tasks" line printed by the function must not have become a sample.
        assert.ok(s.taskStartMs.every((t) => t > 1e12), kind);
        assert.match(s.output?.stdout ?? '', /raw fd write/, kind);
        assert.match(s.output?.stderr ?? '', /call \d+/, kind);
        assert.doesNotMatch(s.output?.stderr ?? '', /__main__ block/);
      }
    }, { ...LIMITS, maxOutputBytes: 16 * 1024 * 1024 });
  });

  it('caps captured output at maxOutputBytes', async () => {
    await withRuntime('noisy.py', 'chatty', ['$i'], async (rt) => {
      await rt.probe(new AbortController().signal);
      const s = await point(rt, 'sequential', 1, 300);
      const o = s.output!;
      assert.ok(o.truncated);
      assert.ok(Buffer.byteLength(o.stdout) <= 512 && Buffer.byteLength(o.stderr) <= 512, 'each stream is capped on its own');
    }, { ...LIMITS, maxOutputBytes: 512 });
  });

  it('puts the workspace root on sys.path, in pool processes too', async () => {
    const rt = await createPythonRuntime({ file: fx('pkg/uses_root.py'), functionName: 'scaled_by_root', args: [2], workspaceRoot: FIX }, LIMITS);
    try {
      const probe = await rt.probe(new AbortController().signal);
      assert.equal(probe.error, undefined);
      const s = await point(rt, 'process', 2, 200);
      assert.equal(s.errors.length, 0, JSON.stringify(s.errors));
    } finally {
      await rt.dispose();
    }
  });

  it('profiles unsaved source text, naming the user file in tracebacks', async () => {
    const file = fx('sleepy.py');
    const text = 'import helper_mod\n\n\ndef draft(i):\n    raise RuntimeError("draft %d" % (i * helper_mod.SCALE))\n';
    const rt = await createPythonRuntime({ file, functionName: 'draft', args: [2], sourceText: text }, LIMITS);
    try {
      assert.ok(rt.target.tempDir);
      const probe = await rt.probe(new AbortController().signal);
      assert.equal(probe.error?.message, 'draft 6');
      assert.match(probe.error!.stack!, /sleepy\.py", line 5, in draft\n\s+raise RuntimeError/);
    } finally {
      await rt.dispose();
    }
  });

  it('a call past callTimeoutMs is killed and reported as a timeout; the next point starts afresh', async () => {
    await withRuntime(
      'hangs.py',
      'quick_then_stuck',
      ['$i'],
      async (rt) => {
        const ex: Executor = rt.createExecutor('thread');
        try {
          const t0 = Date.now();
          const s = await ex.runPoint({
            concurrency: 2,
            durationMs: 5000,
            minTasks: 1,
            warmupMs: 0,
            taskIndexStart: 0,
            maxErrors: 10,
            signal: new AbortController().signal,
          });
          assert.ok(Date.now() - t0 < 4000, 'killed near the 700 ms limit');
          const timeout = s.errors.find((e) => e.kind === 'timeout');
          assert.ok(timeout, JSON.stringify(s.errors));
          assert.match(timeout.message, /^timed out after 0\.7 s/);
          assert.ok(s.taskOk.filter(Boolean).length >= 3, 'the quick calls before it were kept');
          const again = await ex.runPoint({ ...ONE_CALL, signal: new AbortController().signal });
          assert.deepEqual(again.taskOk, [true]);
        } finally {
          await ex.dispose();
        }
      },
      { ...LIMITS, callTimeoutMs: 700 },
    );
  });

  it('abort kills the process group at once, rejects with cancelled, and leaves no python processes', async () => {
    const before = harnessGroups();
    await withRuntime('hangs.py', 'forever', [], async (rt) => {
      const ac = new AbortController();
      const ex = rt.createExecutor('process');
      const run = ex.runPoint({ concurrency: 2, durationMs: 10_000, minTasks: 1, warmupMs: 0, taskIndexStart: 0, maxErrors: 1, signal: ac.signal });
      await new Promise((r) => setTimeout(r, 800));
      const ours = new Set([...harnessGroups()].filter((g) => !before.has(g)));
      assert.ok(ours.size >= 1, 'a harness was running');
      assert.ok(livePidsInGroups(ours).length >= 3, 'harness plus pool workers');
      const t0 = Date.now();
      ac.abort();
      const e = await rejects(run);
      assert.equal(e.code, 'cancelled');
      assert.ok(Date.now() - t0 < 1500, `abort took ${Date.now() - t0} ms`);
      await rt.dispose();
      assert.deepEqual(livePidsInGroups(ours), []);
    });
  });

  it('dispose leaves zero python processes after thread and process pools ran', async () => {
    const before = harnessGroups();
    const rt = await createPythonRuntime({ file: fx('sleepy.py'), functionName: 'nap', args: [5] }, LIMITS);
    const ex1 = rt.createExecutor('process');
    const ex2 = rt.createExecutor('thread');
    const req = { concurrency: 3, durationMs: 200, minTasks: 1, warmupMs: 0, taskIndexStart: 0, maxErrors: 1, signal: new AbortController().signal };
    await ex1.runPoint(req);
    await ex2.runPoint(req);
    const ours = new Set([...harnessGroups()].filter((g) => !before.has(g)));
    assert.ok(livePidsInGroups(ours).length >= 4);
    await rt.dispose();
    assert.deepEqual(livePidsInGroups(ours), []);
  });
});
