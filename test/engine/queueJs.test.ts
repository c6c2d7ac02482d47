// Queue mode on real JS pools: the in-loop queue of a worker thread (sequential, async),
// a piscina pool fed by the engine's queue (thread) and child processes fed the same way
// (process). Every item must be processed exactly once, failures retried once and then
// reported, never lost; an endless frontier must stop at --max-items; cancel must leave
// no process behind. Items sleep a few ms, so each crawl takes well under a second.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutorLimits } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import { crawlMetrics } from '../../src/analysis/queue/crawlMetrics';
import { createJsQueueRunner } from '../../src/engine/queue/jsQueueRunners';
import type { CrawlResult } from '../../src/shared/queue/queueTypes';
import type { ExecutorKind } from '../../src/shared/report';
import { range, useQueueScratch } from './queueScratch';

const FILE = join(packageRoot(), 'test', 'fixtures', 'queue', 'queueTargets.js');
const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 8192 };
const KINDS: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];

/** Children of this process, from ps, minus that ps itself. */
function childPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, comm]) => pid && comm !== 'ps')
    .map(([pid]) => Number(pid));
}

describe('queue mode: JS executors with real queues and pools', function () {
  this.timeout(60_000);
  const { runtimes, done } = useQueueScratch('queue-js-');

  async function crawl(fn: string, kind: ExecutorKind, k: number, over: { maxItems?: number; dedupe?: boolean; signal?: AbortSignal; seeds?: unknown[]; limits?: ExecutorLimits } = {}): Promise<CrawlResult> {
    const limits = over.limits ?? LIMITS;
    let rt = runtimes.get(fn);
    if (!rt) runtimes.set(fn, (rt = await createJsRuntime({ file: FILE, functionName: fn, args: [] }, LIMITS)));
    const init = { bundlePath: rt.target.bundlePath!, functionName: fn, args: [], callTimeoutMs: limits.callTimeoutMs, maxOutputBytes: limits.maxOutputBytes };
    const runner = createJsQueueRunner(kind, init, limits);
    try {
      return await runner.crawl({
        concurrency: k,
        seeds: over.seeds ?? [1],
        dedupe: over.dedupe ?? true,
        maxItems: over.maxItems ?? 2000,
        deadlineMs: Date.now() + 30_000,
        signal: over.signal ?? new AbortController().signal,
      });
    } finally {
      await runner.dispose();
    }
  }

  for (const kind of KINDS) {
    const k = kind === 'sequential' ? 1 : 3;
    it(`${kind}: every item of the tree is processed exactly once, duplicates dropped`, async () => {
      const c = await crawl('tree', kind, k);
      assert.deepEqual(done(), range(1, 63));
      assert.equal(c.items.length, 63);
      assert.equal(new Set(c.items.map((r) => r.id)).size, 63);
      assert.ok(c.items.every((r) => r.ok && r.attempts === 1));
      assert.equal(c.duplicatesDropped, 32, 'each of the 32 leaves links back to the root');
      assert.equal(c.admitted, 63);
      assert.equal(c.drained, true);
      assert.equal(c.capped, false);
      assert.equal(c.busy.length, k);
      const m = crawlMetrics(c);
      assert.equal(m.treeDepth, 6);
      assert.equal(m.idleShare.length, k);
      assert.ok(m.idleShare.every((x) => x >= 0 && x <= 1));
      assert.ok(m.criticalPathMs > 0 && m.criticalPathMs <= m.workMs);
    });

    it(`${kind}: an item that throws once is retried and succeeds once`, async () => {
      const c = await crawl('flaky', kind, k);
      assert.deepEqual(done(), range(1, 63));
      assert.equal(c.items.length, 63);
      for (const r of c.items) assert.equal(r.ok, true);
      assert.equal(c.items.filter((r) => r.attempts === 2).length, 9, 'items 7, 14, … 63 needed their retry');
      assert.match(c.note ?? '', /9 items retried/);
    });

    it(`${kind}: an item whose call always throws is reported failed after one retry`, async () => {
      const c = await crawl('alwaysThrows', kind, k);
      const bad = c.items.filter((r) => !r.ok);
      assert.equal(bad.length, 1);
      assert.equal(bad[0].attempts, 2);
      assert.equal(bad[0].error?.kind, 'RangeError');
      assert.equal(c.items.length, c.admitted, 'no admitted item is missing');
      assert.equal(c.errors[0].count, 1);
    });

    it(`${kind}: an endless frontier stops at --max-items`, async () => {
      const c = await crawl('endless', kind, k, { maxItems: 40 });
      assert.equal(c.capped, true);
      assert.equal(c.items.length, 40);
      assert.equal(c.drained, true);
    });
  }

  for (const kind of ['async', 'thread', 'process'] as ExecutorKind[]) {
    it(`${kind}: a worker that dies mid-item gets the item retried, nothing lost`, async () => {
      const c = await crawl('diesOnce', kind, 2);
      assert.deepEqual(done(), range(1, 31));
      assert.equal(c.items.length, 31);
      const five = c.items.find((r) => r.depth === 3 && r.ok && r.attempts === 2);
      assert.ok(five, 'item 5 ran twice and succeeded');
      assert.ok(c.items.every((r) => r.ok));
    });

    it(`${kind}: a worker that dies on every attempt is reported failed, not lost`, async () => {
      const c = await crawl('alwaysDies', kind, 2);
      const bad = c.items.filter((r) => !r.ok);
      assert.equal(bad.length, 1);
      assert.equal(bad[0].attempts, 2);
      assert.equal(bad[0].error?.kind, 'exit');
      assert.equal(c.items.length, c.admitted);
      // Item 5's subtree (10, 11, 20..23) was never found; everything else was done once.
      assert.deepEqual(done(), range(1, 31).filter((n) => ![5, 10, 11, 20, 21, 22, 23].includes(n)));
    });
  }

  for (const kind of ['async', 'thread', 'process'] as ExecutorKind[]) {
    it(`${kind}: an item that hangs is stopped at the call timeout, retried once, then failed; the crawl goes on`, async () => {
      const c = await crawl('hangs', kind, 2, { limits: { ...LIMITS, callTimeoutMs: 600 } });
      const bad = c.items.filter((r) => !r.ok);
      assert.equal(bad.length, 1);
      assert.equal(bad[0].attempts, 2);
      assert.equal(bad[0].error?.kind, 'timeout');
      // Item 3's subtree (6, 7, 12..15) was never found; the rest of 1..15 was done once.
      assert.deepEqual(done(), [1, 2, 4, 5, 8, 9, 10, 11]);
      assert.equal(c.items.length, c.admitted);
    });
  }

  for (const kind of ['async', 'process'] as ExecutorKind[]) {
    it(`${kind}: items yielded by an async generator are collected`, async () => {
      const c = await crawl('treeAsyncGen', kind, 3);
      assert.deepEqual(done(), range(1, 63));
      assert.equal(c.items.length, 63);
      assert.equal(c.items.reduce((a, r) => a + r.found, 0), 62);
    });
  }

  it('--no-dedupe keeps the duplicates: the endless back-links fill the cap', async () => {
    const c = await crawl('tree', 'thread', 2, { dedupe: false, maxItems: 120 });
    assert.equal(c.duplicatesDropped, 0);
    assert.equal(c.capped, true);
    assert.equal(c.items.length, 120);
  });

  for (const kind of ['thread', 'process', 'async'] as ExecutorKind[]) {
    it(`${kind}: cancel mid-crawl rejects and leaves zero child processes`, async () => {
      // Children this test process already had (another suite's) are not this crawl's.
      const before = new Set(childPids());
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 500);
      await assert.rejects(crawl('slow', kind, 4, { signal: ac.signal }), /cancelled/i);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(childPids().filter((p) => !before.has(p)), []);
    });
  }
});
