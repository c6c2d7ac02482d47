// The recommendation: which executor, how many workers, and why, as a code and numbers.
// The physics rules (docs/model.md, "Recommendation") are enforced here, before any
// measured point may win:
//   - CPU work in the calling thread never gets async;
//   - CPU work, wherever its calls spend it, never gets a pool above the core count
//     unless that point beats the K = cores point beyond both intervals, the call waits,
//     and K = cores left cores idle;
//   - GIL-held CPU work never gets threads;
//   - work already parallel inside gets "keep it sequential, or cap its threads";
//   - CPU work offloaded to other threads (libuv's pool, asyncio's executor) gets
//     async beyond the calls that keep those threads busy only when that point beats
//     them beyond both intervals, and never when those threads hold the GIL;
//   - a point counts as a gain only when the low end of its interval clears MIN_GAIN;
//   - the top of a ladder cut while still scaling is an "at least K" answer.
import type { ExecutorKind, FindingData, GilVerdict, Recommendation, RunResult, ScalingFit, WorkloadKind } from '../shared/report';
import {
  clamp,
  COST_ORDER,
  CPU_BOUND_AT,
  cpuLimited,
  KNEE_TOLERANCE,
  offloadCap,
  offloadedBusyAt,
  SATURATED_AT,
  summarize,
  type Evidence,
  type ExecutorSummary,
} from './evidence';
import { BATCH_OVERHEAD_TARGET, handoffMsOf, type Overhead } from './overhead';
import { fastestRun } from '../shared/fastestRun';
import { isNoisy, pooledEstimate } from './stats';
import { round2 } from '../shared/rounding';

/** A pool beats a plain loop only when the low end of its speedup interval is above this. */
export const MIN_GAIN = 1.05;
/**
 * A "no gain" whose best point's interval also reaches this high is undecided: the
 * windows were too short to tell a real gain from noise (a JIT-heavy parser's pools at a
 * 6 s budget read 1.24× in [0.99×, 1.58×] on 7 calls), and the words say a longer budget
 * decides, rather than only "the gain may be noise".
 */
export const UNDECIDED_HIGH = 1.2;
/** CPU work: a pool above the core count must beat K = cores by this factor too (the ladder's growth step). */
export const BEYOND_CORES_GAIN = 1.1;
/**
 * A cheaper executor whose interval meets the best one's wins the tie while it reads
 * within this share of it (chooseExecutor); the ladder measures such a near-tie again.
 */
export const CHEAPER_TIE_ZONE = 0.25;
/** A call at least this much CPU has no waiting for extra threads to overlap: never more workers than cores. */
export const PURE_CPU_SHARE = 0.9;
/** A ladder whose last step still grew this much was still scaling when it stopped. */
export const STILL_SCALING_GROWTH = 0.1;
/**
 * A point whose whole interval sits this far above what physics lets it give (K calls
 * at a time, their CPU parts `cores` at a time, one event loop one call's CPU at a time)
 * was divided by a baseline that ran slow: slack for a CPU share read a little high, and
 * for a per-call cost in the baseline's call that many calls in flight share.
 */
export const ABOVE_CEILING_MARGIN = 1.05;
/** The USL peak is used as the "at least K" extrapolation only up to this multiple of K. */
export const USL_PEAK_REACH = 4;
/** CPU ratios below this are within the clocks' error; the sizing formula caps wait/compute there. */
export const MIN_FORMULA_CPU_RATIO = 1 / 64;

export type RecommendationCore = Omit<Recommendation, 'reason'> & { code: string; data: FindingData };

export function waitOverCompute(cpuRatio: number): number {
  const r = clamp(cpuRatio, MIN_FORMULA_CPU_RATIO, 1);
  return (1 - r) / r;
}

/** cores × (1 + wait/compute), with the CPU ratio floored at MIN_FORMULA_CPU_RATIO. */
export function formulaWorkersOf(cores: number, cpuRatio: number): number {
  return Math.max(1, Math.round(cores * (1 + waitOverCompute(cpuRatio))));
}

export interface RecommendInput {
  ev: Evidence;
  kind: WorkloadKind;
  gil: GilVerdict | undefined;
  blocking: boolean;
  overhead: Overhead;
  fits: ScalingFit[];
}

