// The distributed executor on a real Redis (our own redis-server) and real BullMQ worker
// processes: it measures the queue, counts workers and retries, and leaves nothing
// running. Needs redis-server (apt-get install redis-server): without it the suite is skipped.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullmqExecutor } from '../../src/engine/distributed/bullmqExecutor';
import { startOwnRedis } from '../../src/engine/distributed/redisServer';
import { ExecutorUnavailable, ProfileError } from '../../src/shared/errors';
import type { ExecutorLimits, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { alive, assertNothingLeft, DIST_FX, request, hasRedis as hasRedisServer, waitForPid } from './distributedSupport';

const LIMITS: ExecutorLimits = { callTimeoutMs: 2000, memoryLimitMb: 256, maxOutputBytes: 8192 };
const hasRedis = hasRedisServer();

describe('distributed executor: BullMQ on Redis', function () {
  this.timeout(60_000);
  before(function () {
    if (!hasRedis) this.skip();
  });
  let rt: TargetRuntime | undefined;
  const runtime = async (fn: string, args: unknown[] = []) => (rt = await createJsRuntime({ file: DIST_FX('jobs.js'), functionName: fn, args }, LIMITS));
  afterEach(async () => {
    await rt?.dispose();
    rt = undefined;
    await assertNothingLeft('after the test');
  });

  it('runs calls through the queue on local workers and measures the queue per task', async () => {
    const ex = (await runtime('sleep50')).createExecutor('distributed') as BullmqExecutor;
    const s = await ex.runPoint(request(2));
    const redisPid = ex.endpoint!.pid!;
    const workerPids = ex.localWorkerPids;
    assert.equal(workerPids.length, 2);
    assert.ok(s.taskOk.length >= 3 && s.taskOk.every(Boolean), `tasks: ${s.taskOk.length}`);
    const d = s.distributed!;
    assert.equal(d.engine, 'bullmq');
    assert.equal(d.workers, 2);
    assert.equal(d.concurrencyPerWorker, 1);
    assert.equal(d.redis, 'own');
    // A 50 ms sleep runs 50 ms in the worker; the queue's part is small next to it.
    assert.ok(d.runMs >= 45 && d.runMs < 200, `runMs ${d.runMs}`);
    assert.ok(d.queueWaitMs >= 0 && d.queueWaitMs < 100, `queueWaitMs ${d.queueWaitMs}`);
    assert.ok(d.resultLatencyMs >= 0 && d.resultLatencyMs < 100, `resultLatencyMs ${d.resultLatencyMs}`);
    // Job payload (index, args, stamps) plus the result ("done" and the timings).
    assert.ok(d.bytesPerTask > 100 && d.bytesPerTask < 2000, `bytesPerTask ${d.bytesPerTask}`);
    assert.equal(d.retries, 0);
    // Two workers each run one 50 ms call at a time: about 40 calls/s, well above one worker's 20.
    const tp = s.taskOk.length / ((s.endMs - s.startMs) / 1000);
    assert.ok(tp > 26, `throughput ${tp.toFixed(1)}/s`);
    await ex.dispose();
    assert.ok(!alive(redisPid), 'our redis-server was stopped');
    for (const p of workerPids) assert.ok(!alive(p), `worker ${p} was stopped`);
  });

  it('applies BullMQ concurrency per worker: 4 jobs in flight on 2 workers', async () => {
    rt = await createJsRuntime({ file: DIST_FX('jobs.js'), functionName: 'sleep50', args: [], distributed: { concurrencyPerWorker: 2 } }, LIMITS);
    const ex = rt.createExecutor('distributed') as BullmqExecutor;
    try {
      const s = await ex.runPoint(request(4));
      assert.equal(ex.localWorkerPids.length, 2);
      assert.equal(s.distributed!.concurrencyPerWorker, 2);
      assert.equal(s.distributed!.workers, 2);
      // Calls running at the same instant, from the workers' own start/end stamps: more
      // than 2 means a worker ran more than one at once (load on the machine cannot fake that).
      const edges = s.taskStartMs.map((t) => [t, 1]).concat(s.taskEndMs.map((t) => [t, -1])).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let now = 0;
      let most = 0;
      for (const [, d] of edges) most = Math.max(most, (now += d));
      assert.ok(most >= 3, `at most ${most} calls ran at once`);
    } finally {
      await ex.dispose();
    }
  });

  it('runs CPU-bound jobs in parallel in BullMQ sandboxed processors of one worker', async () => {
    rt = await createJsRuntime({ file: DIST_FX('jobs.js'), functionName: 'spin', args: [40], distributed: { concurrencyPerWorker: 2, sandboxed: true } }, LIMITS);
    const ex = rt.createExecutor('distributed') as BullmqExecutor;
    // BullMQ forks the sandbox children on demand: a first point gets both started.
    await ex.runPoint(request(2, { durationMs: 800, warmupMs: 0 }));
    const s = await ex.runPoint(request(2, { durationMs: 800, warmupMs: 100 }));
    assert.equal(ex.localWorkerPids.length, 1, 'one worker process');
    assert.ok(s.taskOk.length >= 3 && s.taskOk.every(Boolean), JSON.stringify(s.errors));
    // Two sandbox children ran the jobs: a synchronous spin would serialise them in one process.
    const edges = s.taskStartMs.map((t) => [t, 1]).concat(s.taskEndMs.map((t) => [t, -1])).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let most = 0;
    for (const [, d] of edges) most = Math.max(most, (now += d));
    assert.equal(most, 2, `two 40 ms spins overlapped; tasks ${s.taskStartMs.length}, cpu ${s.taskCpuMs.slice(0, 4).join(', ')}, walls ${s.taskEndMs.slice(0, 4).map((e, i) => (e - s.taskStartMs[i]).toFixed(1)).join(', ')}`);
    assert.ok(s.taskCpuMs.every((c) => Number.isFinite(c) && c > 0), `CPU measured per job in its sandbox: ${s.taskCpuMs.slice(0, 5).join(', ')}`);
    await ex.dispose();
  });

  it('reports the user error of a job, with its kind, and keeps going', async () => {
    const ex = (await runtime('fails', ['$i'])).createExecutor('distributed');
    const s = await ex.runPoint(request(1, { warmupMs: 0 }));
    const failed = s.taskOk.filter((ok) => !ok).length;
    assert.ok(failed > 0 && failed < s.taskOk.length, `${failed} of ${s.taskOk.length} failed`);
    assert.equal(s.errors[0].kind, 'RangeError');
    await ex.dispose();
  });

  it('retries the job of a worker killed mid-job, and counts the retry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wp-dist-'));
    const marker = join(dir, 'first.pid');
    try {
      const ex = (await runtime('slowOnce', [marker])).createExecutor('distributed') as BullmqExecutor;
      const point = ex.runPoint(request(2, { durationMs: 300, warmupMs: 0 }));
      // Wait for the first job to start on some worker, then kill that worker's group.
      const victim = await waitForPid(marker);
      process.kill(-victim, 'SIGKILL');
      const s = await point;
      assert.ok(s.distributed!.retries >= 1, `retries ${s.distributed!.retries}`);
      assert.ok(s.taskOk.every(Boolean), `the retried job succeeded: ${JSON.stringify(s.errors)}`);
      await ex.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the point with a clear error when Redis dies mid-run, and stops its workers', async () => {
    const ex = (await runtime('sleep50')).createExecutor('distributed') as BullmqExecutor;
    await ex.runPoint(request(1, { durationMs: 200 }));
    const workers = ex.localWorkerPids;
    // Same size as the first point: no worker starts, Redis dies while jobs are in flight.
    const point = ex.runPoint(request(1, { durationMs: 20_000 }));
    setTimeout(() => process.kill(ex.endpoint!.pid!, 'SIGKILL'), 400);
    const t0 = Date.now();
    await assert.rejects(point, (e: unknown) => e instanceof ProfileError && /Redis at 127\.0\.0\.1:\d+ .*went away/.test(e.message));
    assert.ok(Date.now() - t0 < 10_000, 'the point did not hang');
    await ex.dispose();
    await assertNothingLeft('after Redis died', workers);
  });

  it('stops Redis and the workers when the point is cancelled', async () => {
    const ex = (await runtime('sleep50')).createExecutor('distributed') as BullmqExecutor;
    const ac = new AbortController();
    const point = ex.runPoint(request(2, { durationMs: 20_000, signal: ac.signal }));
    for (let i = 0; i < 200 && ex.localWorkerPids.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    ac.abort();
    await assert.rejects(point);
    await assertNothingLeft('after cancel', pids);
  });

  it('says in one line how to install redis-server when it is missing', async () => {
    const e = await startOwnRedis(undefined, 'redis-server-that-is-not-installed').then(
      () => assert.fail('started'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof ExecutorUnavailable);
    assert.match(e.message, /redis-server not found.*apt-get install -y redis-server/);
    assert.ok(!e.message.includes('\n'));
  });
});
