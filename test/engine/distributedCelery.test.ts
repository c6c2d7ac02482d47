// The distributed executor for Python: Celery workers on a real Redis, with the system
// interpreter that has Debian's python3-celery (tests skip when it or redis-server is
// missing), and a one-line message for an interpreter without celery.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CeleryExecutor } from '../../src/engine/distributed/celeryExecutor';
import { checkCelery } from '../../src/engine/distributed/celeryExecutor';
import { ExecutorUnavailable } from '../../src/shared/errors';
import type { ExecutorLimits, TargetRuntime } from '../../src/engine/executorTypes';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { assertNothingLeft, DIST_FX, request, works, waitForPid } from './distributedSupport';

const SYSTEM_PY = '/usr/bin/python3';
const LIMITS: ExecutorLimits = { callTimeoutMs: 5000, memoryLimitMb: 256, maxOutputBytes: 8192 };

describe('distributed executor: Celery on Redis', function () {
  this.timeout(90_000);
  before(function () {
    if (!works('redis-server', ['--version']) || !works(SYSTEM_PY, ['-c', 'import celery, redis'])) this.skip();
  });
  let rt: TargetRuntime | undefined;
  const runtime = async (fn: string, args: unknown[] = [], distributed = {}) =>
    (rt = await createPythonRuntime({ file: DIST_FX('jobs.py'), functionName: fn, args, python: SYSTEM_PY, distributed }, LIMITS));
  afterEach(async () => {
    await rt?.dispose();
    rt = undefined;
    await assertNothingLeft('after the test');
  });

  it('runs calls on Celery workers and measures the queue per task', async () => {
    const ex = (await runtime('sleep50')).createExecutor('distributed') as CeleryExecutor;
    const s = await ex.runPoint(request(2, { durationMs: 800, warmupMs: 200 }));
    const d = s.distributed!;
    assert.equal(d.engine, 'celery');
    assert.equal(d.workers, 2);
    assert.ok(s.taskOk.length >= 3 && s.taskOk.every(Boolean), `tasks ${s.taskOk.length}, errors ${JSON.stringify(s.errors)}`);
    assert.ok(d.runMs >= 45 && d.runMs < 300, `runMs ${d.runMs}`);
    assert.ok(d.queueWaitMs >= 0 && d.queueWaitMs < 200, `queueWaitMs ${d.queueWaitMs}`);
    assert.ok(d.resultLatencyMs >= 0 && d.resultLatencyMs < 200, `resultLatencyMs ${d.resultLatencyMs}`);
    assert.ok(d.bytesPerTask > 100, `bytesPerTask ${d.bytesPerTask}`);
    const tp = s.taskOk.length / ((s.endMs - s.startMs) / 1000);
    assert.ok(tp > 24, `two workers of 50 ms sleeps: ${tp.toFixed(1)}/s`);
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    await ex.dispose();
    await assertNothingLeft('after dispose', pids);
  });

  it('reports the user error of a task by its Python type', async () => {
    const ex = (await runtime('fails', ['$i'])).createExecutor('distributed');
    const s = await ex.runPoint(request(1, { warmupMs: 0, durationMs: 400 }));
    assert.ok(s.taskOk.some((ok) => !ok) && s.taskOk.some(Boolean));
    assert.equal(s.errors[0].kind, 'ValueError');
  });

  it('requeues the task of a worker process killed mid-task (acks_late) and counts the retry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wp-celery-'));
    const marker = join(dir, 'first.pid');
    try {
      const ex = (await runtime('slow_once', [marker])).createExecutor('distributed');
      const point = ex.runPoint(request(1, { durationMs: 300, warmupMs: 0 }));
      const victim = await waitForPid(marker);
      // The prefork child running the task: Celery's parent sees it die and requeues the task.
      process.kill(victim, 'SIGKILL');
      const s = await point;
      assert.ok(s.distributed!.retries >= 1, `retries ${s.distributed!.retries}`);
      assert.ok(s.taskOk.every(Boolean), `errors ${JSON.stringify(s.errors)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a clear error when Redis dies mid-run, and leaves no worker or driver', async () => {
    const ex = (await runtime('sleep50')).createExecutor('distributed') as CeleryExecutor;
    await ex.runPoint(request(1, { durationMs: 200, warmupMs: 0 }));
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    const point = ex.runPoint(request(1, { durationMs: 20_000 }));
    setTimeout(() => process.kill(ex.endpoint!.pid!, 'SIGKILL'), 500);
    const t0 = Date.now();
    await assert.rejects(point, /Redis at 127\.0\.0\.1:\d+ \(started by the profiler\) went away in the middle of the distributed run/);
    assert.ok(Date.now() - t0 < 10_000, 'nothing hung');
    await ex.dispose();
    await assertNothingLeft('after Redis died', pids);
  });

  it('stops the driver, the workers and Redis on cancel', async () => {
    const ex = (await runtime('sleep50')).createExecutor('distributed') as CeleryExecutor;
    const ac = new AbortController();
    await ex.runPoint(request(1, { durationMs: 200, warmupMs: 0 }));
    const point = ex.runPoint(request(1, { durationMs: 20_000, signal: ac.signal }));
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    setTimeout(() => ac.abort(), 500);
    await assert.rejects(point);
    await assertNothingLeft('after cancel', pids);
  });

  it('says in one line what to install when the interpreter has no celery', async function () {
    const bare = 'python3';
    if (works(bare, ['-c', 'import celery'])) this.skip();
    const e = await checkCelery(bare).then(
      () => assert.fail('celery found'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof ExecutorUnavailable);
    assert.match(e.message, /Celery is not importable in python3.*pip install "celery\[redis\]".*python3-celery python3-redis/);
    assert.ok(!e.message.includes('\n'));
  });
});