export function recommend({ ev, kind, gil, blocking, overhead, fits }: RecommendInput): RecommendationCore {
  const formulaWorkers = formulaWorkersOf(ev.cores, ev.cpuShare);
  const common = { formulaWorkers, cores: ev.cores, waitOverCompute: waitOverCompute(ev.cpuShare) };
  const sequential = (code: string, data: FindingData = {}): RecommendationCore => ({
    executor: 'sequential',
    workers: 1,
    expectedSpeedup: 1,
    formulaWorkers,
    code,
    data: { ...common, ...data },
  });
  const measured = (['async', 'thread', 'process'] as ExecutorKind[]).map((k) => ev.byKind[k]).filter((s): s is ExecutorSummary => !!s);
  const bestMeasured = measured.length ? fastestRun(measured.map((s) => s.best)) : undefined;
  const bestData: FindingData = bestMeasured
    ? { bestExecutor: bestMeasured.executor, bestK: bestMeasured.concurrency, bestSpeedup: bestMeasured.speedup, bestLow: bestMeasured.speedupCi[0] }
    : {};

  if (ev.parallelInside != null) return sequential('rec.parallel-inside', { busyCores: ev.parallelInside, ...bestData });

  const { candidates, allowed, notes, lifts } = allowedCandidates(ev, kind, gil);
  let batchNote: FindingData = {};
  if (overhead.tiny && overhead.pool && overhead.batchSize) {
    const workers = ev.cores;
    // Batching removes the hand-off cost, not the work: what is left scales like the work.
    const expected = round2((1 - BATCH_OVERHEAD_TARGET) * Math.min(workers, ev.cores / Math.max(ev.cpuShare, 0.05)));
    // A measured gain that can reach the estimate (its interval, within what physics lets
    // that executor give) beats a model estimate that asks the user to restructure their
    // calls: a 30 µs call that mostly waits, async ×8 measured beyond the 1.9× estimated for
    // batches on worker threads, and the answer had been the batches.
    const measuredBest = candidates.length ? fastestRun(candidates.map((c) => c.best)) : undefined;
    const measuredReaches = !!measuredBest && Math.min(measuredBest.speedupCi[1], speedupCeiling(ev, measuredBest, gil)) >= expected;
    if (!measuredReaches) return {
      executor: overhead.pool,
      workers,
      expectedSpeedup: expected,
      formulaWorkers,
      batchSize: overhead.batchSize,
      code: 'rec.batch',
      data: {
        ...common,
        executor: overhead.pool,
        workers,
        batchSize: overhead.batchSize,
        expected,
        measured: overhead.best?.speedup ?? 0,
        measuredK: overhead.best?.concurrency ?? 0,
        chunksize: ev.python && overhead.pool === 'process' ? 1 : 0,
      },
    };
    batchNote = { batchPool: overhead.pool, batchSize: overhead.batchSize, batchExpected: expected };
  }

  if (!measured.length) return sequential('rec.only-sequential');

  if (!candidates.length) {
    // Cite the best point physics allowed: an excluded one is explained by `notes`, not by its interval.
    const best = allowed.length ? fastestRun(allowed) : undefined;
    const cited: FindingData = best ? { bestExecutor: best.executor, bestK: best.concurrency, bestSpeedup: best.speedup, bestLow: best.speedupCi[0] } : {};
    // An interval that also reaches a gain worth having is undecided, not a "no": say so, and what decides it.
    if (best && best.speedupCi[1] >= UNDECIDED_HIGH) cited.bestHigh = best.speedupCi[1];
    const readAgain = best ? lifts[best.executor] : undefined;
    if (best && readAgain?.run === best && readAgain.how === 'pooled') Object.assign(cited, { bestPooledWithK: readAgain.fromK, bestMeasured: readAgain.measured });
    const cold: FindingData = ev.coldPools.length ? { coldPools: ev.coldPools.join(',') } : {};
    return sequential('rec.no-gain', { ...cited, threshold: MIN_GAIN, serializationBound: overhead.serializationBound ? 1 : 0, ...notes, ...cold });
  }
  const { chosen, runnerUp, cheaperCeiling, drift } = chooseExecutor(
    candidates,
    (cheaper, costlier) => noHeadroom(ev, kind, gil, cheaper, costlier),
    (r) => speedupCeiling(ev, r, gil),
    cpuLimited(ev, kind),
  );
  const run = chosen.knee;
  const rec: RecommendationCore = {
    executor: run.executor,
    workers: run.concurrency,
    expectedSpeedup: round2(run.speedup),
    formulaWorkers,
    code: 'rec.use',
    data: {
      ...common,
      ...notes,
      executor: run.executor,
      workers: run.concurrency,
      speedup: run.speedup,
      low: run.speedupCi[0],
      why: whyCode(ev, kind, gil, blocking, run.executor),
      ...batchNote,
    },
  };
  if (chosen.best !== run) Object.assign(rec.data, { bestSpeedup: chosen.best.speedup, bestK: chosen.best.concurrency });
  if (runnerUp) Object.assign(rec.data, runnerUpData(run, runnerUp, cheaperCeiling, speedupCeiling(ev, runnerUp, gil), !!drift));
  // A runner-up that a larger pool's reading stands for says so, as the answer would.
  const altLift = runnerUp ? lifts[runnerUp.executor] : undefined;
  if (runnerUp && altLift?.run === runnerUp) {
    Object.assign(rec.data, { altK: runnerUp.concurrency, [altLift.how === 'lifted' ? 'altLiftedFromK' : 'altPooledWithK']: altLift.fromK, altMeasuredAtCores: altLift.measured });
  }

  const lift = lifts[run.executor];
  if (lift && lift.run === run) Object.assign(rec.data, { [lift.how === 'lifted' ? 'liftedFromK' : 'pooledWithK']: lift.fromK, measuredAtCores: lift.measured });

  // Smoothing: a noisy point's fitted value replaces its measured one, when the fit agrees
  // with its interval (not a lifted point's: a larger pool's reading already replaced it).
  const smoothed = lift?.run === run ? undefined : fits.find((f) => f.executor === run.executor)?.smoothed?.find((s) => s.concurrency === run.concurrency);
  if (smoothed) {
    rec.expectedSpeedup = round2(smoothed.fitted);
    Object.assign(rec.data, { smoothedFrom: smoothed.measured, speedup: smoothed.fitted });
  }

  // Physics caps what to expect: no point can beat K calls at a time, their CPU parts
  // `cores` at a time (one event loop: only the waiting part). A reading above that
  // divided by a baseline that ran slow (a burst of load, a JIT still warming) and the
  // budget left no room to measure it again: "expected 2.6×" on 2 cores for pure CPU.
  const ceiling = speedupCeiling(ev, run, gil);
  if (rec.expectedSpeedup > ceiling) {
    // The words blame the baseline only when the reading beats the ceiling beyond its
    // interval and the margin: 8 calls in flight on a client of 8 connections read 8.01×
    // [7.90-8.13], and 64 timers 64.3× [64.20-64.40], where the baseline's call carried
    // a per-call cost (a wake-up, a hand-off) that 64 in flight share.
    if (run.speedupCi[0] > ceiling * ABOVE_CEILING_MARGIN) Object.assign(rec.data, { ceilingCapped: rec.expectedSpeedup, ceiling: round2(ceiling) });
    rec.expectedSpeedup = round2(ceiling);
  }

  const floor = atLeastOf(ev, kind, run, fits);
  // How the measured K stands to the formula's, when far from it: above it, the
  // measurement beat the formula; below it, scaling levelled off first, unless the
  // budget cut the ladder ("at least"), which says nothing of where it levels off.
  const farFromFormula = Math.abs(formulaWorkers - run.concurrency) > Math.max(1, run.concurrency * 0.5);
  if (farFromFormula && run.concurrency > formulaWorkers) rec.data.beyondFormula = 1;
  else if (farFromFormula && !floor) {
    rec.data.shortOfFormula = 1;
    const helpers = helperPoolLimit(ev, kind, run);
    if (helpers) rec.data.helperPool = helpers;
  }
  if (floor) {
    rec.atLeast = true;
    rec.data.atLeast = 1;
    // What cut it: a longer budget measures further, a higher cap only (--max-async).
    const stop = ev.input.stops?.[run.executor];
    if (stop === 'budget' || stop === 'cap') rec.data.cutBy = stop;
    if (floor.workers != null && floor.source) {
      rec.extrapolatedWorkers = floor.workers;
      rec.extrapolationSource = floor.source;
      Object.assign(rec.data, { extrapolated: floor.workers, extrapolationSource: floor.source });
    }
  }
  return rec;
}

