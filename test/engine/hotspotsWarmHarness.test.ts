// The Python hot-spot pass in the sequential executor's warm harness (the `hotspots`
// command of `harness.py serve`): once that harness has the function imported, the pass
// runs there instead of starting and importing in a fresh `python hotspots.py`, finds the
// same hot spots, and a call that blocks past the call timeout during the pass ends that
// harness with a clear reason, after which the next sequential point runs on a fresh
// one. Without such a harness the fresh process runs the pass as before. Real python3
// processes throughout; the fixture logs each import of itself, so a pass that started
// an interpreter of its own shows as one more line.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Executor, ExecutorLimits, HotspotRequest, PointSamples, TargetRuntime } from '../../src/engine/executorTypes';
import { packageRoot } from '../../src/engine/paths';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import type { Hotspot } from '../../src/shared/report';

const file = path.join(packageRoot(), 'test/fixtures/hotspots/import_counted.py');
const limits: ExecutorLimits = { callTimeoutMs: 30_000, memoryLimitMb: 512, maxOutputBytes: 4096 };
const pass: HotspotRequest = { durationMs: 400, maxCalls: 100_000, taskIndexStart: 100 };
const signal = new AbortController().signal;

function sequentialPoint(ex: Executor, taskIndexStart: number): Promise<PointSamples> {
  return ex.runPoint({ concurrency: 1, durationMs: 200, minTasks: 2, warmupMs: 0, taskIndexStart, maxErrors: 20, signal });
}

function assertBurnOnTop(hotspots: Hotspot[], note: string): void {
  const shown = JSON.stringify(hotspots) + ' / ' + note;
  const burn = hotspots.slice(0, 3).find((h) => h.function === 'burn');
  assert.ok(burn, shown);
  assert.equal(burn.file, file, shown);
  assert.equal(burn.line, 18, shown);
  assert.equal(burn.hotLine, 21, shown);
  assert.equal(burn.origin, 'user', shown);
  assert.ok(burn.selfShare > 0.5, shown);
  assert.ok(hotspots.every((h) => !/python[\\/](harness\w*|hotspots)\.py/.test(h.file)), `no harness frames: ${shown}`);
}

