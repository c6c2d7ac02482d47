// Queue mode on the distributed executor, Python: real Celery workers (the system
// interpreter with Debian's python3-celery and python3-redis) on our own real Redis
// crawl the generated link graph of crawler.py, putting the links they find back on the
// same Celery queue through the crawl script. Skipped when redis-server or celery is
// missing. The crawl must visit exactly the reachable pages, once each.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CeleryExecutor } from '../../src/engine/distributed/celeryExecutor';
import type { ExecutorLimits, TargetRuntime } from '../../src/engine/executorTypes';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { profile } from '../../src/engine/profile';
import { ProfileError } from '../../src/shared/errors';
import type { CrawlRequest } from '../../src/shared/queue/queueTypes';
import { assertNothingLeft, DIST_FX, hasRedis, reachable, visits, works } from './distributedSupport';

const SYSTEM_PY = '/usr/bin/python3';
const LIMITS: ExecutorLimits = { callTimeoutMs: 5000, memoryLimitMb: 256, maxOutputBytes: 8192 };
/** The graph of crawler.py (and crawler.js). */
const links = (p: number) => [(3 * p + 1) % 200, (7 * p + 2) % 200, (p * p + 1) % 200].filter((q) => q % 4 !== 3);

describe('queue mode on the distributed executor: Celery', function () {
  this.timeout(120_000);
  before(function () {
    if (!hasRedis() || !works(SYSTEM_PY, ['-c', 'import celery, redis'])) this.skip();
  });
  let rt: TargetRuntime | undefined;
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wp-dqc-'));
    process.env.CRAWL_LOG = join(dir, 'visits.log');
    process.env.CRAWL_DIR = dir;
  });
  afterEach(async () => {
    await rt?.dispose();
    rt = undefined;
    delete process.env.CRAWL_LOG;
    delete process.env.CRAWL_DIR;
    rmSync(dir, { recursive: true, force: true });
    await assertNothingLeft('after the test');
  });

  const executor = async (fn: string) => {
    rt = await createPythonRuntime({ file: DIST_FX('crawler.py'), functionName: fn, args: [], python: SYSTEM_PY }, LIMITS);
    return rt.createExecutor('distributed') as CeleryExecutor;
  };
  const req = (k: number, over: Partial<CrawlRequest> = {}): CrawlRequest => ({
    concurrency: k,
    seeds: [0],
    dedupe: true,
    maxItems: 2000,
    deadlineMs: Date.now() + 60_000,
    signal: new AbortController().signal,
    ...over,
  });

  it('crawls exactly the reachable pages, once each, with Celery workers putting the links back on the queue', async () => {
    const ex = await executor('crawl');
    const c = await ex.crawl(req(2));
    const want = reachable([0], links);
    assert.deepEqual(visits(join(dir, 'visits.log')), want.pages, 'every reachable page visited exactly once, no other');
    assert.equal(c.items.length, 150);
    assert.equal(new Set(c.items.map((r) => r.id)).size, 150);
    assert.ok(c.items.every((r) => r.ok && r.attempts === 1));
    assert.equal(c.duplicatesDropped, want.duplicates);
    assert.equal(Math.max(...c.items.map((r) => r.depth)), want.depth);
    assert.equal(c.drained, true);
    assert.equal(c.busy.length, 2);
    const d = c.distributed!;
    assert.equal(d.engine, 'celery');
    assert.equal(d.workers, 2);
    assert.equal(d.retries, 0);
    assert.ok(d.runMs >= 2.5 && d.bytesPerTask > 100, JSON.stringify(d));
    assert.ok(c.items.every((r) => Number.isFinite(r.cpuMs)), 'CPU per item from the prefork child thread clock');
    // A second crawl on the same workers, capped: its own seen-set and cap.
    const capped = await ex.crawl(req(2, { maxItems: 30 }));
    assert.equal(capped.items.length, 30);
    assert.equal(capped.capped, true);
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    await ex.dispose();
    await assertNothingLeft('after dispose', pids);
  });

  it('retries a page whose call raised once, and records it once', async () => {
    const ex = await executor('flaky');
    const c = await ex.crawl(req(2));
    assert.equal(c.items.length, 150);
    const retried = c.items.filter((r) => r.attempts === 2);
    assert.ok(retried.length > 0 && retried.every((r) => r.ok), `retried: ${retried.length}`);
    assert.deepEqual(visits(join(dir, 'visits.log')), reachable([0], links).pages);
  });

  it('a worker process killed in the middle of an item: acks_late requeues it, the retry is counted, the crawl completes', async () => {
    const ex = await executor('dies');
    const crawl = ex.crawl(req(2));
    const victimFile = join(dir, 'victim');
    for (let i = 0; i < 600 && !(existsSync(victimFile) && readFileSync(victimFile, 'utf8')); i++) await new Promise((r) => setTimeout(r, 50));
    // The prefork child running page 4: its parent sees it die and requeues the task.
    process.kill(Number(readFileSync(victimFile, 'utf8')), 'SIGKILL');
    const c = await crawl;
    assert.deepEqual(visits(join(dir, 'visits.log')), reachable([0], links).pages, 'nothing lost, nothing visited twice');
    assert.equal(c.distributed!.retries, 1);
    assert.equal(c.items.find((r) => r.attempts === 2)?.ok, true);
    assert.equal(c.drained, true);
  });

  it('Redis killed in the middle of a crawl: a clear error, no hang, no worker or driver left', async () => {
    const ex = await executor('dies');
    const crawl = ex.crawl(req(2));
    for (let i = 0; i < 600 && !existsSync(join(dir, 'victim')); i++) await new Promise((r) => setTimeout(r, 50));
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    process.kill(ex.endpoint!.pid!, 'SIGKILL');
    const t0 = Date.now();
    await assert.rejects(crawl, (e: unknown) => e instanceof ProfileError && /^Redis at 127\.0\.0\.1:\d+ \(started by the profiler\) went away in the middle of the distributed run .*its Celery workers were stopped/.test(e.message));
    assert.ok(Date.now() - t0 < 10_000, 'nothing hung');
    await ex.dispose();
    await assertNothingLeft('after Redis died', pids);
  });

  it('a whole queue-mode profile of a .py crawler with --executors sequential,distributed', async () => {
    const report = await profile({ file: DIST_FX('crawler.py'), functionName: 'crawl', python: SYSTEM_PY, budgetMs: 30_000, executors: ['sequential', 'distributed'], maxConcurrency: { distributed: 2 }, queue: { seeds: [0], dedupe: true, maxItems: 2000 } });
    assert.equal(report.queue!.itemsProcessed, 150);
    const dist = report.runs.filter((r) => r.executor === 'distributed');
    assert.ok(dist.length >= 1, JSON.stringify(report.caveats));
    for (const r of dist) {
      assert.equal(r.tasks, 150);
      assert.equal(r.drained, true);
      assert.equal(r.idleShare?.length, r.concurrency);
      assert.equal(r.distributed!.engine, 'celery');
    }
  });
});
