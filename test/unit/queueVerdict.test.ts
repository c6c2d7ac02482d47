// The queue verdict's rules on hand-made runs: which limit it names, with which numbers.
import assert from 'node:assert/strict';
import type { RunResult } from '../../src/shared/report';
import { queueVerdict, type QueueVerdictInput } from '../../src/analysis/queue/queueVerdict';
import { QUEUE_WORDS, renderQueueFinding } from '../../src/shared/queueWords';
import { reasonsOf, renderRecommendation } from '../../src/shared/wording';
import { assertPlainData } from './findings';

function run(executor: RunResult['executor'], k: number, itemsPerSec: number, idle: number, wallMs = 1000): RunResult {
  return {
    executor,
    concurrency: k,
    tasks: 500,
    wallMs,
    throughputPerSec: itemsPerSec,
    speedup: itemsPerSec / 50,
    speedupCi: [itemsPerSec / 55, itemsPerSec / 45],
    noisy: false,
    cpuMsPerTask: 1,
    cpuRatio: 0.05,
    cpuSource: 'process.threadCpuUsage',
    coreUtilization: 0.2,
    busyCores: 0.4,
    errors: { count: 0, rate: 0, samples: [] },
    idleShare: Array.from({ length: k }, () => idle),
    drained: true,
  };
}

const base: Omit<QueueVerdictInput, 'runs'> = {
  kind: 'io-bound',
  cores: 2,
  itemsProcessed: 500,
  itemsFound: 1500,
  duplicatesDropped: 1000,
  failedItems: 0,
  treeDepth: 8,
  criticalPathMs: 100,
  maxSpeedup: 100,
  capped: false,
  maxItems: 2000,
  formulaWorkers: 40,
};

describe('queue verdict', () => {
  it('names the frontier as the limit when workers wait on an empty queue, with the numbers', () => {
    const v = queueVerdict({ ...base, runs: [run('sequential', 1, 50, 0, 10_000), run('thread', 8, 300, 0.2), run('thread', 16, 310, 0.6)] });
    const starved = v.findings.find((f) => f.code === 'queue.frontier-starved');
    assert.ok(starved);
    assert.equal(starved.data.busyWorkers, 6);
    const s = v.sentences[v.findings.indexOf(starved)];
    assert.match(s, /waited on an empty queue 60% of the time: the crawl's frontier, not the pool, limits speed; more than 6 workers would idle/);
    // thread × 8 is within 5% of thread × 16: the fewer workers win.
    assert.equal(v.recommendation.executor, 'thread');
    assert.equal(v.recommendation.workers, 8);
  });

  it('names the pool as the limit when workers are busy and the queue always had work', () => {
    const v = queueVerdict({ ...base, kind: 'cpu-bound', runs: [run('sequential', 1, 50, 0), run('process', 2, 95, 0.05)] });
    const f = v.findings.find((x) => x.code === 'queue.pool-bound');
    assert.ok(f);
    assert.match(v.sentences[v.findings.indexOf(f)], /busy 95% of the time.*the pool, not the frontier, limits speed; the items are CPU-bound/);
  });

  it('says the longest chain bounds the speedup when the best drain is close to it', () => {
    const v = queueVerdict({ ...base, criticalPathMs: 900, maxSpeedup: 11, runs: [run('sequential', 1, 50, 0, 10_000), run('async', 32, 450, 0.2, 1100)] });
    const f = v.findings.find((x) => x.code === 'queue.chain-bound');
    assert.equal(f?.level, 'key');
    assert.match(v.sentences[v.findings.indexOf(f!)], /longest chain is 8 items deep .* bounds the speedup at 11.0×/);
  });

  it('every finding has words and plain data, and its sentence is the rendering', () => {
    const cases = [
      queueVerdict({ ...base, runs: [run('sequential', 1, 50, 0, 10_000), run('thread', 8, 300, 0.2), run('thread', 16, 310, 0.6)] }),
      queueVerdict({ ...base, kind: 'cpu-bound', runs: [run('sequential', 1, 50, 0, 10_000), run('process', 2, 95, 0.05)] }),
      queueVerdict({ ...base, criticalPathMs: 900, maxSpeedup: 11, runs: [run('sequential', 1, 50, 0, 10_000), run('async', 32, 450, 0.2, 1100)] }),
      queueVerdict({ ...base, capped: true, failedItems: 2, runs: [run('sequential', 1, 50, 0), { ...run('thread', 4, 150, 0.1), drained: false }] }),
    ];
    const seen = new Set<string>();
    for (const v of cases) {
      v.findings.forEach((f, i) => {
        assert.ok(QUEUE_WORDS[f.code], `no words for ${f.code}`);
        assertPlainData(f.data, f.code);
        assert.equal(v.sentences[i], renderQueueFinding(f));
        assert.ok(!/NaN|undefined/.test(v.sentences[i]), v.sentences[i]);
        seen.add(f.code);
      });
      // The answer too: a code and plain data, and its reason is their rendering, the limit it names included.
      const rec = v.recommendation;
      assert.equal(rec.code, 'queue.recommend');
      assertPlainData(rec.data, 'queue.recommend');
      assert.equal(rec.reason, renderRecommendation({ code: rec.code!, data: rec.data! }, { python: false }));
      const limit = v.findings.find((f) => f.level === 'key' && f.code !== 'queue.recommend');
      if (limit) assert.ok(rec.reason.endsWith(renderQueueFinding(limit)), `${rec.reason} names ${limit.code}`);
    }
    assert.deepEqual([...seen].sort(), Object.keys(QUEUE_WORDS).sort(), 'the cases reach every code');
    const none = queueVerdict({ ...base, runs: [] }).recommendation;
    assert.equal(none.reason, 'No crawl finished an item.');
    assert.equal(renderRecommendation({ code: none.code!, data: none.data! }, { python: false }), none.reason);
  });

  it('a saved queue report whose reasons outnumber its findings shows its stored reasons, none dropped', () => {
    // Before queue reasons had findings, a report led with two queue sentences beside the classifier's one finding.
    const report = { target: { language: 'javascript' }, verdict: { reasons: ['The item tree is 7 deep; …', '418 duplicate items were dropped (76% of the items found).', 'Each call used 18% …'], findings: [{ code: 'cpu.share', level: 'info', data: { callCpuRatio: 0.18 } }] } };
    assert.deepEqual(reasonsOf(report as never), report.verdict.reasons);
  });

  it('warns about a capped frontier, undrained runs and failed items', () => {
    const undrained = { ...run('thread', 4, 150, 0.1), drained: false };
    const v = queueVerdict({ ...base, capped: true, failedItems: 2, runs: [run('sequential', 1, 50, 0), undrained] });
    const codes = v.findings.filter((f) => f.level === 'warning').map((f) => f.code).sort();
    assert.deepEqual(codes, ['queue.capped', 'queue.failed-items', 'queue.undrained']);
  });
});