describe('Python hot spots in the warm sequential harness', function () {
  this.timeout(60_000);
  let dir: string;
  const imports = () => (existsSync(path.join(dir, 'imports')) ? readFileSync(path.join(dir, 'imports'), 'utf8').split('\n').filter(Boolean).length : 0);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wp-py-hotspots-'));
    process.env.WORKLOAD_TEST_IMPORT_LOG = path.join(dir, 'imports');
  });
  afterEach(() => {
    delete process.env.WORKLOAD_TEST_IMPORT_LOG;
    rmSync(dir, { recursive: true, force: true });
  });

  async function withRuntime(functionName: string, body: (rt: TargetRuntime) => Promise<void>, lim = limits): Promise<void> {
    const rt = await createPythonRuntime({ file, functionName, args: ['$i'] }, lim);
    try {
      await body(rt);
    } finally {
      await rt.dispose();
    }
  }

  it('runs in the harness the probe and the sequential point used: no new import, the hot helper on top', () =>
    withRuntime('work', async (rt) => {
      assert.equal((await rt.probe(signal)).error, undefined);
      const seq = rt.createExecutor('sequential');
      await sequentialPoint(seq, 1);
      const before = imports();
      const r = await rt.hotspots!(pass, signal);
      assert.equal(imports(), before, `the pass imported the module again (${before} imports before, ${imports()} after)`);
      assertBurnOnTop(r.hotspots, r.note);
      assert.ok(r.calls >= 1 && r.wallMs > 0 && r.cpuMs! > 0, JSON.stringify(r));
      assert.match(r.note, /separate pass that no measured point includes/);
      // The harness goes on measuring after the pass, unprofiled.
      const after = await sequentialPoint(seq, 100 + r.calls);
      assert.ok(after.taskOk.length > 0 && after.taskOk.every(Boolean), JSON.stringify(after.errors));
      assert.equal(imports(), before, 'the point after the pass ran in the same harness');
    }));

  it('async def: the pass runs on the event loop the points ran on and finds the await line', () =>
    withRuntime('awaits', async (rt) => {
      await rt.probe(signal);
      await sequentialPoint(rt.createExecutor('sequential'), 1);
      const before = imports();
      const r = await rt.hotspots!(pass, signal);
      assert.equal(imports(), before, 'the pass imported the module again');
      const shown = JSON.stringify(r.waits) + ' / ' + r.note;
      // The fixture fails on any loop but its first call's: a loop of the pass's own would show here.
      assert.doesNotMatch(r.note, /failed/, shown);
      assert.equal(r.waits?.[0]?.file, file, shown);
      assert.equal(r.waits?.[0]?.line, 45, shown);
      assert.ok(r.waits[0].waitShare > 0.5, shown);
    }));

  it('without a live sequential harness the pass runs in a process of its own, as before', () =>
    withRuntime('work', async (rt) => {
      // A thread executor's harness is warm too, but only the sequential one's is used.
      const threads = rt.createExecutor('thread');
      await threads.runPoint({ concurrency: 2, durationMs: 100, minTasks: 2, warmupMs: 0, taskIndexStart: 1, maxErrors: 20, signal });
      const before = imports();
      const r = await rt.hotspots!(pass, signal);
      assert.equal(imports(), before + 1, 'the pass started a python hotspots.py of its own');
      assertBurnOnTop(r.hotspots, r.note);
      // A sequential executor that is gone leaves the fresh process to it too.
      const seq = rt.createExecutor('sequential');
      await sequentialPoint(seq, 1);
      await seq.dispose();
      const again = await rt.hotspots!(pass, signal);
      assert.equal(imports(), before + 3, 'the sequential point imported once, the pass once more');
      assertBurnOnTop(again.hotspots, again.note);
    }));

  it('the fresh process finds a "Class.method" as the harness does', async () => {
    const methods = path.join(packageRoot(), 'test/fixtures/python/shapes_methods.py');
    const rt = await createPythonRuntime({ file: methods, functionName: 'Geometry.scaled', args: [7] }, limits);
    try {
      const r = await rt.hotspots!({ ...pass, maxCalls: 50 }, signal);
      assert.equal(r.calls, 50, r.note);
      assert.doesNotMatch(r.note, /failed/);
    } finally {
      await rt.dispose();
    }
  });

  it('a call that blocks past the call timeout ends the pass with the reason; the next sequential point runs in a fresh harness', () =>
    withRuntime(
      'work',
      async (rt) => {
        await rt.probe(signal);
        const seq = rt.createExecutor('sequential');
        await sequentialPoint(seq, 1);
        const before = imports();
        const t0 = Date.now();
        // From index 1000 the fixture's calls sleep for an hour.
        await assert.rejects(rt.hotspots!({ ...pass, taskIndexStart: 1000 }, signal), /the hot-spot pass did not finish within [\d.]+ s; its Python process group was killed/);
        const tookMs = Date.now() - t0;
        // The window, the call timeout and the slack: not the hour, nor the fresh process's 10 s slack.
        assert.ok(tookMs >= 1500 && tookMs < 8000, `took ${tookMs} ms`);
        const next = await sequentialPoint(seq, 2);
        assert.ok(next.taskOk.length > 0 && next.taskOk.every(Boolean), JSON.stringify(next.errors));
        assert.equal(next.errors.length, 0, JSON.stringify(next.errors));
        assert.equal(imports(), before + 1, 'the next point started and imported in a fresh harness');
      },
      { ...limits, callTimeoutMs: 1500 },
    ));

  it('cancel stops the warm pass at once, and the next sequential point runs in a fresh harness', () =>
    withRuntime('work', async (rt) => {
      await rt.probe(signal);
      const seq = rt.createExecutor('sequential');
      await sequentialPoint(seq, 1);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const t0 = Date.now();
      await assert.rejects(rt.hotspots!({ durationMs: 20_000, maxCalls: 1e9, taskIndexStart: 100 }, ac.signal), (e: { code?: string }) => e.code === 'cancelled');
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      const before = imports();
      const next = await sequentialPoint(seq, 2);
      assert.ok(next.taskOk.length > 0 && next.taskOk.every(Boolean), JSON.stringify(next.errors));
      assert.equal(imports(), before + 1, 'the next point started and imported in a fresh harness');
    }));
});
