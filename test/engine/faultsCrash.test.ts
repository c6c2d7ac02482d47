// A native crash, or memory outside the JS heap, in code hosted by a worker thread of
// the engine process (docs/faults.md): the engine dies or is stopped, a new one
// measures the other executors, and the report shows the crash in the row of the
// executor that crashed. On the first call it is still an error (exit 3). And the RSS
// cap on child processes, for Buffers that --max-old-space-size does not see.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileInEngineProcess } from '../../src/engine/engineProcess';
import type { ProfileOptions } from '../../src/shared/options';
import type { Report } from '../../src/shared/report';
import { childRssCapMb, engineRssCapMb, rssMessage, userThreads } from '../../src/engine/rssWatch';
import { assertNoLeftovers, caveatText, errorsOf, FAULTS_DIR, JS_FAULTS, ProcessWatch, rejection, runsOf } from './faultsSupport';

const JS_ESCAPES = path.join(FAULTS_DIR, 'escapes.js');
const BASE: Partial<ProfileOptions> = {
  budgetMs: 3000,
  callTimeoutMs: 1500,
  memoryLimitMb: 128,
  maxConcurrency: { async: 2, thread: 2, process: 2 },
};
/** The thread ladder's first point, measured breadth first: K = cores, within the cap of 2. */
const firstThreadK = Math.min(2, os.cpus().length);

function profileOf(file: string, functionName: string, args: unknown[], over: Partial<ProfileOptions> = {}): Promise<Report> {
  return profileInEngineProcess({ file, functionName, args, ...BASE, ...over });
}

/** The other executors were measured and are clean; the crashed one has its row and is out of the recommendation. */
function assertWentOn(report: Report, crashed: 'thread' | 'async', others: ('sequential' | 'async' | 'thread' | 'process')[]) {
  for (const kind of others) {
    const runs = runsOf(report, kind);
    assert.ok(runs.length > 0 && runs.every((r) => r.tasks > 0 && r.errors.count === 0), `${kind}: ${JSON.stringify(runs.map((r) => [r.tasks, r.errors]))}`);
  }
  const rows = runsOf(report, crashed);
  assert.equal(rows.length, 1, `one row for ${crashed}`);
  assert.deepEqual([rows[0].tasks, rows[0].throughputPerSec, rows[0].errors.rate], [0, 0, 1]);
  assert.notEqual(report.recommendation.executor, crashed);
  assert.match(caveatText(report), new RegExp(`^${crashed} × \\d+: \\w+ took down the profiler's engine process \\(.*\\)\\. A new engine process measured the other executors`, 'm'));
  // The table keeps the executors' order.
  const order = ['sequential', 'async', 'thread', 'process'];
  const seen = report.runs.map((r) => order.indexOf(r.executor));
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
}

