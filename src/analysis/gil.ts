// Python's GIL: does this function's work hold it? Read from how threads scale
// against processes, with the expected ceilings of each case (docs/model.md, "The GIL").
import type { Finding, GilVerdict, WorkloadKind } from '../shared/report';
import { defined, type Evidence } from './evidence';

export interface GilResult {
  verdict: GilVerdict;
  finding: Finding;
}

const info = (code: string, data: Finding['data'] = {}): Finding => ({ code, level: 'info', data });

export function gilVerdict(ev: Evidence, kind: WorkloadKind): GilResult {
  const t = ev.byKind.thread;
  const p = ev.byKind.process;
  if (ev.input.python && !ev.input.python.gilEnabled) {
    return { verdict: 'free-threaded', finding: info('gil.free-threaded', defined({ threadSpeedup: t?.best.speedup, threadK: t?.best.concurrency })) };
  }
  if (ev.parallelInside != null) {
    // One call already keeps several cores busy, so threads find no idle core: flat
    // thread scaling is what a released GIL looks like here too, and proves nothing.
    return { verdict: 'not-applicable', finding: info('gil.parallel-inside', { busyCores: ev.parallelInside, cores: ev.cores }) };
  }
  if (kind === 'io-bound') return { verdict: 'not-applicable', finding: info('gil.io') };
  if (!t) return { verdict: 'held', finding: info('gil.untested') };
  const tData = { threadK: t.best.concurrency, threadSpeedup: t.best.speedup };
  if (ev.cores < 2) return { verdict: 'held', finding: info('gil.one-core', tData) };
  // Under a held GIL only the waiting part overlaps: threads top out near 1/r. Released,
  // they reach min(K, cores/r). The threshold sits halfway between, on a log scale.
  const r = Math.max(ev.cpuShare, 0.05);
  const heldCeiling = Math.max(1, 1 / r);
  const releasedCeiling = Math.max(heldCeiling, Math.min(t.maxConcurrency, ev.cores / r));
  const threshold = Math.max(1.2, Math.sqrt(heldCeiling * releasedCeiling));
  if (t.best.speedup < threshold) {
    const processesScaled = !!p && p.best.speedup >= threshold;
    return {
      verdict: 'held',
      finding: info(processesScaled ? 'gil.held' : 'gil.held-nothing-scaled', defined({ ...tData, processK: p?.best.concurrency, processSpeedup: p?.best.speedup })),
    };
  }
  return { verdict: 'released', finding: info('gil.released', { ...tData, cores: ev.cores }) };
}
