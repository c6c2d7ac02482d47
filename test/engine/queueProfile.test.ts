// Queue mode end to end through the CLI: the report's queue block, idle shares per
// worker, the verdict in the lesson's words, the caveat of an endless frontier, and
// one-line errors for bad seeds. Short budgets: the fixture's whole tree is 63 items.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import type { Report } from '../../src/shared/report';
import { formatText } from '../../src/shared/formatReport';
import { reasonsOf } from '../../src/shared/wording';

const root = packageRoot();
const bin = path.join(root, 'bin/workload-profiler.js');
const FIX = 'test/fixtures/queue/queueTargets.js';

function cli(args: string[], dir: string) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 90_000, cwd: root, env: { ...process.env, QUEUE_TEST_DIR: dir } });
}

describe('queue mode through the CLI', function () {
  this.timeout(120_000);
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'queue-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('profiles a crawl: queue block, idle share per worker, verdict and recommendation', () => {
    const r = cli(['profile', FIX, 'tree', '--seed', '[1]', '--budget', '8', '--executors', 'async,thread', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    const q = report.queue!;
    assert.deepEqual(q.seeds, [1]);
    assert.equal(q.itemsProcessed, 63);
    assert.equal(q.duplicatesDropped, 32);
    assert.equal(q.treeDepth, 6);
    assert.equal(q.failedItems, 0);
    assert.equal(q.capped, false);
    assert.ok(q.criticalPathMs > 0 && q.maxSpeedup >= 1);
    assert.equal(q.depthTimeline.length, report.runs.length);
    assert.ok(q.depthTimeline.every((t) => t.depth.length > 0 && t.intervalMs > 0));
    assert.equal(report.runs[0].executor, 'sequential');
    for (const run of report.runs) {
      assert.equal(run.idleShare?.length, run.concurrency, `${run.executor} × ${run.concurrency}`);
      assert.equal(run.tasks, 63);
      assert.equal(run.drained, true);
    }
    assert.ok(report.runs.some((x) => x.executor === 'thread') && report.runs.some((x) => x.executor === 'async'));
    // Breadth first: every executor crawls at K = 2 before any climbs; the runs list by executor, then K.
    const order = report.timeline.marks.map((m) => `${m.executor}×${m.concurrency}`);
    assert.deepEqual(order.slice(0, 3), ['sequential×1', 'async×2', 'thread×2'], order.join(', '));
    const listed = report.runs.map((x) => `${x.executor}×${x.concurrency}`);
    assert.deepEqual(listed, [...listed].sort((a, b) => ['sequential', 'async', 'thread'].indexOf(a.split('×')[0]) - ['sequential', 'async', 'thread'].indexOf(b.split('×')[0]) || Number(a.split('×')[1]) - Number(b.split('×')[1])));
    assert.ok(report.verdict.reasons.some((s) => /longest chain|empty queue|pool, not the frontier/.test(s)), report.verdict.reasons.join('\n'));
    // Every reason has its finding, and every reader renders all of them: the tree's depth
    // and the duplicates had been dropped from the text and the panel.
    assert.equal(report.verdict.findings?.length, report.verdict.reasons.length);
    assert.deepEqual(reasonsOf(report), report.verdict.reasons);
    assert.ok(report.verdict.findings!.some((f) => f.code === 'queue.chain-bound'));
    const text = formatText(report).replace(/\s+/g, ' ');
    assert.match(text, /(The item tree is 6 deep|The longest chain is 6 items deep)/);
    assert.match(text, /32 duplicate items were dropped/);
    assert.match(report.recommendation.reason, /^Use (sequential|async|thread) × \d+: it drained the crawl in/);
  });

  it('an endless frontier stops at --max-items with a caveat; the text report shows the queue', () => {
    const r = cli(['profile', FIX, 'endless', '--seed', '[0]', '--max-items', '40', '--budget', '5', '--executors', 'thread'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Queue mode/);
    assert.match(r.stdout, /stopped at --max-items 40/);
    assert.match(r.stdout.replace(/\s+/g, ' '), /The frontier never ended: --max-items stopped the crawl at 40 items/);
    const j = cli(['profile', FIX, 'endless', '--seed', '[0]', '--max-items', '40', '--budget', '3', '--executors', 'thread', '--json'], dir);
    const capped = (JSON.parse(j.stdout) as Report).caveats.find((c) => c.code === 'queue.capped');
    assert.deepEqual(capped?.data, { maxItems: 40 }, 'the caveat carries its code and numbers');
  });

  it('bad seeds are a one-line bad-input error (exit 2)', () => {
    for (const seed of ['{"a":1}', '[]', '[1,']) {
      const r = cli(['profile', FIX, 'tree', '--seed', seed], dir);
      assert.equal(r.status, 2, `--seed ${seed}: ${r.stderr}`);
      assert.match(r.stderr, /^error: --seed .*\n$/);
    }
  });

  it('--max-items 0 is a one-line bad-input error', () => {
    const r = cli(['profile', FIX, 'tree', '--seed', '[1]', '--max-items', '0'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-items must be a positive whole number/);
  });

  it('a function that returns a number instead of items fails with a message saying what to return', () => {
    const r = cli(['profile', FIX, 'notItems', '--seed', '[1]', '--budget', '4'], dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /must return the new items it found \(an array, a generator or an async iterable\), not number/);
  });
});
