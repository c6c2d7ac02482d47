// Hot spots from real profiling passes (V8's inspector in a real worker thread, a real
// python3 process): a fixture whose work is nearly all in one helper must list that
// helper among the top three, at its own file and line (TypeScript through the bundle's
// source map), and a full profile must carry the hot spots into the report.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HotspotRequest, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import { hotspotWarmup } from '../../src/engine/hotspots/hotspots';
import { profile, warmupPolicy } from '../../src/engine/profile';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import type { Hotspot } from '../../src/shared/report';

const fixture = (name: string) => path.join(packageRoot(), 'test/fixtures/hotspots', name);
const limits = { callTimeoutMs: 30_000, memoryLimitMb: 512, maxOutputBytes: 4096 };
const window = { durationMs: 400, maxCalls: 100_000, taskIndexStart: 1 };
/** As the engine asks for it: a fresh JS thread warms up first (Python's warm harness ignores it). */
const pass: HotspotRequest = { ...window, warmup: hotspotWarmup(warmupPolicy(6000, 10), window) };

async function hotspotsOf(runtime: TargetRuntime, req = pass) {
  try {
    assert.ok(runtime.hotspots, 'the runtime offers a hot-spot pass');
    return await runtime.hotspots(req, new AbortController().signal);
  } finally {
    await runtime.dispose();
  }
}

function assertTopThree(hotspots: Hotspot[], fn: string, file: string, line: number, note: string): void {
  const shown = JSON.stringify(hotspots) + ' / ' + note;
  const top = hotspots.slice(0, 3);
  const hit = top.find((h) => h.function === fn);
  assert.ok(hit, `${fn} is in the top three: ${shown}`);
  assert.equal(hit.file, file, shown);
  assert.equal(hit.line, line, shown);
  assert.equal(hit.origin, 'user', shown);
  // Wide margin: the helper does ~all the work, so even a noisy pass gives it most samples.
  assert.ok(hit.selfShare > 0.5, shown);
  assert.ok(hotspots.every((h) => !/jsHotspotWorker|python[\\/]hotspots\.py|harness\.py|dist[\\/]hosted/.test(h.file)), `no harness frames: ${shown}`);
}