/** How close async's levelled-off speedup must come to the helper pool's size to name that pool (helperPoolLimit). */
export const HELPER_POOL_MATCH = 0.2;

/**
 * The helper pool that async's calls seem to queue for: waiting work whose async ladder
 * levelled off at about as many calls at once as asyncio's default executor (Python:
 * min(32, cores + 4)) or libuv's pool (JS: UV_THREADPOOL_SIZE) has threads, with many
 * more in flight. `await asyncio.to_thread(time.sleep, 0.05)` read 6.05× at ×8 and
 * 5.94× at ×128 on 2 cores, and the words had blamed "a shared lock, a connection limit".
 */
function helperPoolLimit(ev: Evidence, kind: WorkloadKind, run: RunResult): number | undefined {
  if (run.executor !== 'async' || kind !== 'io-bound' || ev.offloaded || !(ev.offloadPool > 1)) return undefined;
  const a = ev.byKind.async;
  if (!a || a.maxConcurrency < ev.offloadPool * 1.5) return undefined;
  return Math.abs(a.best.speedup - ev.offloadPool) <= ev.offloadPool * HELPER_POOL_MATCH ? ev.offloadPool : undefined;
}

type CeilingFacts = Pick<Evidence, 'cores' | 'cpuShare' | 'offloaded'> & Partial<Pick<Evidence, 'loopShare'>> & { python?: boolean };

/**
 * An event loop that spent at most this share of the baseline's CPU per call at one of
 * its async points spent less for a reason of its own (loopCpuShare), beyond how far this
 * machine's speed drifts between two windows (10-20%), which moves a call's CPU time too.
 */
export const LOOP_CPU_DROP = 0.8;

