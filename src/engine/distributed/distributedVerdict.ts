// When does distributing pay? Pure: reads the runs of one report (the distributed
// executor's, the sequential baseline and the process pool's, all from the same
// profile) and returns structured findings {code, level, data} plus one rendered
// sentence each. The projection to more machines is a scalability model, labelled so:
// Amdahl's law with Redis's own measured time per task as the serial part (one Redis
// runs commands one at a time), and each task stretched by the measured queue overhead.
import type { RunResult } from '../../shared/report';
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
  data: Record<string, unknown>;
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
    data: { overheadMs: round2(overheadMs), queueWaitMs: round2(d.queueWaitMs), resultLatencyMs: round2(d.resultLatencyMs), taskMs: round2(taskMs), share: round3(share), bytesPerTask: d.bytesPerTask, engine: d.engine, workers: d.workers },
  });

  const seq = runs.find((r) => r.executor === 'sequential');
  const proc1 = runs.find((r) => r.executor === 'process' && r.concurrency === 1);
  if (seq && proc1 && seq.throughputPerSec > 0 && proc1.throughputPerSec > 0) {
    // Both one call at a time: the gap between their cycle times is the pool's dispatch cost.
    const processOverheadMs = Math.max(0.001, 1000 / proc1.throughputPerSec - 1000 / seq.throughputPerSec);
    findings.push({
      code: 'distributed-vs-process',
      level: 'info',
      data: { overheadMs: round2(overheadMs), processOverheadMs: round3(processOverheadMs), ratio: round2(overheadMs / processOverheadMs), noisy: seq.noisy || proc1.noisy },
    });
  }

  const baseline = seq?.throughputPerSec ?? 0;
  const points = [...dist]
    .sort((a, b) => a.concurrency - b.concurrency)
    .map((r) => ({ workers: r.distributed!.workers, concurrencyPerWorker: r.distributed!.concurrencyPerWorker, throughputPerSec: round2(r.throughputPerSec), speedup: round2(baseline > 0 ? r.throughputPerSec / baseline : r.speedup) }));
  findings.push({ code: 'distributed-scaling', level: 'info', data: { points } });

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
      brokerCapPerSec: brokerMs > 0 ? Math.round(1000 / brokerMs) : null,
    },
  });

  if (share <= PAYS_BELOW_SHARE) {
    findings.push({ code: 'distributed-pays', level: 'info', data: { share: round3(share), taskMs: round2(taskMs), overheadMs: round2(overheadMs) } });
  } else {
    // Calls per job that bring the overhead under PAYS_BELOW_SHARE of the job.
    const batch = taskMs > 0 ? Math.ceil(overheadMs / (PAYS_BELOW_SHARE * taskMs)) : null;
    findings.push({ code: 'distributed-does-not-pay', level: 'warning', data: { share: Number.isFinite(share) ? round3(share) : null, taskMs: round2(taskMs), overheadMs: round2(overheadMs), batch } });
  }
  const retries = dist.reduce((s, r) => s + (r.distributed!.retries ?? 0), 0);
  if (retries > 0) findings.push({ code: 'distributed-retries', level: 'warning', data: { retries } });
  return { findings, sentences: findings.map(renderDistributedFinding) };
}

export function renderDistributedFinding(f: DistributedFinding): string {
  const x = f.data as Record<string, never>;
  switch (f.code) {
    case 'distributed-overhead':
      return `Each task pays ${ms(x.overheadMs)} of queue overhead (${ms(x.queueWaitMs)} from enqueue to start, ${ms(x.resultLatencyMs)} from completion to the result being seen), ${pct(x.share)} of a ${ms(x.taskMs)} task; ${x.bytesPerTask} bytes cross Redis per task.`;
    case 'distributed-vs-process':
      return `That is ${x.ratio}× the local process pool's dispatch cost of ${ms(x.processOverheadMs)} per task, measured in the same run${x.noisy ? ' (from noisy runs: the pool\'s cost is a difference of two throughputs, so take it as rough)' : ''}.`;
    case 'distributed-scaling':
      return `Measured on the queue: ${(x.points as unknown as { workers: number; concurrencyPerWorker: number; throughputPerSec: number; speedup: number }[])
        .map((p) => `${p.workers} worker${p.workers === 1 ? '' : 's'} × ${p.concurrencyPerWorker} → ${p.throughputPerSec}/s (${p.speedup}×)`)
        .join(', ')}.`;
    case 'distributed-projection':
      return `Projection from a scalability model, not a measurement: with ${x.workersPerMachine} workers a machine, ${x.machines} machines would give about ${x.speedup}× (Amdahl's law, Redis's measured ${ms(x.brokerMsPerTask)} per task as the serial part${x.brokerCapPerSec ? `, which caps one Redis near ${x.brokerCapPerSec} tasks/s` : ''}).`;
    case 'distributed-pays':
      return `Distributing pays once one machine's cores are not enough: the queue adds only ${pct(x.share)} to each task.`;
    case 'distributed-does-not-pay':
      return x.batch
        ? `Distributing does not pay per call: the queue costs ${pct(x.share)} of the task. Put at least ${x.batch} calls in each job to bring it under ${pct(PAYS_BELOW_SHARE as never)}.`
        : 'Distributing does not pay per call: the task is too short to measure next to the queue.';
    case 'distributed-retries':
      return `${x.retries} job${x.retries === 1 ? ' was' : 's were'} run again after the worker running ${x.retries === 1 ? 'it' : 'them'} died.`;
  }
}

function ms(v: number): string {
  return v >= 100 ? `${Math.round(v)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${Number(v.toFixed(2))} ms`;
}
function pct(v: number): string {
  const p = v * 100;
  return `${p >= 10 ? Math.round(p) : Number(p.toFixed(1))}%`;
}

/** The findings as report caveats, until the findings-based classifier folds them in. */
export function distributedCaveats(runs: RunResult[]): { level: 'info' | 'warning'; message: string }[] {
  const v = distributedVerdict(runs);
  return v.findings.map((f, i) => ({ level: f.level, message: v.sentences[i] }));
}
