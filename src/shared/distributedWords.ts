// Words for the distributed executor's findings (src/analysis/distributed/
// distributedVerdict.ts): what the queue costs per task, against the task and the local
// process pool, and when distributing pays. The report keeps them as caveats with their
// codes and numbers; the CLI text, the Markdown export and the panel render them here.
import type { FindingData } from './report';
import { ms, pct, x } from './format';
import { plural } from './names';
import { has, n, str } from './reasonWords';

/** One measured point of the queue: workers × jobs each, tasks/s, speedup. */
export interface ScalingPoint {
  workers: number;
  concurrencyPerWorker: number;
  throughputPerSec: number;
  speedup: number;
}

/** The points as one plain string (finding data holds numbers and strings only): "1,1,37.3,0.93;4,1,145,3.63". */
export function encodeScalingPoints(points: ScalingPoint[]): string {
  return points.map((p) => [p.workers, p.concurrencyPerWorker, p.throughputPerSec, p.speedup].join(',')).join(';');
}

export function decodeScalingPoints(s: string): ScalingPoint[] {
  return s
    .split(';')
    .filter(Boolean)
    .map((part) => {
      const [workers, concurrencyPerWorker, throughputPerSec, speedup] = part.split(',').map(Number);
      return { workers, concurrencyPerWorker, throughputPerSec, speedup };
    });
}

export const DISTRIBUTED_WORDS: Record<string, (d: FindingData) => string> = {
  'distributed-overhead': (d) =>
    `Each task pays ${ms(n(d, 'overheadMs'))} of queue overhead (${ms(n(d, 'queueWaitMs'))} from enqueue to start, ${ms(n(d, 'resultLatencyMs'))} from completion to the result being seen)` +
    `${has(d, 'share') ? `, ${pct(n(d, 'share'))} of a ${ms(n(d, 'taskMs'))} task` : ''}; ${n(d, 'bytesPerTask')} bytes cross Redis per task.`,
  'distributed-vs-process': (d) =>
    `That is ${x(n(d, 'ratio'))} the local process pool's dispatch cost of ${ms(n(d, 'processOverheadMs'))} per task, measured in the same run` +
    `${n(d, 'noisy') === 1 ? " (from noisy runs: the pool's cost is a difference of two throughputs, so take it as rough)" : ''}.`,
  'distributed-scaling': (d) =>
    `Measured on the queue: ${decodeScalingPoints(str(d, 'points'))
      .map((p) => `${p.workers} ${plural(p.workers, 'worker', 'workers')} × ${p.concurrencyPerWorker} → ${p.throughputPerSec}/s (${x(p.speedup)})`)
      .join(', ')}.`,
  'distributed-projection': (d) =>
    `Projection from a scalability model, not a measurement: with ${n(d, 'workersPerMachine')} workers a machine, ${n(d, 'machines')} machines would give about ${x(n(d, 'speedup'))} ` +
    `(Amdahl's law, Redis's measured ${ms(n(d, 'brokerMsPerTask'))} per task as the serial part${has(d, 'brokerCapPerSec') ? `, which caps one Redis near ${n(d, 'brokerCapPerSec')} tasks/s` : ''}).`,
  'distributed-pays': (d) => `Distributing pays once one machine's cores are not enough: the queue adds only ${pct(n(d, 'share'))} to each task.`,
  'distributed-does-not-pay': (d) =>
    has(d, 'batch') && has(d, 'share')
      ? `Distributing does not pay per call: the queue costs ${pct(n(d, 'share'))} of the task. Put at least ${n(d, 'batch')} calls in each job to bring it under ${pct(n(d, 'paysBelow'))}.`
      : 'Distributing does not pay per call: the task is too short to measure next to the queue.',
  'distributed-retries': (d) => `${n(d, 'retries')} ${plural(n(d, 'retries'), 'job was', 'jobs were')} run again after the worker running ${plural(n(d, 'retries'), 'it', 'them')} died.`,
};

/** A distributed finding as a sentence. */
export function renderDistributedFinding(f: { code: string; data: FindingData }): string {
  return DISTRIBUTED_WORDS[f.code]?.(f.data) ?? f.code;
}