/**
 * The CPU share one event loop spends per call, for async's ceiling: the baseline's, or
 * less where the loop's own points spent less CPU per call than the baseline's call
 * (Evidence.loopShare), by more than LOOP_CPU_DROP. Part of a waiting call's CPU is per
 * wake-up (the loop leaving and entering its poll, a thread handing a result back), and
 * calls in flight share wake-ups: a 50 ms timer spent 0.64 ms of thread CPU a call alone
 * (1.3%), 0.028 ms at ×64, and a ceiling of 1 ÷ 1.3% = 77× had stopped a ladder that
 * read 64.3× at ×64. Twenty awaited randomBytes(64 kB) a call spent 0.64 ms of a 1.4 ms
 * call alone (51%), 0.24 ms at ×8, where async read 4.56× (bare: 4.5×), and the answer
 * had capped it at 1 ÷ 51% = 1.98× and blamed a slow baseline. A call that computes on
 * the loop spends the same CPU at any K, and keeps the baseline's share; so does any
 * CPU-bound call (CPU_BOUND_AT), whose CPU is its work: a point that read its calls
 * cheaper there (a warmer JIT, a faster spell of the machine) must not lift the ceiling
 * that tells a slow baseline.
 */
export function loopCpuShare(ev: Pick<CeilingFacts, 'cpuShare' | 'loopShare'>): number {
  return ev.loopShare != null && ev.cpuShare < CPU_BOUND_AT && ev.loopShare <= ev.cpuShare * LOOP_CPU_DROP ? ev.loopShare : ev.cpuShare;
}

/**
 * The most a point can gain over the plain loop: K calls at a time, at most what its
 * executor can give at any K (executorCeiling). The ladder session measures the baseline
 * again when a point beats it (src/engine/ladderSession.ts).
 */
export function speedupCeiling(ev: CeilingFacts, run: Pick<RunResult, 'executor' | 'concurrency'>, gil?: GilVerdict): number {
  return Math.max(1, Math.min(run.concurrency, executorCeiling(ev, run.executor, gil)));
}

/**
 * The most an executor can give this work at any K: the CPU parts of its calls run at
 * most `cores` at a time (cores ÷ CPU share), except that one event loop, or threads
 * under a held GIL, compute one call at a time and overlap only the waiting part
 * (1 ÷ CPU share), unless the CPU work was handed to other threads (libuv's, or
 * asyncio's executor where the GIL is released).
 */
export function executorCeiling(ev: CeilingFacts, executor: ExecutorKind, gil?: GilVerdict): number {
  // Floored far below the formula's floor: 128 sleeps in flight at a CPU share of 0.1% can gain 128×.
  const floor = (share: number) => Math.max(share, 1 / 1024);
  const gilTurns = !!ev.python && gil === 'held';
  // Offloaded work held under the GIL (asyncio.to_thread of pure Python) takes turns too.
  if (executor === 'async' && !ev.offloaded) return Math.max(1, 1 / floor(loopCpuShare(ev)));
  const oneAtATime = (executor === 'async' && gilTurns) || (executor === 'thread' && gilTurns);
  return Math.max(1, oneAtATime ? 1 / floor(ev.cpuShare) : ev.cores / floor(ev.cpuShare));
}

/** A point above a limit that beats the best point within it beyond both intervals, and by BEYOND_CORES_GAIN. */
function provenBeyond(r: RunResult, ref: RunResult): boolean {
  return r.speedupCi[0] > ref.speedupCi[1] && r.speedup >= ref.speedup * BEYOND_CORES_GAIN;
}

/**
 * An executor whose K = 1 run was slower than the plain loop by at least what a pool beyond
 * the cores must gain (BEYOND_CORES_GAIN), beyond its interval, and by a hand-off of that
 * share of a call: its workers at K = cores idle that long between calls, which workers
 * beyond the cores fill. A 0.7 ms pure-Python call whose processes ×1 took 1.07 ms a
 * task read ×2 1.04× and ×4 1.3×, as bare ProcessPoolExecutors do (1.0× and 1.27×).
 */
function handoffBound(ev: Evidence, runs: RunResult[]): boolean {
  const one = runs.find((r) => r.concurrency === 1);
  return !!one && one.speedupCi[1] * BEYOND_CORES_GAIN < 1 && handoffMsOf(ev, one) >= (BEYOND_CORES_GAIN - 1) * ev.callMs;
}

/** The words' facts for a pool beyond the cores that gained by queueing calls behind slow hand-offs. */
function queuedBeyondCores(above: RunResult[], atCores: RunResult): FindingData {
  const b = fastestRun(above);
  return { queuedExecutor: b.executor, queuedK: b.concurrency, queuedSpeedup: b.speedup, queuedAtCoresK: atCores.concurrency, queuedAtCores: atCores.speedup };
}

/**
 * A K = cores point read again from larger pools of the same executor: lifted to a
 * larger pool's reading (liftAtCores), or read together with larger pools' consistent
 * readings (poolAtCores).
 */
interface Lift {
  run: RunResult;
  how: 'lifted' | 'pooled';
  /** The larger pool's K (lifted), or the largest of those read together (pooled). */
  fromK: number;
  /** The K = cores point's own reading. */
  measured: number;
}

/**
 * On CPU work K = cores can do at least what a larger pool of the same executor did: the
 * workers beyond the cores only take turns on them. So a larger pool that beat the
 * K = cores point beyond both intervals says that window read low (a burst of load, GC
 * caught in a short window), and the larger pool's reading stands for K = cores. Seen:
 * a GIL-releasing hash whose threads ×2 read 1.31× while ×4 and ×8 read 1.83× and
 * 2.28×; divided by that one low window, processes ×2 at 1.85× took the answer.
 */
