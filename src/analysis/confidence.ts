// Confidence in the verdict, 0..1: the distance from a class boundary, discounted for
// doubts, noise, load, failures and missing measurements. Reads codes, never text.
import type { Finding, WorkloadKind } from '../shared/report';
import { clamp, CPU_BOUND_AT, HIGH_STEAL, IO_BOUND_AT, type Evidence } from './evidence';
import { round2 } from '../shared/rounding';

export function confidenceOf(ev: Evidence, kind: WorkloadKind, doubts: number, caveats: Finding[]): number {
  let c = 1;
  // Distance from the nearest class boundary, in units of 0.15 of CPU share.
  const edges = kind === 'mixed' ? [IO_BOUND_AT, CPU_BOUND_AT] : [kind === 'cpu-bound' ? CPU_BOUND_AT : IO_BOUND_AT];
  const margin = Math.min(...edges.map((e) => Math.abs(ev.cpuShare - e))) / 0.15;
  c *= 0.6 + 0.4 * clamp(margin, 0, 1);
  c *= Math.pow(0.7, doubts);
  const runs = ev.input.runs.filter((r) => r.tasks > 0);
  const noisyShare = runs.length ? runs.filter((r) => r.noisy).length / runs.length : 1;
  c *= 1 - 0.3 * noisyShare;
  if (ev.input.background.busy) c *= 0.85;
  if (ev.input.background.steal >= HIGH_STEAL) c *= 0.85;
  const attempted = runs.reduce((s, r) => s + Math.max(r.tasks, r.errors.count), 0);
  const failed = runs.reduce((s, r) => s + r.errors.count, 0);
  if (attempted > 0) c *= 1 - Math.min(0.5, failed / attempted);
  if (ev.callCpuRatio == null) c *= 0.7;
  if (!ev.seq) c *= 0.6;
  if (caveats.some((k) => k.code === 'few-sequential-calls')) c *= 0.85;
  if (caveats.some((k) => k.code === 'cold-pool')) c *= 0.85;
  if (caveats.some((k) => k.code === 'slow-baseline')) c *= 0.85;
  if (caveats.some((k) => k.code === 'runner-up-cut')) c *= 0.85;
  if (ev.bestConcurrentSpeedup === 0) c *= 0.7;
  return round2(clamp(c, 0.05, 0.99));
}
