// Queue mode on the distributed executor, JS: real BullMQ workers on our own real Redis
// crawl a generated link graph, putting the links they find back on the same queue
// through the crawl script (dedupe and --max-items atomic in Redis). The crawl must
// visit exactly the pages reachable from the seed, once each; faults (a worker killed
// mid-item, Redis killed mid-crawl, cancel) must end cleanly with nothing left running.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ExecutorLimits } from '../../src/engine/executorTypes';
import { Redis } from 'ioredis';
import { startOwnRedis } from '../../src/engine/distributed/redisServer';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { profile } from '../../src/engine/profile';
import { ProfileError } from '../../src/shared/errors';
import type { DistributedOptions } from '../../src/shared/distributed/distributedTypes';
import { assertNothingLeft, crawlRequest, DIST_FX, hasRedis, reachable, useCrawlRuntime, visits, waitForPid, killRedisMidCrawl, assertDistributedCrawl, assertRetriedOnce, crawlerLinks, assertDiscoveryDepths } from './distributedSupport';

const LIMITS: ExecutorLimits = { callTimeoutMs: 5000, memoryLimitMb: 256, maxOutputBytes: 8192 };

describe('queue mode on the distributed executor: BullMQ', function () {
  this.timeout(90_000);
  before(function () {
    if (!hasRedis()) this.skip();
  });
  const { executor, dir, log } = useCrawlRuntime((fn: string, distributed: DistributedOptions = {}) =>
    createJsRuntime({ file: DIST_FX('crawler.js'), functionName: fn, args: [], distributed }, LIMITS),
  );

  it('crawls exactly the reachable pages, once each, with workers putting the links back on the queue', async () => {
    const ex = await executor('crawl');
    const c = await ex.crawl(crawlRequest(3));
    const want = reachable([0], crawlerLinks);
    assert.equal(want.pages.length, 150);
    assert.deepEqual(visits(log()), want.pages, 'every reachable page visited exactly once, no other');
    assert.equal(c.items.length, 150);
    assert.equal(new Set(c.items.map((r) => r.id)).size, 150);
    assert.ok(c.items.every((r) => r.ok && r.attempts === 1));
    assert.equal(c.admitted, 150);
    assert.equal(c.duplicatesDropped, want.duplicates);
    assertDiscoveryDepths(c.items, 1, want.depth);
    assert.equal(c.drained, true);
    assert.equal(c.capped, false);
    assert.equal(c.executor, 'distributed');
    assert.equal(c.busy.length, 3);
    assert.ok(c.busy.every((spans) => spans.length > 0), 'each of the 3 job slots ran items');
    const d = c.distributed!;
    assert.equal(d.engine, 'bullmq');
    assert.equal(d.workers, 3);
    assert.equal(d.concurrencyPerWorker, 1);
    assert.equal(d.retries, 0);
    assert.ok(d.runMs >= 2.5, `runMs ${d.runMs}`);
    assert.ok(d.bytesPerTask > 100, `bytesPerTask ${d.bytesPerTask}`);
    assert.ok(d.queueWaitMs >= 0 && d.resultLatencyMs >= 0);
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    await ex.dispose();
    await assertNothingLeft('after dispose', pids);
  });

  it('drops JSON-equal items whose keys come in another order, with BullMQ concurrency 2 per worker', async () => {
    const ex = await executor('crawlObjects', { concurrencyPerWorker: 2 });
    const c = await ex.crawl(crawlRequest(4, { seeds: [{ p: 0, site: 'a' }] }));
    assert.deepEqual(visits(log()), reachable([0], crawlerLinks).pages);
    assert.equal(c.items.length, 150);
    assert.equal(ex.localWorkerPids.length, 2);
    assert.equal(c.distributed!.concurrencyPerWorker, 2);
    assert.equal(c.busy.length, 4);
  });

  it('stops an endless frontier at --max-items, and a second crawl on the same workers starts afresh', async () => {
    const ex = await executor('endless');
    const c = await ex.crawl(crawlRequest(2, { maxItems: 40 }));
    assert.equal(c.items.length, 40);
    assert.equal(c.admitted, 40);
    assert.equal(c.capped, true);
    assert.equal(c.drained, true, 'every admitted item was processed');
    const again = await ex.crawl(crawlRequest(2, { maxItems: 25 }));
    assert.equal(again.items.length, 25, 'a new crawl: its own seen-set and cap');
  });

  it("on the user's Redis (--redis), leaves no key of the crawl and no job behind", async () => {
    const redis = await startOwnRedis();
    const client = new Redis(redis.url);
    try {
      const ex = await executor('crawl', { redisUrl: redis.url });
      const c = await ex.crawl(crawlRequest(2, { maxItems: 60 }));
      assert.equal(c.items.length, 60);
      assert.equal(c.distributed!.redis, `127.0.0.1:${redis.port}`);
      await ex.dispose();
      assert.deepEqual(await client.keys('workload-profiler:crawl:*'), [], 'crawl state deleted');
      assert.equal(await client.llen('bull:workload-profiler.crawl:wait'), 0, 'no job waiting');
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });

  it('retries an item whose call threw once, and records it once', async () => {
    const ex = await executor('flaky');
    assertRetriedOnce(await ex.crawl(crawlRequest(2)), log());
  });

  it('a worker killed in the middle of an item: the item is redelivered, counted as a retry, and the crawl completes', async () => {
    const ex = await executor('dies');
    const crawl = ex.crawl(crawlRequest(2));
    const victim = await waitForPid(join(dir(), 'victim'));
    assert.ok(victim > 0 && ex.localWorkerPids.includes(victim), 'page 4 is running on one of our workers');
    process.kill(-victim, 'SIGKILL');
    const c = await crawl;
    assert.deepEqual(visits(log()), reachable([0], crawlerLinks).pages, 'nothing lost, nothing visited twice');
    assert.equal(c.items.length, 150);
    assert.equal(c.distributed!.retries, 1, 'the redelivery is counted');
    assert.equal(c.items.find((r) => r.attempts === 2)?.ok, true, 'page 4 succeeded on its second attempt');
    assert.equal(c.drained, true);
  });

  it('Redis killed in the middle of a crawl: a clear error, no hang, no worker left', async () => {
    await killRedisMidCrawl(await executor('dies'), join(dir(), 'victim'), /^Redis at 127\.0\.0\.1:\d+ \(started by the profiler\) went away in the middle of the distributed run .*its local workers were stopped/);
  });

  it('cancel in the middle of a crawl stops the workers and Redis', async () => {
    const ex = await executor('dies');
    const ac = new AbortController();
    const crawl = ex.crawl(crawlRequest(2, { signal: ac.signal }));
    await waitForPid(join(dir(), 'victim'));
    const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
    ac.abort();
    await assert.rejects(crawl, (e: unknown) => e instanceof ProfileError && e.code === 'cancelled');
    await assertNothingLeft('after cancel', pids);
  });

  it('a whole queue-mode profile with --executors sequential,distributed reports the crawl and the queue per item', async () => {
    const report = await profile({ file: DIST_FX('crawler.js'), functionName: 'crawl', budgetMs: 20_000, executors: ['sequential', 'distributed'], maxConcurrency: { distributed: 4 }, queue: { seeds: [0], dedupe: true, maxItems: 2000 } });
    // The sequential crawl, breadth-first, gives the tree when it drained; a concurrent one may have found a page by a longer path first.
    assert.ok(report.queue!.treeDepth >= reachable([0], crawlerLinks).depth);
    for (const r of assertDistributedCrawl(report, 'bullmq')) {
      assert.equal(r.distributed!.workers, r.concurrency);
      assert.ok(r.distributed!.brokerMsPerTask! > 0);
    }
    assert.equal(report.queue!.depthTimeline.length, report.runs.length);
  });
});