function liftAtCores(atCores: RunResult, above: RunResult[]): Lift {
  const b = fastestRun(above);
  return {
    run: { ...atCores, throughputPerSec: b.throughputPerSec, speedup: b.speedup, speedupCi: b.speedupCi, noisy: b.noisy },
    how: 'lifted',
    fromK: b.concurrency,
    measured: atCores.speedup,
  };
}

/**
 * On CPU work with no waiting to overlap, a larger pool of the same executor does what
 * K = cores does (its workers beyond the cores take turns on them), so a larger pool's
 * window whose interval meets K = cores's is a second reading of the same pool, taken at
 * another moment. Read together, the two windows say more than either: a 3.9 ms XML parse
 * under the GIL read processes ×2 at 1.29× [1.04-1.59] and ×4 at 1.44× [1.12-2.03] at
 * 6 s, and the answer was "keep it sequential" for want of a low end above MIN_GAIN,
 * where bare ProcessPoolExecutors give 1.36×. A larger pool beyond K = cores's interval
 * either way is no second reading: above, liftAtCores; below, the pool lost something
 * to its extra workers.
 */
function poolAtCores(atCores: RunResult, above: RunResult[]): Lift | undefined {
  const same = above.filter((r) => r.speedupCi[0] <= atCores.speedupCi[1] && r.speedupCi[1] >= atCores.speedupCi[0]);
  if (!same.length) return undefined;
  const together = pooledEstimate([atCores, ...same].map((r) => ({ value: r.speedup, ci: r.speedupCi })));
  const scale = atCores.speedup > 0 ? together.value / atCores.speedup : 1;
  return {
    run: { ...atCores, throughputPerSec: atCores.throughputPerSec * scale, speedup: together.value, speedupCi: together.ci, noisy: isNoisy(together.value, together.ci) },
    how: 'pooled',
    fromK: Math.max(...same.map((r) => r.concurrency)),
    measured: atCores.speedup,
  };
}

/**
 * Each executor's runs that physics and the intervals allow, summarized again; `notes`
 * records what was left out, so the words can say why, and `lifts` which K = cores
 * points a larger pool read again.
 */
function allowedCandidates(
  ev: Evidence,
  kind: WorkloadKind,
  gil: GilVerdict | undefined,
): { candidates: ExecutorSummary[]; allowed: RunResult[]; notes: FindingData; lifts: Partial<Record<ExecutorKind, Lift>> } {
  const notes: FindingData = {};
  const out: ExecutorSummary[] = [];
  const allowed: RunResult[] = [];
  const lifts: Partial<Record<ExecutorKind, Lift>> = {};
  const cpu = cpuLimited(ev, kind);
  for (const k of COST_ORDER) {
    const s = ev.byKind[k];
    if (!s || k === 'sequential') continue;
    if (cpu && k === 'async') {
      if (s.best.speedupCi[0] > MIN_GAIN) notes.excludedAsync = s.best.speedup;
      continue;
    }
    if (ev.python && gil === 'held' && kind === 'cpu-bound' && k === 'thread') {
      if (s.best.speedupCi[0] > MIN_GAIN) notes.excludedThreads = s.best.speedup;
      continue;
    }
    // asyncio.to_thread of GIL-held work: the calls in flight run on executor threads that take turns.
    if (ev.python && gil === 'held' && kind === 'cpu-bound' && k === 'async' && ev.offloaded) {
      if (s.best.speedupCi[0] > MIN_GAIN) notes.excludedAsyncGil = s.best.speedup;
      continue;
    }
    let runs = s.runs;
    // A pool's worker runs one call at a time, so on CPU work a pool beyond the cores only
    // takes turns on them, whichever thread spends each call's CPU: its own, libuv's, or
    // asyncio's executor (offloaded). CI saw pure Python in asyncio.to_thread answer
    // processes ×4 on 2 cores, from ×4 at 1.65× beside ×2 at 1.45×.
    if (kind === 'cpu-bound' && k !== 'async') {
      const within = runs.filter((r) => r.concurrency <= ev.cores);
      if (within.length) {
        const atCores = within.find((r) => r.concurrency === ev.cores) ?? fastestRun(within);
        // Beyond the cores, a point must beat K = cores beyond both intervals, and by at
        // least BEYOND_CORES_GAIN: a few percent more from K > cores on CPU work is only
        // a queued task hiding the hand-off between calls, which batching gives cheaper.
        // And there must be waiting to overlap: a call that is all CPU (share ≥
        // PURE_CPU_SHARE) gains from more threads than cores only by taking CPU from
        // other processes, which says nothing about the machine it will run on. Waiting
        // leaves cores idle, too: when K = cores already kept the machine busy (other
        // load, or a share read low because the call queued for a core), more workers
        // can only take CPU from the rest of the machine.
        const overlapRoom = ev.cpuShare < PURE_CPU_SHARE && !(atCores.concurrency === ev.cores && atCores.coreUtilization >= SATURATED_AT);
        const larger = runs.filter((r) => r.concurrency > ev.cores);
        const above = larger.filter((r) => provenBeyond(r, atCores));
        const beyond = overlapRoom ? above : [];
        if (runs.length > within.length + beyond.length) notes.cappedAtCores = ev.cores;
        if (beyond.length) notes.beyondCoresProven = 1;
        // Unless the pool's hand-off is slow next to a call: its workers then idle through
        // one per call at K = cores, and a larger pool keeps them busy with calls queued
        // behind the hand-offs, a real gain that K = cores cannot match (handoffBound).
        const queued = above.length > 0 && handoffBound(ev, s.runs);
        if (queued && !beyond.length) Object.assign(notes, queuedBeyondCores(above, atCores));
        const sameWork = !overlapRoom && !queued && atCores.concurrency === ev.cores;
        const lifted = !sameWork ? undefined : above.length ? liftAtCores(atCores, above) : poolAtCores(atCores, larger);
        if (lifted) lifts[k] = lifted;
        runs = [...within.map((r) => (r === atCores && lifted ? lifted.run : r)), ...beyond];
      }
    }
    if (k === 'async' && ev.offloaded) {
      // Offloaded CPU runs on libuv's (or asyncio's) threads and the cores, which offloadedInFlight calls
      // keep busy: calls beyond them only queue. As for pools beyond the cores, a higher
      // K must beat the best point within beyond both intervals and by
      // BEYOND_CORES_GAIN, and only when a call also waits (share below PURE_CPU_SHARE):
      // all-CPU calls beyond them have nothing to overlap. A 1 MB deflate read async ×4
      // at 1.86× and ×8 at 1.98× in one profile, ×4 2.08× and ×8 1.75× in the next, and
      // the answer went from 4 to 8 calls in flight with the noise.
      const limit = offloadedBusyAt(ev);
      const within = runs.filter((r) => r.concurrency <= limit);
      if (within.length && within.length < runs.length) {
        const ref = fastestRun(within);
        const beyond = ev.cpuShare < PURE_CPU_SHARE ? runs.filter((r) => r.concurrency > limit && provenBeyond(r, ref)) : [];
        if (!beyond.length) notes.offloadedInFlight = limit;
        runs = [...within, ...beyond];
      }
    }
    allowed.push(...runs);
    const clear = runs.filter((r) => r.speedupCi[0] > MIN_GAIN);
    if (clear.length) out.push(summarize(k, clear));
  }
  return { candidates: out, allowed, notes, lifts };
}

