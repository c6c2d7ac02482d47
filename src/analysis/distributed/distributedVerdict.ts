// When does distributing pay? Pure: reads the runs of one report (the distributed
// executor's, the sequential baseline and the process pool's, all from the same
// profile) and returns structured findings {code, level, data} plus one sentence each,
// rendered by src/shared/distributedWords.ts. The report keeps them as caveats with
// their codes and numbers. The projection to more machines is a scalability model, labelled so:
// Amdahl's law with Redis's own measured time per task as the serial part (one Redis
// runs commands one at a time), and each task stretched by the measured queue overhead.
import type { Caveat, FindingData, RunResult } from '../../shared/report';
import { encodeScalingPoints, renderDistributedFinding } from '../../shared/distributedWords';
import { round1, round2, round3 } from '../../shared/rounding';

export type DistributedFindingCode =
  | 'distributed-overhead'
  | 'distributed-vs-process'
  | 'distributed-scaling'
  | 'distributed-projection'
  | 'distributed-pays'
  | 'distributed-does-not-pay'
  | 'distributed-retries';

export interface DistributedFinding {
  code: DistributedFindingCode;
  level: 'info' | 'warning';
  /** Plain numbers and strings, as every finding a report stores (flags are 1 or 0). */
  data: FindingData;
}

export interface DistributedVerdict {
  findings: DistributedFinding[];
  /** One sentence per finding, same order. */
  sentences: string[];
}

/** Overhead below this share of the task: distributing costs little per task. */
export const PAYS_BELOW_SHARE = 0.1;
/** Machines the projection sentence talks about. */
export const PROJECTED_MACHINES = 10;

/** Projected speedup over one worker with no queue, for n workers in all (see the header). */
export function projectSpeedup(n: number, taskMs: number, overheadMs: number, brokerMs: number): number {
  const cycle = taskMs + overheadMs;
  if (!(cycle > 0) || n <= 0) return 0;
  const sigma = Math.max(0, brokerMs) / cycle;
  return (n * (taskMs / cycle)) / (1 + sigma * (n - 1));
}

export function distributedVerdict(runs: RunResult[]): DistributedVerdict {
  const dist = runs.filter((r) => r.executor === 'distributed' && r.distributed && r.tasks > 0);
  const findings: DistributedFinding[] = [];
  if (!dist.length) return { findings, sentences: [] };
  // The overhead is read where workers are fewest: more jobs in flight add contention
  // for this machine's cores to the queue wait.
  const first = [...dist].sort((a, b) => a.concurrency - b.concurrency)[0];
  const d = first.distributed!;
  const overheadMs = d.queueWaitMs + d.resultLatencyMs;
  const taskMs = d.runMs;
  const share = taskMs > 0 ? overheadMs / taskMs : Infinity;
  findings.push({
    code: 'distributed-overhead',
    level: 'info',
    data: { overheadMs: round2(overheadMs), queueWaitMs: round2(d.queueWaitMs), resultLatencyMs: round2(d.resultLatencyMs), taskMs: round2(taskMs), ...(Number.isFinite(share) ? { share: round3(share) } : {}), bytesPerTask: d.bytesPerTask, engine: d.engine, workers: d.workers },
  });

  const seq = runs.find((r) => r.executor === 'sequential');
  const proc1 = runs.find((r) => r.executor === 'process' && r.concurrency === 1);
  if (seq && proc1 && seq.throughputPerSec > 0 && proc1.throughputPerSec > 0) {
    // Both one call at a time: the gap between their cycle times is the pool's dispatch cost.
    const processOverheadMs = Math.max(0.001, 1000 / proc1.throughputPerSec - 1000 / seq.throughputPerSec);
    findings.push({
      code: 'distributed-vs-process',
      level: 'info',
      data: { overheadMs: round2(overheadMs), processOverheadMs: round3(processOverheadMs), ratio: round2(overheadMs / processOverheadMs), noisy: seq.noisy || proc1.noisy ? 1 : 0 },
    });
  }

  const baseline = seq?.throughputPerSec ?? 0;
  const points = [...dist]
    .sort((a, b) => a.concurrency - b.concurrency)
    .map((r) => ({ workers: r.distributed!.workers, concurrencyPerWorker: r.distributed!.concurrencyPerWorker, throughputPerSec: round2(r.throughputPerSec), speedup: round2(baseline > 0 ? r.throughputPerSec / baseline : r.speedup) }));
  findings.push({ code: 'distributed-scaling', level: 'info', data: { points: encodeScalingPoints(points) } });

  const best = [...dist].sort((a, b) => b.throughputPerSec - a.throughputPerSec)[0];
  const workersPerMachine = best.distributed!.workers * best.distributed!.concurrencyPerWorker;
  const brokerMs = d.brokerMsPerTask ?? 0;
  const n = workersPerMachine * PROJECTED_MACHINES;
  const projected = projectSpeedup(n, taskMs, overheadMs, brokerMs);
  findings.push({
    code: 'distributed-projection',
    level: 'info',
    data: {
      model: 'amdahl-broker-serial',
      workersPerMachine,
      machines: PROJECTED_MACHINES,
      speedup: round1(projected),
      brokerMsPerTask: round3(brokerMs),
      ...(brokerMs > 0 ? { brokerCapPerSec: Math.round(1000 / brokerMs) } : {}),
    },
  });

  if (share <= PAYS_BELOW_SHARE) {
    findings.push({ code: 'distributed-pays', level: 'info', data: { share: round3(share), taskMs: round2(taskMs), overheadMs: round2(overheadMs) } });
  } else {
    // Calls per job that bring the overhead under PAYS_BELOW_SHARE of the job.
    const batch = taskMs > 0 ? Math.ceil(overheadMs / (PAYS_BELOW_SHARE * taskMs)) : undefined;
    findings.push({
      code: 'distributed-does-not-pay',
      level: 'warning',
      data: { ...(Number.isFinite(share) ? { share: round3(share) } : {}), taskMs: round2(taskMs), overheadMs: round2(overheadMs), ...(batch !== undefined ? { batch } : {}), paysBelow: PAYS_BELOW_SHARE },
    });
  }
  const retries = dist.reduce((s, r) => s + (r.distributed!.retries ?? 0), 0);
  if (retries > 0) findings.push({ code: 'distributed-retries', level: 'warning', data: { retries } });
  return { findings, sentences: findings.map(renderDistributedFinding) };
}

/** The findings as report caveats, each with its code and numbers. */
export function distributedCaveats(runs: RunResult[]): Caveat[] {
  const v = distributedVerdict(runs);
  return v.findings.map((f, i) => ({ level: f.level, message: v.sentences[i], code: f.code, data: f.data }));
}
