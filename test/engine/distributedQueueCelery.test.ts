// Queue mode on the distributed executor, Python: real Celery workers (the system
// interpreter with Debian's python3-celery and python3-redis) on our own real Redis
// crawl the generated link graph of crawler.py, putting the links they find back on the
// same Celery queue through the crawl script. Skipped when redis-server or celery is
// missing. The crawl must visit exactly the reachable pages, once each.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ExecutorLimits } from '../../src/engine/executorTypes';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { profile } from '../../src/engine/profile';
import { assertNothingLeft, crawlRequest, DIST_FX, hasRedis, reachable, useCrawlRuntime, visits, waitForPid, works, killRedisMidCrawl, assertDistributedCrawl, assertRetriedOnce, crawlerLinks, assertDiscoveryDepths } from './distributedSupport';

const SYSTEM_PY = '/usr/bin/python3';
const LIMITS: ExecutorLimits = { callTimeoutMs: 5000, memoryLimitMb: 256, maxOutputBytes: 8192 };

describe('queue mode on the distributed executor: Celery', function () {
  this.timeout(120_000);
  before(function () {
    if (!hasRedis() || !works(SYSTEM_PY, ['-c', 'import celery, redis'])) this.skip();
  });
  const { executor, dir, log } = useCrawlRuntime((fn: string) => createPythonRuntime({ file: DIST_FX('crawler.py'), functionName: fn, args: [], python: SYSTEM_PY }, LIMITS));

  it('crawls exactly the reachable pages, once each, with Celery workers putting the links back on the queue', async () => {
    const ex = await executor('crawl');
    const c = await ex.crawl(crawlRequest(2));
    const want = reachable([0], crawlerLinks);
    assert.deepEqual(visits(log()), want.pages, 'every reachable page visited exactly once, no other');
    assert.equal(c.items.length, 150);
    assert.equal(new Set(c.items.map((r) => r.id)).size, 150);
    assert.ok(c.items.every((r) => r.ok && r.attempts === 1));
    assert.equal(c.duplicatesDropped, want.duplicates);
    assertDiscoveryDepths(c.items, 1, want.depth);
    assert.equal(c.drained, true);
    assert.equal(c.busy.length, 2);
    const d = c.distributed!;
    assert.equal(d.engine, 'celery');
    assert.equal(d.workers, 2);
    assert.equal(d.retries, 0);
    assert.ok(d.runMs >= 2.5 && d.bytesPerTask > 100, JSON.stringify(d));
    assert.ok(c.items.every((r) => Number.isFinite(r.cpuMs)), 'CPU per item from the prefork child thread clock');
    // A second crawl on the same workers, capped: its own seen-set and cap.
    const capped = await ex.crawl(crawlRequest(2, { maxItems: 30 }));
    assert.equal(capped.items.length, 30);
    assert.equal(capped.capped, true);
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    await ex.dispose();
    await assertNothingLeft('after dispose', pids);
  });

  it('a worker process killed in the middle of an item: acks_late requeues it, the retry is counted, the crawl completes', async () => {
    const ex = await executor('dies');
    const crawl = ex.crawl(crawlRequest(2));
    // The prefork child running page 4: its parent sees it die and requeues the task.
    process.kill(await waitForPid(join(dir(), 'victim')), 'SIGKILL');
    const c = await crawl;
    assert.deepEqual(visits(log()), reachable([0], crawlerLinks).pages, 'nothing lost, nothing visited twice');
    assert.equal(c.distributed!.retries, 1);
    assert.equal(c.items.find((r) => r.attempts === 2)?.ok, true);
    assert.equal(c.drained, true);
  });

  it('retries a page whose call raised once, and records it once', async () => {
    const ex = await executor('flaky');
    assertRetriedOnce(await ex.crawl(crawlRequest(2)), log());
  });

  it('Redis killed in the middle of a crawl: a clear error, no hang, no worker or driver left', async () => {
    await killRedisMidCrawl(await executor('dies'), join(dir(), 'victim'), /^Redis at 127\.0\.0\.1:\d+ \(started by the profiler\) went away in the middle of the distributed run .*its Celery workers were stopped/);
  });

  it('a whole queue-mode profile of a .py crawler with --executors sequential,distributed', async () => {
    const report = await profile({ file: DIST_FX('crawler.py'), functionName: 'crawl', python: SYSTEM_PY, budgetMs: 30_000, executors: ['sequential', 'distributed'], maxConcurrency: { distributed: 2 }, queue: { seeds: [0], dedupe: true, maxItems: 2000 } });
    for (const r of assertDistributedCrawl(report, 'celery')) assert.ok(r.distributed!.bytesPerTask > 100 && r.distributed!.workers === r.concurrency, JSON.stringify(r.distributed));
  });
});