/**
 * Two pools that both keep the cores busy with CPU work (each at least AT_CEILING of its
 * ceiling) tie within this share, whatever their intervals say. Their points were
 * measured seconds apart on a machine whose speed drifts by 10-20% in that time, and an
 * interval only holds the noise inside its own window. At 15 s, windows of 150-190 calls
 * gave intervals of ±4%, and node:crypto's createHash and zlib.gzipSync answered
 * processes ×2 where bare pools give threads and processes the same 2.0× (and threads at
 * 3 and 6 s); another 15 s run of the same hash answered threads. Allocation-heavy npm
 * parsers whose processes really run 20-25% faster than threads still get processes.
 */
export const DRIFT_TIE = 0.1;

/**
 * The best executor at its knee; a cheaper one wins when it is within KNEE_TOLERANCE of
 * the best, or when the two intervals overlap and it is within CHEAPER_TIE_ZONE of it
 * (the measurement cannot tell them apart, and cheaper is then the better bet), or, for
 * CPU work (`cpuLimited`), when both pools fill the cores and it is within DRIFT_TIE,
 * unless `headroom` says it has no room left where the best one still scales (noHeadroom).
 * Readings count only up to their physics ceiling (`ceilingOf`, speedupCeiling): above
 * it a point was divided by a sequential window that ran slow, and says only that it
 * reached the ceiling. scrypt on 2 cores read processes ×2 at 3.2× beside threads ×2 at
 * 1.93×, and processes won "clearly" where both can give 2× at most.
 */
