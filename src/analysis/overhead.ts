// Dispatch overhead: calls too short for a pool (tiny tasks), and Python processes whose
// gain is eaten by pickling. docs/model.md, "Tiny tasks and serialization".
import type { ExecutorKind, Finding, GilVerdict, RunResult } from '../shared/report';
import { CPU_BOUND_AT, defined, type Evidence } from './evidence';
import { fastestRun } from '../shared/fastestRun';

/** Dispatch overhead above this share of a call makes a pool-per-call a poor deal. */
export const TINY_OVERHEAD_SHARE = 0.25;
/**
 * A pool at K = 1 this many times slower than the plain loop is slower whatever its
 * interval says: this VM's speed moved by at most 1.7× within a profile, and other load
 * only slows a window.
 */
export const CERTAIN_GAP = 4;
/** Batches are sized so dispatch overhead stays under this share of a batch. */
export const BATCH_OVERHEAD_TARGET = 0.05;
/**
 * Calls shorter than this make the hand-off to a pool a large share: the ladder measures
 * the pools' K = 1 points early, and when the budget left none, a slower pool at K = cores
 * reads as hand-off cost. A longer call whose pool runs slower than a plain loop was
 * measured cold or under load, not paced by its hand-offs.
 */
export const SHORT_CALL_MS = 10;

export interface Overhead {
  tiny: boolean;
  serializationBound: boolean;
  /** Executor whose dispatch was measured. */
  pool?: ExecutorKind;
  /** Per-task cost of handing a call to that pool, excluding pickling. */
  dispatchMs: number;
  serializationMs: number;
  batchSize?: number;
  /** The pool's best run that speaks for a pool per call (within the cores, on CPU work). */
  best?: RunResult;
  /** That run gained less than a pool per call should (under 1.2×, or 0.6× the cores). */
  disappointing?: boolean;
  finding?: Finding;
}

/**
 * Whether handing calls to a pool one at a time costs them their gain, read from the
 * pool the physics would pick: under a held GIL only processes can help; otherwise
 * threads, the cheaper pool. When threads lost to the loop without a slow hand-off (their
 * calls ran slower side by side: a lock, the GIL dropped and retaken around every
 * syscall), processes, which share neither, are read instead. `os.walk` over a tree of
 * 1,900 files (1.7 ms, GIL left free in its syscalls) read threads ×2 at 0.83×, each
 * call 3.9 ms inside its thread, and processes ×2 at 1.03× [0.92-1.11] with their
 * workers outside a call 1.2-1.4 ms of every task, and the answer had been "keep it
 * sequential"; bare pools give threads 0.80× and processes 1.18× per call.
 */
export function overheadOf(ev: Evidence, gil: GilVerdict | undefined): Overhead {
  const pool: ExecutorKind = gil === 'held' ? 'process' : ev.byKind.thread ? 'thread' : 'process';
  const picked = poolOverhead(ev, pool);
  if (pool !== 'thread' || picked.tiny || picked.serializationBound || !picked.disappointing || !ev.byKind.process) return picked;
  const processes = poolOverhead(ev, 'process');
  return processes.tiny || processes.serializationBound ? processes : picked;
}

