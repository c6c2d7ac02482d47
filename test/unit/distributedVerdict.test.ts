// The distributed verdict on made-up runs: the numbers it cites, when it says
// distributing pays, and the labelled projection.
import assert from 'node:assert/strict';
import { distributedCaveats, distributedVerdict, projectSpeedup } from '../../src/analysis/distributed/distributedVerdict';
import { decodeScalingPoints, DISTRIBUTED_WORDS, renderDistributedFinding } from '../../src/shared/distributedWords';
import type { DistributedRunStats } from '../../src/shared/distributed/distributedTypes';
import type { ExecutorKind, RunResult } from '../../src/shared/report';
import { assertPlainData } from './findings';

function run(executor: ExecutorKind, concurrency: number, throughputPerSec: number, distributed?: Partial<DistributedRunStats>): RunResult {
  const r: RunResult = {
    executor,
    concurrency,
    tasks: 100,
    wallMs: 1000,
    throughputPerSec,
    speedup: 1,
    speedupCi: [1, 1],
    noisy: false,
    cpuMsPerTask: null,
    cpuRatio: null,
    cpuSource: 'unavailable',
    coreUtilization: 0.5,
    busyCores: 1,
    errors: { count: 0, rate: 0, samples: [] },
  };
  if (distributed) {
    r.distributed = { workers: concurrency, remoteWorkers: 0, concurrencyPerWorker: 1, queueWaitMs: 1.2, runMs: 25, resultLatencyMs: 0.6, bytesPerTask: 300, retries: 0, engine: 'bullmq', redis: 'own', brokerMsPerTask: 0.1, ...distributed };
  }
  return r;
}

describe('distributed verdict', () => {
  it('cites the overhead per task against the task and the process pool, in numbers', () => {
    // Sequential: 40/s (25 ms). Process ×1: 39.5/s, i.e. 0.32 ms dispatch. Queue: 1.8 ms.
    const v = distributedVerdict([run('sequential', 1, 40), run('process', 1, 39.5), run('distributed', 1, 37.3, {}), run('distributed', 4, 145, {})]);
    const codes = v.findings.map((f) => f.code);
    assert.deepEqual(codes, ['distributed-overhead', 'distributed-vs-process', 'distributed-scaling', 'distributed-projection', 'distributed-pays']);
    assert.match(v.sentences[0], /^Each task pays 1\.8 ms of queue overhead \(1\.2 ms from enqueue to start, 600 µs from completion.*\), 7% of a 25 ms task/);
    const vsProcess = v.findings[1].data as { processOverheadMs: number; ratio: number };
    assert.ok(Math.abs(vsProcess.processOverheadMs - 0.316) < 0.01, String(vsProcess.processOverheadMs));
    assert.match(v.sentences[1], /5\.69× the local process pool's dispatch cost/);
    assert.match(v.sentences[2], /1 worker × 1 → 37\.3\/s \(0\.93×\), 4 workers × 1 → 145\/s \(3\.63×\)/);
    // 4 workers a machine × 10 machines = 40 workers; each task 25/26.8 efficient; Redis 0.1 ms serial.
    const p = v.findings[3].data as { speedup: number; workersPerMachine: number; brokerCapPerSec: number };
    assert.equal(p.workersPerMachine, 4);
    assert.equal(p.speedup, Math.round(projectSpeedup(40, 25, 1.8, 0.1) * 10) / 10);
    assert.ok(p.speedup > 30 && p.speedup < 37.3, String(p.speedup));
    assert.equal(p.brokerCapPerSec, 10000);
    assert.match(v.sentences[3], /^Projection from a scalability model, not a measurement: with 4 workers a machine, 10 machines would give about 3\d\.\d×/);
  });

  it('says it does not pay for a task shorter than the queue, and how many calls a job needs', () => {
    const v = distributedVerdict([run('sequential', 1, 5000), run('distributed', 1, 400, { runMs: 0.2, queueWaitMs: 1.5, resultLatencyMs: 0.5 })]);
    const f = v.findings.find((x) => x.code === 'distributed-does-not-pay')!;
    assert.equal(f.level, 'warning');
    // 2 ms of overhead under 10% of a job needs 100 calls of 0.2 ms.
    assert.equal(f.data.batch, 100);
    assert.match(v.sentences.at(-1)!, /does not pay per call: the queue costs 1000% of the task\. Put at least 100 calls in each job/);
    assert.ok(!v.findings.some((x) => x.code === 'distributed-vs-process'), 'no process run, no comparison');
  });

  it('keeps every finding plain (numbers and strings) and renders it from its data, as the report stores it', () => {
    const runsOf = [
      [run('sequential', 1, 40), run('process', 1, 39.5), run('distributed', 1, 37.3, {}), run('distributed', 4, 145, {})],
      [run('sequential', 1, 5000), run('distributed', 1, 400, { runMs: 0.2, queueWaitMs: 1.5, resultLatencyMs: 0.5 })],
      [run('sequential', 1, 40), run('distributed', 2, 70, { retries: 1 })],
    ];
    for (const runs of runsOf) {
      const caveats = distributedCaveats(runs);
      assert.ok(caveats.length > 0);
      for (const c of caveats) {
        assert.ok(c.code && DISTRIBUTED_WORDS[c.code], `no words for ${c.code}`);
        assertPlainData(c.data, c.code!);
        assert.equal(c.message, renderDistributedFinding({ code: c.code!, data: c.data! }));
        assert.ok(!/NaN|undefined|–/.test(c.message), c.message);
      }
    }
    const scaling = distributedCaveats(runsOf[0]).find((c) => c.code === 'distributed-scaling')!;
    assert.deepEqual(decodeScalingPoints(String(scaling.data!.points)).map((p) => p.workers), [1, 4]);
  });

  it('counts retries, and says nothing without distributed runs', () => {
    const v = distributedVerdict([run('sequential', 1, 40), run('distributed', 2, 70, { retries: 1 }), run('distributed', 4, 140, { retries: 2 })]);
    assert.equal(v.findings.at(-1)!.code, 'distributed-retries');
    assert.equal(v.sentences.at(-1), '3 jobs were run again after the worker running them died.');
    assert.deepEqual(distributedVerdict([run('sequential', 1, 40), run('process', 2, 70)]), { findings: [], sentences: [] });
  });

  it('projects linearly without broker cost and flattens with it', () => {
    assert.equal(projectSpeedup(10, 10, 0, 0), 10);
    assert.ok(projectSpeedup(1000, 10, 0, 1) < 11, 'a 1 ms serial broker caps 10 ms tasks near 10× + 1');
  });
});