function chooseExecutor(
  candidates: ExecutorSummary[],
  headroom: (cheaper: ExecutorSummary, costlier: ExecutorSummary) => number | undefined,
  ceilingOf: (r: RunResult) => number,
  cpuWork = false,
): { chosen: ExecutorSummary; runnerUp?: RunResult; cheaperCeiling?: number; drift?: boolean } {
  const at = (c: ExecutorSummary) => Math.min(c.knee.speedup, ceilingOf(c.knee));
  const best = candidates.reduce((a, b) => (at(b) > at(a) ? b : a));
  const bestLow = Math.min(best.knee.speedupCi[0], ceilingOf(best.knee));
  const fillsCores = (c: ExecutorSummary) => (c.kind === 'thread' || c.kind === 'process') && at(c) >= ceilingOf(c.knee) * AT_CEILING;
  const driftTie = (c: ExecutorSummary) => cpuWork && fillsCores(c) && fillsCores(best) && at(c) >= at(best) * (1 - DRIFT_TIE);
  const measuredTie = (c: ExecutorSummary) => at(c) >= at(best) * (1 - KNEE_TOLERANCE) || (c.knee.speedupCi[1] >= bestLow && at(c) >= at(best) * (1 - CHEAPER_TIE_ZONE));
  const ties = (c: ExecutorSummary) => measuredTie(c) || driftTie(c);
  // The best itself may have no room left beside a costlier one that ties it and still scales.
  for (const c of candidates.slice(candidates.indexOf(best) + 1)) {
    const ceiling = ties(c) ? headroom(best, c) : undefined;
    if (ceiling !== undefined) return { chosen: c, runnerUp: best.knee, cheaperCeiling: ceiling };
  }
  let chosen = best;
  let atCeiling: { c: ExecutorSummary; ceiling: number } | undefined;
  for (const c of candidates) {
    if (c === best) break;
    if (!ties(c)) continue;
    // A tie goes to the cheaper one only when it has as much room to grow.
    const ceiling = headroom(c, best);
    if (ceiling === undefined) {
      chosen = c;
      break;
    }
    atCeiling ??= { c, ceiling };
  }
  // The reason names the cheaper executor that lost its tie for want of room, first.
  if (chosen === best && atCeiling) return { chosen, runnerUp: atCeiling.c.knee, cheaperCeiling: atCeiling.ceiling };
  const others = candidates.filter((c) => c !== chosen);
  const runnerUp = others.length ? others.reduce((a, b) => (at(b) > at(a) ? b : a)).knee : undefined;
  // Won on the drift between windows alone: the words say so (drift-costlier).
  const drift = chosen !== best && runnerUp === best.knee && !measuredTie(chosen);
  return { chosen, runnerUp, ...(drift ? { drift } : {}) };
}

/**
 * Whether a cheaper executor that ties the best has no room left: it already reads near
 * the most it can ever give this work (AT_CEILING of executorCeiling), while the best
 * one's ladder was cut still scaling under a ceiling HEADROOM_GAIN higher. Then the tie
 * is only where the budget stopped: a half-CPU, half-sleep Python call with the GIL held
 * read threads ×4 at 1.73× (at most 1/r = 2×) beside processes ×2 at 2.02×, cut by a 3 s
 * budget; at 15 s processes ×4 gave 3.3×. Returns the cheaper one's ceiling, or undefined.
 */
function noHeadroom(ev: Evidence, kind: WorkloadKind, gil: GilVerdict | undefined, cheaper: ExecutorSummary, costlier: ExecutorSummary): number | undefined {
  // Waiting work's CPU share is a few percent, and its reciprocal too uncertain to say a
  // ladder is at its ceiling: a share of 0.05 read as 0.08 moves 1 / r from 20 to 12.
  if (kind === 'io-bound') return undefined;
  const capOf = (s: ExecutorSummary) => executorCeiling(ev, s.kind, gil);
  const cap = capOf(cheaper);
  if (cheaper.best.speedup < cap * AT_CEILING || capOf(costlier) < cap * HEADROOM_GAIN) return undefined;
  return stillScalingAtTop(ev, kind, costlier.knee) ? cap : undefined;
}

/** A cheaper executor reading at least this share of its ceiling has no room left. */
const AT_CEILING = 0.8;
/** ...and loses a tie to a still-scaling costlier one whose ceiling is this much higher. */
const HEADROOM_GAIN = 1.5;

/**
 * How the runner-up stands to the answer; `cheaperCeiling` when it is a cheaper executor
 * that tied but had no room left (noHeadroom), with its ceiling; `drift` when the answer
 * won its tie on the drift between windows alone (DRIFT_TIE).
 */
