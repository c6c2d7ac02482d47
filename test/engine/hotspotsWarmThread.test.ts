// The JS hot-spot pass on the sequential executor's warm thread (src/engine/hotspots/
// hotspotsJs.ts): once a thread has the function loaded, the pass runs there instead of
// loading it again in a fresh one, finds the same hot spot, and a call that blocks the
// thread past its timeout during the pass ends that thread with a clear reason, after
// which the next sequential point goes on on a fresh one. Real worker threads throughout.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import { profile } from '../../src/engine/profile';

const file = path.join(packageRoot(), 'test/fixtures/hotspots/warmThread.js');
const signal = new AbortController().signal;

describe('hot spots on the warm sequential thread', function () {
  this.timeout(60_000);
  let dir: string;
  const loads = () => (existsSync(path.join(dir, 'loads')) ? readFileSync(path.join(dir, 'loads'), 'utf8').split('\n').filter(Boolean).length : 0);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wp-hotspots-'));
    process.env.WP_TEST_LOADS = path.join(dir, 'loads');
    process.env.WP_TEST_BLOCK = path.join(dir, 'block');
  });
  afterEach(() => {
    delete process.env.WP_TEST_LOADS;
    delete process.env.WP_TEST_BLOCK;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the thread the probe and the sequential point used: no new load, the hot helper on top', async () => {
    const rt = await createJsRuntime({ file, functionName: 'work', args: [] }, { callTimeoutMs: 30_000, memoryLimitMb: 512, maxOutputBytes: 4096 });
    try {
      const probe = await rt.probe(signal);
      assert.equal(probe.error, undefined);
      const seq = rt.createExecutor('sequential');
      await seq.runPoint({ concurrency: 1, durationMs: 200, minTasks: 1, warmupMs: 0, taskIndexStart: 2, maxErrors: 50, signal });
      const before = loads();
      const r = await rt.hotspots!({ durationMs: 400, maxCalls: 100_000, taskIndexStart: 100 }, signal);
      assert.equal(loads(), before, `the pass loaded the module again (${before} loads before, ${loads()} after)`);
      assert.match(r.note, /warm thread after the measured points/);
      const burn = r.hotspots.slice(0, 3).find((h) => h.function === 'burn');
      assert.ok(burn, JSON.stringify(r.hotspots));
      assert.equal(burn.file, file);
      assert.equal(burn.line, 16);
      assert.ok(burn.selfShare > 0.5, JSON.stringify(burn));
      // The thread goes on measuring after the pass, unprofiled.
      const after = await seq.runPoint({ concurrency: 1, durationMs: 200, minTasks: 1, warmupMs: 0, taskIndexStart: 200, maxErrors: 50, signal });
      assert.ok(after.taskOk.length > 0 && after.taskOk.every(Boolean));
      assert.equal(loads(), before, 'the point after the pass ran on the same thread');
    } finally {
      await rt.dispose();
    }
  });

  it('a call that blocks the warm thread past its timeout ends the pass with the reason; the next point runs on a fresh thread', async () => {
    const rt = await createJsRuntime({ file, functionName: 'work', args: [] }, { callTimeoutMs: 500, memoryLimitMb: 512, maxOutputBytes: 4096 });
    try {
      assert.equal((await rt.probe(signal)).error, undefined);
      writeFileSync(process.env.WP_TEST_BLOCK!, '');
      const t0 = Date.now();
      await assert.rejects(rt.hotspots!({ durationMs: 200, maxCalls: 100_000, taskIndexStart: 10 }, signal), /timed out after 0\.5 s/);
      // The window, the timeout and the hand-back slack (1.8 s), not the fresh thread's 5 s of slack.
      assert.ok(Date.now() - t0 < 4_000, `took ${Date.now() - t0} ms`);
      rmSync(process.env.WP_TEST_BLOCK!);
      const before = loads();
      const s = await rt.createExecutor('sequential').runPoint({ concurrency: 1, durationMs: 200, minTasks: 1, warmupMs: 0, taskIndexStart: 50, maxErrors: 50, signal });
      assert.ok(s.taskOk.length > 0 && s.taskOk.every(Boolean), JSON.stringify(s.errors));
      assert.equal(loads(), before + 1, 'a fresh thread loaded the module');
    } finally {
      await rt.dispose();
    }
  });

  it('a full profile runs the pass after the ladder on the warm thread, with "$i" going on after the measured calls', async () => {
    const r = await profile({ file, functionName: 'work', args: [], budgetMs: 3000, executors: ['sequential', 'async'] });
    assert.match(r.hotspotsNote ?? '', /warm thread after the measured points/);
    assert.ok((r.hotspots ?? []).slice(0, 3).some((h) => h.function === 'burn' && h.line === 16), JSON.stringify(r.hotspots));
    // One load for the probe's thread, kept by the sequential and async points and the pass.
    assert.equal(loads(), 1);
  });
});