/** Live processes running this checkout's python/hotspots.py. */
function hotspotProcesses(): number[] {
  const script = path.join(packageRoot(), 'python', 'hotspots.py');
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(script);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function cancelledAfter(runtime: TargetRuntime, ms: number): Promise<{ code?: string; tookMs: number }> {
  const ac = new AbortController();
  const t0 = Date.now();
  setTimeout(() => ac.abort(), ms);
  try {
    await runtime.hotspots!({ durationMs: 20_000, maxCalls: 1e9, taskIndexStart: 1 }, ac.signal);
    return { tookMs: Date.now() - t0 };
  } catch (e) {
    return { code: (e as { code?: string }).code, tookMs: Date.now() - t0 };
  } finally {
    await runtime.dispose();
  }
}

describe('hot spots', function () {
  this.timeout(60_000);

  it('JS: the hot helper is on top, at its file and line', async () => {
    const file = fixture('oneHotHelper.js');
    const r = await hotspotsOf(await createJsRuntime({ file, functionName: 'work', args: [] }, limits));
    assertTopThree(r.hotspots, 'burn', file, 10, r.note);
    assert.ok(r.calls >= 1);
    // V8's per-line ticks land on the loop line.
    assert.equal(r.hotspots.find((h) => h.function === 'burn')!.hotLine, 12, JSON.stringify(r.hotspots));
  });

  it('JS: the fresh thread warms up first, so state built on first use is not the hot spot', async () => {
    const file = fixture('lazySetup.js');
    const runtime = () => createJsRuntime({ file, functionName: 'work', args: ['$i'] }, limits);
    // The rule the engine gives the pass after a first call that was mostly setup.
    const warmup = hotspotWarmup({ ...warmupPolicy(6000, 5), capAfterFirstCall: true }, window);
    const warm = await hotspotsOf(await runtime(), { ...window, warmup });
    assertTopThree(warm.hotspots, 'lookup', file, 16, warm.note);
    const setup = (r: { hotspots: Hotspot[] }) => r.hotspots.find((h) => h.function === 'buildTable')?.selfShare ?? 0;
    assert.ok(setup(warm) < 0.1, JSON.stringify(warm.hotspots));
    assert.match(warm.note, /warmed up first with \d+ unprofiled calls/, warm.note);
    // Unwarmed, the pass's first profiled call is the 300 ms of setup: what this guards against.
    const cold = await hotspotsOf(await runtime(), window);
    assert.ok(setup(cold) > 0.25, JSON.stringify(cold.hotspots));
  });

  it('TypeScript: the line is the .ts line, through the source map', async () => {
    const file = fixture('oneHotHelper.ts');
    const r = await hotspotsOf(await createJsRuntime({ file, functionName: 'work', args: [] }, limits));
    assertTopThree(r.hotspots, 'burn', file, 27, r.note);
    assert.equal(r.hotspots.find((h) => h.function === 'burn')!.hotLine, 29, JSON.stringify(r.hotspots));
  });

  it('Python: the hot helper is on top, at its file and line', async () => {
    const file = fixture('one_hot_helper.py');
    const r = await hotspotsOf(await createPythonRuntime({ file, functionName: 'work', args: [] }, limits));
    assertTopThree(r.hotspots, 'burn', file, 11, r.note);
    assert.equal(r.hotspots.find((h) => h.function === 'burn')!.hotLine, 14, JSON.stringify(r.hotspots));
  });

  it('Python async: the wait is found at its await line', async () => {
    const file = fixture('waits.py');
    const r = await hotspotsOf(await createPythonRuntime({ file, functionName: 'fetch_like', args: [] }, limits));
    const shown = JSON.stringify(r.waits) + ' / ' + r.note;
    const top = r.waits?.[0];
    assert.ok(top, shown);
    assert.equal(top.file, file, shown);
    assert.equal(top.line, 14, shown);
    assert.ok(top.waitShare > 0.5, shown);
  });

  it('Python blocking call: the wait is found at the time.sleep line', async () => {
    const file = fixture('waits.py');
    const r = await hotspotsOf(await createPythonRuntime({ file, functionName: 'blocking', args: [] }, limits));
    const shown = JSON.stringify(r.waits) + ' / ' + r.note;
    assert.equal(r.waits?.[0]?.line, 19, shown);
  });

  it('JS: a node_modules frame is kept and labelled as a dependency', async () => {
    const file = fixture('usesDependency.js');
    const r = await hotspotsOf(await createJsRuntime({ file, functionName: 'hashAll', args: [] }, limits));
    const shown = JSON.stringify(r.hotspots) + ' / ' + r.note;
    const dep = r.hotspots.slice(0, 3).find((h) => h.function === 'checksum');
    assert.ok(dep, shown);
    assert.equal(dep.origin, 'dependency', shown);
    assert.equal(dep.file, fixture('node_modules/slow-dep/index.js'), shown);
    assert.equal(dep.line, 3, shown);
  });

  it('JS blocking call: the function that blocks is the hot spot, and the note says the thread was blocked', async () => {
    const file = path.join(packageRoot(), 'test/fixtures/verdict/blockingWait.js');
    const r = await hotspotsOf(await createJsRuntime({ file, functionName: 'blockingWait', args: [] }, limits));
    assertTopThree(r.hotspots, 'blockingWait', file, 4, r.note);
    // Telling blocked from queued needs schedstat's run-queue time (Linux, Node < 23.9).
    const schedstat = process.platform === 'linux' && typeof (process as { threadCpuUsage?: unknown }).threadCpuUsage !== 'function';
    if (schedstat) assert.match(r.note, /blocked in synchronous calls/, r.note);
  });

  it('JS async: the report says plainly that await sites are not measured', async () => {
    const file = path.join(packageRoot(), 'test/fixtures/js/sleep.mjs');
    const r = await hotspotsOf(await createJsRuntime({ file, functionName: 'sleep', args: [] }, limits));
    assert.match(r.note, /Await sites are not shown/);
    assert.match(r.note, /idle/);
  });

  it('cancel stops the pass at once: JS worker and Python process', async () => {
    const js = await cancelledAfter(await createJsRuntime({ file: fixture('oneHotHelper.js'), functionName: 'work', args: [] }, limits), 300);
    assert.equal(js.code, 'cancelled', JSON.stringify(js));
    assert.ok(js.tookMs < 3000, JSON.stringify(js));
    const py = await cancelledAfter(await createPythonRuntime({ file: fixture('one_hot_helper.py'), functionName: 'work', args: [] }, limits), 500);
    assert.equal(py.code, 'cancelled', JSON.stringify(py));
    assert.ok(py.tookMs < 3000, JSON.stringify(py));
    if (process.platform === 'linux') {
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(hotspotProcesses(), [], 'no hotspots.py process is left');
    }
  });

  it('a full profile carries the hot spots and their note into the report', async () => {
    const file = fixture('oneHotHelper.js');
    const r = await profile({ file, functionName: 'work', args: [], budgetMs: 3000, executors: ['sequential'] });
    assertTopThree(r.hotspots ?? [], 'burn', file, 10, r.hotspotsNote ?? '');
    assert.match(r.hotspotsNote ?? '', /separate pass/);
    assert.ok(r.runs.length > 0 && r.runs.every((run) => run.executor === 'sequential'));
  });
});
