// Crawl metrics on a hand-built crawl: idle share counts only time idle on an empty
// queue (not the hand-off while items wait), the critical path follows parent links, and
// the depth timeline goes up at admission and down at start.
import assert from 'node:assert/strict';
import { crawlMetrics, depthTimeline } from '../../src/analysis/queue/crawlMetrics';
import type { CrawlResult, ItemRecord } from '../../src/shared/queue/queueTypes';

function item(id: number, parent: number, depth: number, enq: number, start: number, end: number, worker: number): ItemRecord {
  return { id, parent, depth, enqueuedMs: enq, startMs: start, endMs: end, worker, ok: true, attempts: 1, cpuMs: NaN, found: 0 };
}

// Two workers. Seed 0 runs 0–10 on worker 0 and finds 1 and 2 at 10. Item 1 starts at 12
// (2 ms hand-off, queue not empty) on worker 0, item 2 at 10 on worker 1. Item 1 finds 3
// at 30; 3 runs 30–40 on worker 1. Worker 1 sat idle 0–10 and 20–30 with an empty queue.
const items = [item(0, -1, 1, 0, 0, 10, 0), item(1, 0, 2, 10, 12, 30, 0), item(2, 0, 2, 10, 10, 20, 1), item(3, 1, 3, 30, 30, 40, 1)];
const crawl: CrawlResult = {
  executor: 'thread',
  concurrency: 2,
  startMs: 0,
  endMs: 40,
  items,
  busy: [
    [[0, 10], [12, 30]],
    [[10, 20], [30, 40]],
  ],
  admitted: 4,
  duplicatesDropped: 0,
  capped: false,
  drained: true,
  cpuSource: 'unavailable',
  errors: [],
};

describe('queue crawl metrics', () => {
  it('idle share: empty-queue waits only, not the hand-off', () => {
    const m = crawlMetrics(crawl);
    // Worker 0: idle 10–12 while item 1 waited (hand-off) and 30–40 with an empty queue.
    assert.equal(m.idleShare[0], 0.25);
    // Worker 1: idle 0–10 (queue empty: the seed was running) and 20–30 (empty).
    assert.equal(m.idleShare[1], 0.5);
  });

  it('critical path, tree depth, items/s', () => {
    const m = crawlMetrics(crawl);
    assert.equal(m.treeDepth, 3);
    assert.equal(m.criticalPathMs, 10 + 18 + 10); // 0 → 1 → 3
    assert.equal(m.workMs, 48);
    assert.equal(m.itemsPerSec, 100);
  });

  it('depth timeline rises at admission and falls at start', () => {
    const t = depthTimeline(crawl);
    assert.equal(t.intervalMs, 1);
    assert.equal(t.depth.length, 40);
    assert.equal(t.depth[10], 1, 'item 1 waits 10–12');
    assert.equal(t.depth[12], 0);
    assert.equal(Math.max(...t.depth), 1);
  });
});
