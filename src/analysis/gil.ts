// Python's GIL: does this function's work hold it? Two readings (docs/model.md, "The GIL"):
// the GIL probe, a spinner thread's speed beside one call (python/harness_gil_probe.py), which
// sees the GIL itself; and how threads scale against processes, with the expected
// ceilings of each case. Flat threads alone cannot tell a held GIL from C code that
// released it but serializes on a lock of its own (SQLite's allocator, say); the probe can.
import type { Finding, GilVerdict, WorkloadKind } from '../shared/report';
import { clamp, defined, summarize, type Evidence } from './evidence';
import { round3 } from '../shared/rounding';
import { poolOverhead } from './overhead';

export interface GilResult {
  verdict: GilVerdict;
  finding: Finding;
}

const info = (code: string, data: Finding['data'] = {}): Finding => ({ code, level: 'info', data });

/**
 * A spinner beside the call kept at least this share of its speed: the call left the GIL
 * free. Bytecode reads about 0.5 but wanders to 0.7 on a busy machine; C code that releases
 * the GIL reads 0.8 to 1.
 */
export const GIL_FREE_AT = 0.8;
/** At most this share: the call held the GIL (bytecode takes turns at about 0.5). */
export const GIL_HELD_AT = 0.6;
/** A probe whose spinner-alone rate moved more than this between its two windows is noise. */
const MAX_PROBE_DRIFT = 0.3;

/** Below this CPU share the probe's reading is taken as it is: it is mostly the call's waiting. */
const PROBE_MIN_CPU_SHARE = 0.3;
/** At or above this CPU share the call computes the whole time: nothing to take out. */
const PROBE_ALL_CPU_SHARE = 0.95;

/**
 * The spinner's share while the call computed. During the call's waits (a sleep, a
 * socket) the spinner has the GIL whatever the call does, so only the CPU part, a share
 * r of the time, tells held from released: f = (1 - r) + r × f_compute. A pure-Python
 * call half asleep read 0.78 of the spinner's speed, past GIL_FREE_AT, while computing
 * with the GIL held the whole 0.5 it spends on the CPU (0.56 while computing).
 */
export function whileComputing(freeShare: number, cpuShare: number): number {
  if (!(cpuShare >= PROBE_MIN_CPU_SHARE) || cpuShare >= PROBE_ALL_CPU_SHARE) return freeShare;
  return round3(clamp((freeShare - (1 - cpuShare)) / cpuShare, 0, 1));
}

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
  const probe = ev.input.probe.gil;
  const raw = probe && probe.drift <= MAX_PROBE_DRIFT && ev.cores >= 2 ? probe.freeShare : undefined;
  const free = raw === undefined ? undefined : whileComputing(raw, ev.cpuShare);
  // The words quote what the spinner kept, and the share while the call computed when they differ.
  const probeData = raw === undefined ? {} : { freeShare: raw, ...(free !== raw ? { computeFreeShare: free } : {}) };
  const probeFree = free !== undefined && free >= GIL_FREE_AT;
  const probeHeld = free !== undefined && free <= GIL_HELD_AT;
  if (!t) {
    if (probeFree) return { verdict: 'released', finding: info('gil.probe-released', probeData) };
    if (probeHeld) return { verdict: 'held', finding: info('gil.probe-held', probeData) };
    return { verdict: 'held', finding: info('gil.untested') };
  }
  // One thread cannot show whether two share a GIL: a thread ×1 that read high read a
  // slow baseline. Its best run of two threads or more speaks for threads.
  const parallel = t.runs.filter((run) => run.concurrency >= 2);
  const tBest = parallel.length ? summarize('thread', parallel).best : t.best;
  const tData = { threadK: tBest.concurrency, threadSpeedup: tBest.speedup };
  if (ev.cores < 2) return { verdict: 'held', finding: info('gil.one-core', tData) };
  // Under a held GIL only the waiting part overlaps: threads top out near 1/r. Released,
  // they reach min(K, cores/r). The threshold sits halfway between, on a log scale.
  const r = Math.max(ev.cpuShare, 0.05);
  const heldCeiling = Math.max(1, 1 / r);
  const releasedCeiling = Math.max(heldCeiling, Math.min(t.maxConcurrency, ev.cores / r));
  const threshold = Math.max(1.2, Math.sqrt(heldCeiling * releasedCeiling));
  const pData = { processK: p?.best.concurrency, processSpeedup: p?.best.speedup };
  // Against a probe that saw the GIL held, threads must clear the threshold beyond their
  // interval: one slow baseline window had put pure-Python threads ×2 at 1.45× on 2
  // cores, over a spinner that kept half its speed, and read "released".
  if ((probeHeld ? tBest.speedupCi[0] : tBest.speedup) < threshold) {
    // The call left the GIL free, yet threads stayed flat: something other than the GIL
    // serializes them. Processes each have their own copy of the library and its locks.
    // Unless a pool loses to the plain loop by its hand-offs alone (tiny tasks): a 5 µs
    // sha256 read threads ×4 0.1× and processes 0.02× because each hand-off cost 25
    // calls, and the words had blamed a lock in the C code.
    if (probeFree) {
      if (poolOverhead(ev, 'thread').tiny) return { verdict: 'released', finding: info('gil.released-handoff', defined({ ...tData, ...pData, ...probeData })) };
      return { verdict: 'released', finding: info('gil.released-serialized', defined({ ...tData, ...pData, ...probeData })) };
    }
    const processesScaled = !!p && p.best.speedup >= threshold;
    return {
      verdict: 'held',
      finding: info(processesScaled ? 'gil.held' : 'gil.held-nothing-scaled', defined({ ...tData, ...pData, ...probeData })),
    };
  }
  // Threads and processes at the same K divide by the same baseline, so a baseline
  // window that ran slow lifts both alike, and their ratio keeps what it hid. Under a held
  // GIL threads reach heldCeiling where processes reach min(K, cores/r); released, threads
  // keep up with processes. Below the midpoint (log scale) of those two ratios, beyond
  // both intervals, threads scaled on a slow baseline only: pure-Python threads ×2 read
  // 1.30-1.45× beside processes ×2 at 2.38-2.9×, both past what 2 cores allow. Beyond
  // the intervals, as a released GIL's threads on a busy machine can trail its
  // processes by a fifth.
  const sameK = p?.runs.find((run) => run.concurrency === tBest.concurrency);
  const heldRatio = heldCeiling / Math.max(heldCeiling, Math.min(tBest.concurrency, ev.cores / r));
  if (!probeFree && sameK && heldRatio < 1 && tBest.speedupCi[1] < sameK.speedupCi[0] * Math.sqrt(heldRatio)) {
    return {
      verdict: 'held',
      finding: info('gil.held-beside-processes', defined({ ...tData, processK: sameK.concurrency, processSpeedup: sameK.speedup, ratio: round3(tBest.speedup / sameK.speedup), ...probeData })),
    };
  }
  // Threads scaled past what a held GIL allows, clearly so against a probe that read
  // "held": that outweighs the probe (its spinner may have found no idle core).
  return { verdict: 'released', finding: info('gil.released', defined({ ...tData, cores: ev.cores, ...probeData })) };
}
