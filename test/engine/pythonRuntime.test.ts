// The Python runtime against the machine's real python3: executor physics (GIL held vs
// released, waiting, asyncio) and the process pool (serialization, sys.path, clocks).
// Timing assertions compare executors on the same function with wide margins. Errors are
// in pythonRuntimeErrors.test.ts, output, timeouts and clean-up in
// pythonRuntimeIsolation.test.ts.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, point, speedup, withRuntime } from './pythonRuntimeSupport';

describe('python runtime: executor physics', function () {
  this.timeout(60_000);

  it('time.sleep: threads ×4 beat sequential by more than 2.5×', async function () {
    await withRuntime('sleepy.py', 'nap', [40], (rt) =>
      eventually(this, 'threads ×4 on time.sleep', () => speedup(rt, 'thread', 4), (x) => x > 2.5),
    );
  });

  it('pure-Python loop: threads ×2 do not scale (<1.3×), processes ×2 do (>1.4×)', async function () {
    await withRuntime('cpu_loop.py', 'spin', [500_000], async (rt) => {
      await eventually(this, 'threads ×2 on a GIL-holding loop', () => speedup(rt, 'thread', 2, 900), (x) => x < 1.3);
      await eventually(this, 'processes ×2 on a GIL-holding loop', () => speedup(rt, 'process', 2, 900), (x) => x > 1.4, 1.6);
    });
  });

  it('hashlib.pbkdf2_hmac releases the GIL: threads ×2 > 1.4×', async function () {
    await withRuntime('pbkdf2.py', 'derive', ['$i'], (rt) =>
      eventually(this, 'threads ×2 on pbkdf2', () => speedup(rt, 'thread', 2, 900), (x) => x > 1.4, 1.6),
    );
  });

  it('async def with asyncio.sleep: async ×8 > 4×, with per-coroutine CPU', async function () {
    await withRuntime('async_sleep.py', 'wait', [40], async (rt) => {
      assert.deepEqual(rt.executorKinds(), ['sequential', 'async', 'thread', 'process']);
      assert.equal(rt.target.isAsync, true);
      await eventually(this, 'async ×8 on asyncio.sleep', () => speedup(rt, 'async', 8), (x) => x > 4);
      const p = await point(rt, 'async', 8, 400);
      // Each coroutine's own steps, not the loop's total: far below its 40 ms of waiting.
      const cpu = p.taskCpuMs.filter(Number.isFinite);
      assert.ok(cpu.length > 0 && Math.max(...cpu) < 20, `cpu per task ${cpu.slice(0, 5)}`);
    });
  });

  it('a request to a slow local HTTP server overlaps under threads', async function () {
    const server: Server = createServer((_req, res) => setTimeout(() => res.end('ok'), 40));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await withRuntime('http_fetch.py', 'fetch', [url], async (rt) => {
        const probe = await rt.probe(new AbortController().signal);
        assert.equal(probe.error, undefined);
        assert.ok(probe.cpuMs! < probe.wallMs / 2, `mostly waiting: cpu ${probe.cpuMs} of ${probe.wallMs} ms`);
        await eventually(this, 'threads ×4 on HTTP requests', () => speedup(rt, 'thread', 4), (x) => x > 2);
      });
    } finally {
      server.close();
    }
  });

  it('a mixed function reports CPU for part of its wall time', async () => {
    await withRuntime('mixed.py', 'half_and_half', [60_000, 10], async (rt) => {
      const s = await point(rt, 'sequential', 1, 500);
      const walls = s.taskEndMs.map((e, i) => e - s.taskStartMs[i]);
      const ratio = s.taskCpuMs.reduce((a, b) => a + b, 0) / walls.reduce((a, b) => a + b, 0);
      assert.ok(ratio > 0.05 && ratio < 0.95, `cpu/wall ${ratio.toFixed(3)}: ${s.taskCpuMs.slice(0, 5)} of ${walls.slice(0, 5)}`);
      assert.equal(s.cpuSource, 'time.thread_time_ns');
    });
  });

  it('a plain def under async runs through asyncio.to_thread and says so', async () => {
    await withRuntime('sleepy.py', 'nap', [20], async (rt) => {
      assert.deepEqual(rt.executorKinds(), ['sequential', 'thread', 'process']);
      const s = await point(rt, 'async', 4, 300);
      assert.match(s.note ?? '', /asyncio\.to_thread/);
      assert.ok(s.taskEndMs.length > 0);
    });
  });
});

describe('python runtime: processes', function () {
  this.timeout(60_000);

  it('reports pickling cost per task, and sees the module folder on sys.path in workers', async () => {
    await withRuntime('bindings.py', 'big_result', [200_000], async (rt) => {
      const s = await point(rt, 'process', 2, 400);
      assert.equal(s.errors.length, 0, JSON.stringify(s.errors));
      assert.equal(s.cpuSource, 'time.process_time_ns');
      assert.ok(s.serialization, 'serialization reported');
      assert.ok(s.serialization!.bytesPerTask > 200_000, `bytes ${s.serialization!.bytesPerTask}`);
      assert.ok(s.serialization!.msPerTask > 0);
      const env = await rt.environment!();
      assert.ok(['forkserver', 'spawn'].includes(env.startMethod as string));
      assert.match(String(env.version), /^3\.\d+\.\d+$/);
      assert.equal(typeof env.gilEnabled, 'boolean');
    });
    // scaled() imports helper_mod from its own folder, and goes through two decorators.
    await withRuntime('bindings.py', 'scaled', [7], async (rt) => {
      const s = await point(rt, 'process', 2, 200);
      assert.equal(s.errors.length, 0, JSON.stringify(s.errors));
      assert.ok(s.taskOk.every(Boolean));
    });
  });

  it('timestamps are absolute epoch ms, in line with the Node clock', async () => {
    await withRuntime('sleepy.py', 'nap', [5], async (rt) => {
      const before = Date.now();
      const s = await point(rt, 'process', 2, 200);
      const after = Date.now();
      assert.ok(s.startMs >= before - 50 && s.endMs <= after + 50, `${before} ≤ ${s.startMs}..${s.endMs} ≤ ${after}`);
      for (let i = 0; i < s.taskStartMs.length; i++) assert.ok(s.taskStartMs[i] <= s.taskEndMs[i]);
    });
  });
});