/** overheadOf for one pool: whether its hand-off (or, for processes, pickling) costs its calls their gain. */
export function poolOverhead(ev: Evidence, pool: ExecutorKind): Overhead {
  const none: Overhead = { tiny: false, serializationBound: false, dispatchMs: 0, serializationMs: 0 };
  if (!Number.isFinite(ev.callMs) || ev.callMs <= 0 || !ev.seq) return none;
  const summary = ev.byKind[pool];
  // K = 1 times one hand-off plus one call. A short budget measures pools only at
  // K = cores; for short calls the lowest K stands in, unless its workers were still cold.
  const standIn = ev.callMs < SHORT_CALL_MS && !ev.coldPools.includes(pool) ? summary?.runs[0] : undefined;
  const one = summary?.runs.find((r) => r.concurrency === 1) ?? standIn;
  if (!summary || !one) return none;
  const perTaskMs = 1000 / one.throughputPerSec;
  // With several calls in flight, a pool slower than one plain loop is paced by its
  // hand-offs, which run one at a time in the caller: a task's share of the throughput is
  // the hand-off itself (a lower bound on it while the workers still set the pace).
  // What the workers were not busy with their calls, where the calls' own time in the
  // workers was read (standInHandoffMs): calls that ran slower side by side set the pace
  // themselves, and no hand-off need be slow.
  const overheadMs = one.concurrency === 1 ? handoffMsOf(ev, one) : (standInHandoffMs(one) ?? perTaskMs);
  const serializationMs = one.serialization?.msPerTask ?? summary.best.serialization?.msPerTask ?? 0;
  const dispatchMs = Math.max(0, overheadMs - serializationMs);
  // On CPU work, workers beyond the cores gain only by queueing a call behind each
  // hand-off, which batching does better without the extra workers: such a pool's
  // reading says how slow the hand-off is, not that the pool is a good deal. A 0.7 ms
  // pure-Python call read processes ×2 1.04× and ×4 1.3× (bare pools: 1.0× and 1.27×),
  // where batches of 11 calls on 2 processes give 1.89×.
  const within = ev.cpuShare >= CPU_BOUND_AT ? summary.runs.filter((r) => r.concurrency <= ev.cores) : [];
  const best = within.length ? fastestRun(within) : summary.best;
  const disappointing = best.speedup < Math.max(1.2, 0.6 * ev.cores);

  // The K=1 run must be slower than a plain loop beyond its interval, or the "overhead" is
  // noise; or slower by CERTAIN_GAP, which no noise reaches however wide the interval: a
  // 2 µs call's thread ×1 read 0.021× of the loop in a busy local test run, but its interval,
  // divided by sequential windows that other load had slowed, reached past 0.8×.
  // A stand-in of several workers, each with a core of its own for CPU work, that ran
  // slower than the one plain loop beyond its interval lost at least a call's time to
  // each hand-off: a 0.7 ms pure-Python call at 3 s, measured only at processes ×2, read
  // 0.82-0.94× where bare ProcessPoolExecutor(2) gives 1.0× and batches 1.89×.
  // Or, where the calls' own time in its workers was read, they sat outside their calls
  // for at least TINY_OVERHEAD_SHARE of a call per task even at the top of its interval:
  // the same 0.7 ms call at 3 s read processes ×2 at 0.92× [0.85-1.00], its workers 0.95
  // ms inside a call of every 1.55 ms, and had answered "keep it sequential".
  const standInSlower = one.concurrency > 1 && one.concurrency <= ev.cores && ev.cpuShare >= CPU_BOUND_AT && one.speedupCi[1] < 1;
  const atTop = one.speedup > 0 ? one.throughputPerSec * (one.speedupCi[1] / one.speedup) : 0;
  const idleForSure = one.concurrency > 1 && (standInHandoffMs(one, atTop) ?? 0) >= TINY_OVERHEAD_SHARE * ev.callMs;
  const slowerForSure = one.speedupCi[1] < 1 / (1 + TINY_OVERHEAD_SHARE) || one.speedup * CERTAIN_GAP < 1 || standInSlower || idleForSure;
  if (disappointing && slowerForSure && dispatchMs >= TINY_OVERHEAD_SHARE * ev.callMs) {
    const batchSize = Math.max(2, Math.ceil(dispatchMs / (BATCH_OVERHEAD_TARGET * ev.callMs)));
    return {
      tiny: true,
      serializationBound: false,
      pool,
      dispatchMs,
      serializationMs,
      batchSize,
      best,
      disappointing,
      finding: {
        code: 'overhead.tiny',
        level: 'info',
        data: { pool, callMs: ev.callMs, dispatchMs, perTaskMs, bestSpeedup: best.speedup, bestK: best.concurrency, batchSize, target: BATCH_OVERHEAD_TARGET },
      },
    };
  }
  if (disappointing && slowerForSure && serializationMs >= TINY_OVERHEAD_SHARE * ev.callMs && serializationMs >= dispatchMs) {
    const bytes = one.serialization?.bytesPerTask ?? summary.best.serialization?.bytesPerTask;
    return {
      tiny: false,
      serializationBound: true,
      pool,
      dispatchMs,
      serializationMs,
      disappointing,
      finding: {
        code: 'overhead.serialization',
        level: 'info',
        data: defined({ serializationMs, bytesPerTask: bytes, callMs: ev.callMs, bestSpeedup: best.speedup }),
      },
    };
  }
  return { ...none, pool, dispatchMs, serializationMs, disappointing };
}

/**
 * The hand-off of a pool of K workers, per task, from how long each worker was not inside
 * a call: K tasks' share of the window less a call's own time in the worker (its CPU ÷
 * the CPU share of its wall time there, both read around the call in the thread that ran
 * it), or undefined when the calls' time in the workers was not read. An 8,000-row
 * sqlite3 executemany (7.6 ms a call), which drops and retakes the GIL around every row,
 * read ThreadPoolExecutor(2) at 0.49×: each call took 25 ms of CPU and 32 ms inside its
 * thread, so the two threads fought over the GIL inside every call, and their workers
 * were never idle. Read as one 16 ms hand-off per task, the answer was "batch 41 calls
 * per task on 2 threads: 1.9×"; bare pools give threads ×2 0.65× (×1 1.06×) and
 * processes ×2 1.56×. `throughputPerSec`: the run's, or another reading of it (the top of
 * its interval gives the shortest hand-off it allows).
 */
export function standInHandoffMs(run: RunResult, throughputPerSec = run.throughputPerSec): number | undefined {
  if (run.cpuMsPerTask == null || run.cpuRatio == null || !(run.cpuRatio > 0) || !(throughputPerSec > 0)) return undefined;
  const inCallMs = run.cpuMsPerTask / run.cpuRatio;
  return Math.max(0, (run.concurrency * 1000) / throughputPerSec - inCallMs);
}

/**
 * The per-task cost of handing a call to a pool, read from its K = 1 run: how much longer
 * a task took there than a call in the plain loop, less what the call itself ran slower
 * in the worker (slowerCallMs).
 */
export function handoffMsOf(ev: Pick<Evidence, 'callMs' | 'seq'>, one: RunResult): number {
  return Math.max(0, 1000 / one.throughputPerSec - ev.callMs - slowerCallMs(ev, one));
}

/**
 * How much longer a K = 1 pool's calls ran than the plain loop's, by their own CPU time:
 * a hand-off costs the caller and the wire, not the call, so CPU a worker spent inside
 * the call beyond the loop's is the call running slower there (a heap still growing, cold
 * caches, a core's other hyperthread busy). Only for calls long enough to be read one by
 * one (SHORT_CALL_MS): shorter calls share a reading with the worker's own message
 * handling, which is hand-off. csv.reader over 40,000 lines, 17.5 ms a call, ran 22.3 ms
 * a task in one process, of which 1.8 ms more CPU inside the call, and the answer was
 * "batch 6 calls per task: estimated 1.9×" for a 1.3 ms hand-off.
 */
function slowerCallMs(ev: Pick<Evidence, 'callMs' | 'seq'>, one: RunResult): number {
  if (ev.callMs < SHORT_CALL_MS || one.cpuMsPerTask == null || ev.seq?.cpuMsPerTask == null) return 0;
  return Math.max(0, one.cpuMsPerTask - ev.seq.cpuMsPerTask);
}
