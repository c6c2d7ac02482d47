// Queue mode on Python's own queues, in a real python3: a FIFO loop, asyncio.Queue with K
// tasks, queue.Queue with K threads (task_done / join) and multiprocessing.JoinableQueue
// with K processes. Same guarantees as the JS side: each item once, failures retried
// once then reported, an endless frontier stops at --max-items, cancel leaves nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutorLimits } from '../../src/engine/executorTypes';
import { packageRoot } from '../../src/engine/paths';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { crawlMetrics } from '../../src/analysis/queue/crawlMetrics';
import { PythonQueueRunner } from '../../src/engine/queue/pythonQueueRunner';
import type { CrawlResult } from '../../src/shared/queue/queueTypes';
import type { ExecutorKind } from '../../src/shared/report';
import { range, useQueueScratch } from './queueScratch';

const FILE = join(packageRoot(), 'test', 'fixtures', 'queue', 'queue_targets.py');
const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 512, maxOutputBytes: 8192 };

/** Every process below this one (children and their children), from ps. */
function descendants(): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((r) => r.length >= 3 && r[2] !== 'ps')
    .map(([pid, ppid]) => [Number(pid), Number(ppid)]);
  const found = new Set<number>([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of rows) {
      if (found.has(ppid) && !found.has(pid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(process.pid);
  return [...found];
}

describe('queue mode: Python executors with real queues', function () {
  this.timeout(90_000);
  const { runtimes, done } = useQueueScratch('queue-py-');

  async function crawl(fn: string, kind: ExecutorKind, k: number, over: { maxItems?: number; signal?: AbortSignal; limits?: ExecutorLimits } = {}): Promise<CrawlResult> {
    let rt = runtimes.get(fn);
    if (!rt) runtimes.set(fn, (rt = await createPythonRuntime({ file: FILE, functionName: fn, args: [] }, LIMITS)));
    const runner = new PythonQueueRunner(kind, rt.target, over.limits ?? LIMITS);
    try {
      return await runner.crawl({ concurrency: k, seeds: [1], dedupe: true, maxItems: over.maxItems ?? 2000, deadlineMs: Date.now() + 60_000, signal: over.signal ?? new AbortController().signal });
    } finally {
      await runner.dispose();
    }
  }

  const cases: [ExecutorKind, string, number][] = [
    ['sequential', 'tree', 1],
    ['async', 'atree', 3],
    ['thread', 'tree', 3],
    ['process', 'tree', 2],
  ];
  for (const [kind, fn, k] of cases) {
    it(`${kind}: every item processed exactly once, duplicates dropped, join() returns`, async () => {
      const c = await crawl(fn, kind, k);
      assert.deepEqual(done(), range(1, 63));
      assert.equal(c.items.length, 63);
      assert.equal(new Set(c.items.map((r) => r.id)).size, 63);
      assert.ok(c.items.every((r) => r.ok && r.attempts === 1));
      assert.equal(c.duplicatesDropped, 32);
      assert.equal(c.drained, true);
      assert.equal(c.busy.length, k);
      const m = crawlMetrics(c);
      assert.equal(m.treeDepth, 6);
      assert.ok(m.idleShare.every((x) => x >= 0 && x <= 1));
    });
  }

  for (const kind of ['thread', 'process'] as ExecutorKind[]) {
    it(`${kind}: an item that raises once is retried and succeeds once`, async () => {
      const c = await crawl('flaky', kind, 2);
      assert.deepEqual(done(), range(1, 63));
      assert.equal(c.items.filter((r) => r.attempts === 2).length, 9);
      assert.ok(c.items.every((r) => r.ok));
    });

    it(`${kind}: an endless generator stops at --max-items`, async () => {
      const c = await crawl('endless', kind, 2, { maxItems: 30 });
      assert.equal(c.capped, true);
      assert.equal(c.items.length, 30);
      assert.equal(c.drained, true);
    });
  }

  it('process: a worker process that dies mid-item gets the item retried in a new process', async () => {
    const c = await crawl('dies_once', 'process', 2);
    assert.deepEqual(done(), range(1, 31));
    assert.equal(c.items.length, 31);
    assert.ok(c.items.every((r) => r.ok));
    assert.equal(c.items.filter((r) => r.attempts === 2).length, 1);
  });

  it('process: a worker process that dies on every attempt is reported failed, not lost', async () => {
    const c = await crawl('always_dies', 'process', 2);
    const bad = c.items.filter((r) => !r.ok);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].attempts, 2);
    assert.equal(bad[0].error?.kind, 'exit');
    assert.equal(c.items.length, c.admitted);
  });

  it('process: an item that hangs is killed at the call timeout, retried once in a new process, then failed', async () => {
    const c = await crawl('hangs', 'process', 2, { limits: { ...LIMITS, callTimeoutMs: 1000 } });
    const bad = c.items.filter((r) => !r.ok);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].attempts, 2);
    assert.equal(bad[0].error?.kind, 'timeout');
    assert.deepEqual(done(), [1, 2, 4, 5, 8, 9, 10, 11]);
  });

  for (const kind of ['thread', 'sequential'] as ExecutorKind[]) {
    it(`${kind}: a call that hangs past the timeout ends the crawl, reported, never a hang`, async () => {
      const c = await crawl('hangs', kind, kind === 'thread' ? 2 : 1, { limits: { ...LIMITS, callTimeoutMs: 800 } });
      const hung = c.items.filter((r) => r.error?.kind === 'timeout');
      assert.equal(hung.length, 1);
      assert.equal(c.drained, false);
      assert.match(c.note ?? '', /hung past the timeout/);
      assert.ok(c.items.filter((r) => r.ok).length >= 1);
    });
  }

  for (const kind of ['process', 'thread'] as ExecutorKind[]) {
    it(`${kind}: cancel mid-crawl leaves zero processes`, async () => {
      // The runtime keeps its own import-check interpreter; only the crawl's processes count.
      if (!runtimes.has('slow')) runtimes.set('slow', await createPythonRuntime({ file: FILE, functionName: 'slow', args: [] }, LIMITS));
      const before = new Set(descendants());
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 1500);
      const running = crawl('slow', kind, 3, { signal: ac.signal });
      await new Promise((r) => setTimeout(r, 1200));
      assert.ok(descendants().filter((p) => !before.has(p)).length >= (kind === 'process' ? 4 : 1), 'the crawl had started its processes');
      await assert.rejects(running, /cancelled/i);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(descendants().filter((p) => !before.has(p)), []);
    });
  }
});