describe('fault table: a thread takes down the engine process', function () {
  this.timeout(60_000);
  this.slow(10_000);

  it('the memory caps follow the documented rule', () => {
    assert.equal(childRssCapMb(1024), 1152);
    // thread × 4: four pool threads and the loop worker, (M + 32) each, plus 256 for the engine.
    assert.equal(engineRssCapMb(1024, userThreads('thread', 4)), 5 * 1056 + 256);
    assert.equal(engineRssCapMb(128, userThreads('async', 8)), 160 + 256);
    assert.equal(rssMessage(612.4, 576), 'out of memory: RSS reached 612 MB (cap 576 MB)');
  });

  it('SIGSEGV in a thread-pool worker: a new engine measures the rest; the thread row shows the crash', async () => {
    const watch = new ProcessWatch().start();
    const phases: string[] = [];
    let report: Report;
    try {
      report = await profileInEngineProcess(
        { file: JS_FAULTS, functionName: 'segfaultsIn', args: ['thread', '$i'], ...BASE },
        { onProgress: (e) => phases.push(e.message) },
      );
    } finally {
      watch.stop();
    }
    // async ran before the crash: measured again, or named in the caveat when the budget was short.
    const remeasured = runsOf(report, 'async').length > 0;
    assertWentOn(report, 'thread', remeasured ? ['sequential', 'async', 'process'] : ['sequential', 'process']);
    if (!remeasured) assert.match(caveatText(report), /async ran before the crash, but too little of the budget was left to measure it again/);
    const [crash] = errorsOf(report, 'thread');
    assert.deepEqual(
      { kind: crash.kind, message: crash.message },
      { kind: 'crash', message: `the profiler's engine process died while running thread × ${firstThreadK} (it was killed by SIGSEGV); the other executors were measured in a new one` },
    );
    assert.ok(phases.includes('thread crashed the engine process; going on without it'), phases.join(' | '));
    // A restart costs a new engine process (about a second) and at least MIN_RESTART_BUDGET_MS.
    assert.ok(report.durationMs < 3000 + 4000, `the budget plus a restart: ${report.durationMs} ms`);
    await assertNoLeftovers(watch, 'after two engine processes');
  });

  it('SIGSEGV on the first call: still an error, with what happened', async () => {
    const e = await rejection(profileOf(JS_FAULTS, 'segfaultsIn', ['loop', '$i']));
    assert.equal(e.code, 'function-failed');
    assert.match(e.message, /^segfaultsIn took down the profiler's engine process on its first call: it was killed by SIGSEGV\. /);
    assert.equal(e.userError?.kind, 'crash');
  });

  it('Buffers without bound in a thread: the engine RSS cap stops it; a new engine measures the rest', async () => {
    // A long call timeout: filling hundreds of MB takes a while on a busy machine, and the cap must win.
    const report = await profileOf(JS_ESCAPES, 'hoardsBuffersIn', ['thread', '$i'], { executors: ['thread', 'process'], callTimeoutMs: 15_000 });
    assertWentOn(report, 'thread', ['sequential', 'process']);
    const [oom] = errorsOf(report, 'thread');
    assert.equal(oom.kind, 'out-of-memory');
    // Breadth first: threads start at K = cores, so the engine holds K pool threads and the loop worker.
    const cap = engineRssCapMb(128, firstThreadK + 1);
    assert.match(oom.message, new RegExp(`^the profiler's engine process died while running thread × ${firstThreadK} \\(out of memory: RSS reached \\d+ MB \\(cap ${cap} MB\\)\\)`));
    const rss = Number(/RSS reached (\d+) MB/.exec(oom.message)?.[1]);
    assert.ok(rss > cap && rss < cap + 600, `stopped soon after the cap: ${rss} MB`);
  });

  it('Buffers without bound on the first call: an error naming the RSS and the cap', async () => {
    const e = await rejection(profileOf(JS_ESCAPES, 'hoardsBuffersIn', ['loop', '$i'], { callTimeoutMs: 15_000 }));
    assert.equal(e.code, 'function-failed');
    assert.match(e.message, new RegExp(`^hoardsBuffersIn took down the profiler's engine process on its first call: out of memory: RSS reached \\d+ MB \\(cap ${engineRssCapMb(128, 1)} MB\\)\\.`));
    assert.equal(e.userError?.kind, 'out-of-memory');
  });

  it('Buffers without bound in a child process: that child is stopped at its RSS cap, the profile goes on', async () => {
    const report = await profileOf(JS_ESCAPES, 'hoardsBuffersIn', ['process', '$i'], { executors: ['process'], callTimeoutMs: 15_000 });
    const errors = errorsOf(report, 'process');
    assert.ok(errors.length > 0, 'the process run failed');
    for (const e of errors) {
      assert.equal(e.kind, 'out-of-memory');
      const [, rss, cap] = /^out of memory: RSS reached (\d+) MB \(cap (\d+) MB\)$/.exec(e.message) ?? [];
      // The cap counts from what the child held once the module was loaded (Node and the bundle: tens of MB).
      assert.ok(Number(cap) > childRssCapMb(128) && Number(cap) < childRssCapMb(128) + 200, e.message);
      // Both are rounded to whole MB: a child stopped just past its cap reads "303 MB (cap 303 MB)".
      assert.ok(Number(rss) >= Number(cap) && Number(rss) < Number(cap) + 600, e.message);
    }
    assert.ok(runsOf(report, 'sequential')[0].tasks > 0);
  });
});