function runnerUpData(run: RunResult, other: RunResult, cheaperCeiling: number | undefined, otherCeiling: number, drift = false): FindingData {
  if (cheaperCeiling !== undefined) {
    return { altExecutor: other.executor, altSpeedup: other.speedup, altRelation: 'cheaper-at-ceiling', altCeiling: round2(cheaperCeiling) };
  }
  // A tie won on the drift between windows (chooseExecutor) says so, unless the other read
  // past its ceiling: the words below say that better.
  if (drift && other.speedup <= otherCeiling) return { altExecutor: other.executor, altSpeedup: other.speedup, altRelation: 'drift-costlier' };
  const cheaper = COST_ORDER.indexOf(other.executor) < COST_ORDER.indexOf(run.executor);
  let relation: string;
  if (cheaper) {
    // Behind by more than a tie allows, but within the chosen point's noise: the words
    // must not call that "clearly lower". Threads ×2 at 1.33× [1.06-1.69] beside
    // processes ×2 at 1.89× [1.53-2.38], three and four 119 ms calls each at 6 s, had.
    const meets: FindingData = other.speedupCi[1] >= run.speedupCi[0] ? { altOverlaps: 1, altTieZone: CHEAPER_TIE_ZONE } : {};
    return { altExecutor: other.executor, altSpeedup: other.speedup, altRelation: 'cheaper-lower', ...meets };
  }
  // Read higher, but only past what it can give this work: capped there, no better, or
  // still higher but inside the chosen point's noise (the tie chooseExecutor gave to the
  // cheaper one). A panel had read "capped there, they do no better" of processes capped
  // at 2.0x beside threads at 1.66x [1.3-2.13].
  else if (other.speedup > run.speedup && other.speedup > otherCeiling) {
    const ahead: FindingData = otherCeiling > run.speedup * (1 + KNEE_TOLERANCE) ? { altStillAhead: 1 } : {};
    return { altExecutor: other.executor, altSpeedup: other.speedup, altRelation: 'above-ceiling-costlier', altCeiling: round2(otherCeiling), altK: other.concurrency, ...ahead };
  }
  else if (Math.abs(other.speedup - run.speedup) <= run.speedup * KNEE_TOLERANCE) relation = 'as-good-costlier';
  // Higher as read, but inside the chosen point's noise: say that, not "about as well".
  else if (other.speedup > run.speedup && other.speedupCi[0] <= run.speedupCi[1]) relation = 'overlap-costlier';
  else relation = 'next';
  return { altExecutor: other.executor, altSpeedup: other.speedup, altRelation: relation };
}

function whyCode(ev: Evidence, kind: WorkloadKind, gil: GilVerdict | undefined, blocking: boolean, executor: ExecutorKind): string {
  if (ev.offloaded) return executor === 'process' ? 'offloaded-process' : 'offloaded-pool';
  if (kind === 'cpu-bound') {
    if (ev.python && gil === 'released' && executor === 'thread') return 'cpu-gil-released';
    if (executor === 'process') return ev.python && gil === 'held' ? 'cpu-gil-held' : 'cpu-process';
    return 'cpu-cores';
  }
  if (kind === 'io-bound') {
    if (blocking) return 'io-blocking';
    if (executor === 'async') return 'io-async';
    if (ev.python && !ev.input.isAsync) return 'io-threads-gil';
    return 'io-overlap';
  }
  return 'mixed';
}

/**
 * Whether `run` tops its ladder, and the ladder stopped (budget or cap, or inferred from
 * its last step) while throughput still grew, with cores not what limits it.
 */
function stillScalingAtTop(ev: Evidence, kind: WorkloadKind, run: RunResult): boolean {
  const ladder = ev.byKind[run.executor];
  if (!ladder || run.concurrency !== ladder.maxConcurrency) return false;
  if (cpuLimited(ev, kind) && run.concurrency >= ev.cores) return false;
  // CPU work handed off (libuv, asyncio.to_thread, a child process) is still CPU work: a
  // pool of one call per worker at K = cores keeps every core busy however the call
  // spends it, and async at the calls in flight that keep the threads doing it busy
  // (offloadedInFlight) only queues more. A child process burning 170 ms a call read
  // "async, at least 4 calls in flight" from one async point beside the baseline.
  if (ev.offloaded && kind === 'cpu-bound') {
    const busyAt = run.executor === 'async' ? offloadedBusyAt(ev) : ev.cores;
    if (run.concurrency >= busyAt) return false;
  }
  const stop = ev.input.stops?.[run.executor];
  const runs = ladder.runs;
  const last = runs[runs.length - 1];
  const prev = runs.length >= 2 ? runs[runs.length - 2] : ev.seq;
  const growing = prev && prev.concurrency < last.concurrency ? last.throughputPerSec >= prev.throughputPerSec * (1 + STILL_SCALING_GROWTH) : false;
  return stop === undefined ? growing : (stop === 'budget' || stop === 'cap') && growing;
}

/**
 * "At least K": the recommended point is the top of its ladder, the ladder stopped
 * (budget or cap, or inferred from its last step) while throughput still grew, and cores
 * are not what limits it. The extrapolation is the USL peak, libuv's pool, or the formula,
 * whichever is known and above K.
 */
function atLeastOf(
  ev: Evidence,
  kind: WorkloadKind,
  run: RunResult,
  fits: ScalingFit[],
): { workers?: number; source?: Recommendation['extrapolationSource'] } | undefined {
  if (!stillScalingAtTop(ev, kind, run)) return undefined;
  const k = run.concurrency;
  const fit = fits.find((f) => f.executor === run.executor && f.fitted && f.model === 'usl');
  // A peak far beyond the measured points is the fit extrapolating noise; trust it within USL_PEAK_REACH × K.
  if (fit?.peakConcurrency != null && fit.peakConcurrency > k * 1.1 && fit.peakConcurrency <= k * USL_PEAK_REACH) {
    return { workers: Math.round(fit.peakConcurrency), source: 'usl-peak' };
  }
  if (ev.offloaded && run.executor !== 'process' && offloadCap(ev) > k) return { workers: offloadCap(ev), source: 'uv-pool' };
  const formula = formulaWorkersOf(ev.cores, ev.cpuShare);
  if (formula > k) return { workers: formula, source: 'formula' };
  return {};
}

