// The verdict's reasons as findings: what a call costs, how each executor scaled, the
// mechanism behind it, and doubts where the scaling disagrees with the CPU share.
import type { ExecutorKind, Finding, GilVerdict, WorkloadKind } from '../shared/report';
import { asyncOverloaded, defined, offloadCap, type Evidence } from './evidence';

const info = (code: string, data: Finding['data'] = {}): Finding => ({ code, level: 'info', data });
const doubt = (code: string, data: Finding['data'] = {}): Finding => ({ code, level: 'warning', data });

export function cpuFinding(ev: Evidence): Finding {
  const callMs = Number.isFinite(ev.callMs) ? ev.callMs : undefined;
  if (ev.offloaded) {
    return info('cpu.offloaded', defined({ callCpuRatio: ev.callCpuRatio ?? 0, machineCpuShare: ev.machineCpuShare ?? 0, callMs }));
  }
  if (ev.callCpuRatio == null) return info('cpu.machine-only', defined({ machineCpuShare: ev.machineCpuShare ?? 0, callMs }));
  return info('cpu.share', defined({ callCpuRatio: ev.callCpuRatio, callMs }));
}

export function shapeFinding(ev: Evidence): Finding | undefined {
  const a = ev.byKind.async;
  const t = ev.byKind.thread;
  const p = ev.byKind.process;
  if (!a && !t && !p) return undefined;
  return info(
    'shape',
    defined({
      cores: ev.cores,
      asyncSpeedup: a?.best.speedup,
      asyncK: a?.best.concurrency,
      threadSpeedup: t?.best.speedup,
      threadK: t?.best.concurrency,
      processSpeedup: p?.best.speedup,
      processK: p?.best.concurrency,
    }),
  );
}

export function lessonFindings(ev: Evidence, kind: WorkloadKind, blocking: boolean): Finding[] {
  const out: Finding[] = [];
  const a = ev.byKind.async;
  if (ev.parallelInside != null) {
    out.push(info('lesson.parallel-inside', { busyCores: ev.parallelInside, cores: ev.cores }));
  }
  if (ev.offloaded) {
    const pool = ev.python ? { executorThreads: ev.offloadPool } : { uvPool: ev.offloadPool };
    out.push(info('lesson.offloaded', defined({ ...pool, cores: ev.cores, cap: offloadCap(ev), asyncSpeedup: a?.best.speedup })));
    return out;
  }
  if (kind === 'cpu-bound') {
    if (ev.parallelInside == null) out.push(info('lesson.cpu'));
  } else if (kind === 'io-bound') {
    if (blocking) out.push(info('lesson.blocking'));
    else if (ev.python && !ev.input.isAsync) out.push(info('lesson.io-plain-def'));
    else out.push(info('lesson.io-async'));
    if (a && asyncOverloaded(ev)) out.push(info('lesson.io-async-overloaded', { asyncK: a.best.concurrency, asyncSpeedup: a.best.speedup }));
    const beyond = Math.max(a?.best.speedup ?? 0, ev.byKind.thread?.best.speedup ?? 0);
    if (beyond > ev.cores * 1.3) out.push(info('lesson.beyond-cores', { speedup: beyond, cores: ev.cores }));
  } else {
    out.push(info('lesson.mixed', { cpuShare: ev.cpuShare, cores: ev.cores, overlapBy: ev.python && !ev.input.isAsync ? 'threads' : 'event-loop' }));
  }
  return out;
}

/** Where the shape of the scaling disagrees with the CPU share, say so (each doubt lowers the confidence). */
export function doubtFindings(ev: Evidence, kind: WorkloadKind, gil: GilVerdict | undefined, tiny: boolean): Finding[] {
  const out: Finding[] = [];
  const a = ev.byKind.async;
  const pools = Math.max(ev.byKind.thread?.best.speedup ?? 0, ev.byKind.process?.best.speedup ?? 0);
  if (kind === 'cpu-bound' && !ev.offloaded) {
    if (a && a.best.speedup > 1.5 && !(ev.python && !ev.input.isAsync)) out.push(doubt('doubt.async-too-fast', { speedup: a.best.speedup }));
    if (pools > ev.cores * 1.3) out.push(doubt('doubt.pool-beyond-cores', { speedup: pools, cores: ev.cores }));
    // Work already parallel inside is expected not to scale: that is explained, not doubted.
    if (!tiny && ev.cores >= 2 && pools > 0 && pools < 1.2 && gil !== 'held' && ev.parallelInside == null) {
      // Pools measured cold read low from their workers' warm-up, not from a limit on
      // scaling: say that, not "something else limits scaling".
      const measuredPools = (['thread', 'process'] as const).filter((k) => ev.byKind[k]);
      const allCold = measuredPools.every((k) => ev.coldPools.includes(k));
      out.push(allCold ? doubt('doubt.pools-cold', { speedup: pools, pools: ev.coldPools.join(',') }) : doubt('doubt.no-scaling', { speedup: pools, cores: ev.cores }));
    }
  }
  if (kind === 'io-bound' && ev.bestConcurrentSpeedup > 0 && ev.bestConcurrentSpeedup < 1.3) {
    const maxK = Math.max(0, ...(Object.keys(ev.byKind) as ExecutorKind[]).map((k) => ev.byKind[k]?.maxConcurrency ?? 0));
    if (maxK >= 2) out.push(doubt('doubt.shared-wait', { speedup: ev.bestConcurrentSpeedup, maxK }));
  }
  if (ev.offloaded && a && a.best.speedup > offloadCap(ev) * 1.4) {
    out.push(doubt('doubt.offload-beyond-pool', { speedup: a.best.speedup }));
  }
  return out;
}
