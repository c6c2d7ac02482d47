// The distributed executor end to end: remote workers started with the CLI's `worker`
// command join a profile through the same Redis; a whole profile with
// --executors …,distributed reports the queue figures and the verdict; and without
// redis-server the executor is skipped with a note while the rest of the profile runs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startOwnRedis, type RedisEndpoint } from '../../src/engine/distributed/redisServer';
import type { ExecutorLimits } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { packageRoot } from '../../src/engine/paths';
import { profile } from '../../src/engine/profile';
import { caveatTextOf } from '../../src/shared/wording';
import { alive, assertNothingLeft, DIST_FX, request, works, hasRedis as hasRedisServer } from './distributedSupport';

const LIMITS: ExecutorLimits = { callTimeoutMs: 5000, memoryLimitMb: 256, maxOutputBytes: 8192 };
const hasRedis = hasRedisServer();

describe('distributed executor: remote workers and whole profiles', function () {
  this.timeout(90_000);
  afterEach(() => assertNothingLeft('after the test'));

  /**
   * Our own Redis, one worker started with the CLI's `worker` command (extra args before
   * the file and function), `body` with it running; then Ctrl-C must end the worker with exit 0.
   */
  async function withCliWorker(args: string[], file: string, fn: string, body: (redis: RedisEndpoint) => Promise<void>): Promise<void> {
    const redis = await startOwnRedis();
    const cli = spawn(process.execPath, [join(packageRoot(), 'dist', 'cli.js'), 'worker', '--redis', redis.url, ...args, file, fn], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    cli.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    try {
      for (let i = 0; i < 600 && !/workers? running/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(stderr, /1 worker running/);
      await body(redis);
      cli.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      cli.kill('SIGKILL');
      await redis.stop();
    }
  }

  it('counts workers started with `workload-profiler worker` on the same Redis, plus the local ones', async function () {
    if (!hasRedis) this.skip();
    await withCliWorker(['--workers', '1'], DIST_FX('jobs.js'), 'sleep50', async (redis) => {
      const rt = await createJsRuntime({ file: DIST_FX('jobs.js'), functionName: 'sleep50', args: [], distributed: { redisUrl: redis.url } }, LIMITS);
      try {
        const ex = rt.createExecutor('distributed');
        // Two jobs in flight: the remote worker takes one slot, the profile starts one local worker.
        const s = await ex.runPoint(request(2));
        assert.equal(s.distributed!.remoteWorkers, 1);
        assert.equal(s.distributed!.workers, 2);
        assert.equal(s.distributed!.redis, `127.0.0.1:${redis.port}`);
        const tp = s.taskOk.length / ((s.endMs - s.startMs) / 1000);
        assert.ok(tp > 26, `two workers of 50 ms sleeps: ${tp.toFixed(1)}/s`);
        await ex.dispose();
        assert.ok(alive(redis.pid!), "the user's Redis is left running");
      } finally {
        await rt.dispose();
      }
    });
  });

  it('counts a Celery worker started with `workload-profiler worker --python` for a .py file', async function () {
    if (!hasRedis || !works('/usr/bin/python3', ['-c', 'import celery, redis'])) this.skip();
    await withCliWorker(['--python', '/usr/bin/python3'], DIST_FX('jobs.py'), 'sleep50', async (redis) => {
      const rt = await createPythonRuntime({ file: DIST_FX('jobs.py'), functionName: 'sleep50', args: [], python: '/usr/bin/python3', distributed: { redisUrl: redis.url } }, LIMITS);
      try {
        const ex = rt.createExecutor('distributed');
        const s = await ex.runPoint(request(2, { durationMs: 800, warmupMs: 200 }));
        assert.equal(s.distributed!.engine, 'celery');
        assert.equal(s.distributed!.remoteWorkers, 1);
        assert.equal(s.distributed!.workers, 2);
        assert.ok(s.taskOk.length > 0 && s.taskOk.every(Boolean));
        await ex.dispose();
      } finally {
        await rt.dispose();
      }
    });
  });

  it('profiles with --executors sequential,process,distributed: queue figures, verdict, nothing left', async function () {
    if (!hasRedis) this.skip();
    const report = await profile({ file: DIST_FX('jobs.js'), functionName: 'sleep50', budgetMs: 9000, executors: ['sequential', 'process', 'distributed'], maxConcurrency: { process: 2, distributed: 2 } });
    const dist = report.runs.filter((r) => r.executor === 'distributed');
    assert.ok(dist.length >= 1, JSON.stringify(report.caveats));
    for (const r of dist) {
      assert.equal(r.distributed!.engine, 'bullmq');
      assert.equal(r.distributed!.workers, r.concurrency);
      assert.ok(r.distributed!.runMs >= 45, `runMs ${r.distributed!.runMs}`);
      assert.ok(r.distributed!.brokerMsPerTask! > 0, 'Redis command time measured');
    }
    const text = report.caveats.map((c) => c.message).join('\n');
    assert.match(text, /Each task pays [\d.]+ (ms|µs) of queue overhead/);
    // Each carries its code and numbers, and renders from them as the report stores it.
    const overhead = report.caveats.find((c) => c.code === 'distributed-overhead');
    assert.equal(overhead?.data?.engine, 'bullmq');
    assert.equal(caveatTextOf(report, overhead!), overhead!.message);
    assert.match(text, /the local process pool's dispatch cost/);
    assert.match(text, /Projection from a scalability model, not a measurement/);
  });

  it('`worker` with an unreachable or malformed --redis exits 2 with one line', async () => {
    const cli = join(packageRoot(), 'dist', 'cli.js');
    for (const [url, pattern] of [
      ['redis://127.0.0.1:1/0', /^error: No Redis answers at 127\.0\.0\.1:1 .*start it or fix the address/],
      ['http://example.com', /^error: --redis must start with redis:\/\/ or rediss:\/\//],
    ] as const) {
      const r = spawnSync(process.execPath, [cli, 'worker', '--redis', url, DIST_FX('jobs.js'), 'sleep50'], { encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('skips the distributed executor with a note when redis-server cannot start, and profiles the rest', async () => {
    const saved = process.env.WORKLOAD_PROFILER_REDIS_SERVER;
    process.env.WORKLOAD_PROFILER_REDIS_SERVER = '/nonexistent/redis-server';
    try {
      const report = await profile({ file: DIST_FX('jobs.js'), functionName: 'sleep50', budgetMs: 3000, executors: ['sequential', 'distributed'] });
      assert.ok(report.runs.some((r) => r.executor === 'sequential'));
      assert.ok(!report.runs.some((r) => r.executor === 'distributed'));
      assert.ok(report.caveats.some((c) => /^Skipped the distributed executor: redis-server not found.*apt-get install -y redis-server/.test(c.message)), JSON.stringify(report.caveats));
    } finally {
      if (saved === undefined) delete process.env.WORKLOAD_PROFILER_REDIS_SERVER;
      else process.env.WORKLOAD_PROFILER_REDIS_SERVER = saved;
    }
  });
});
