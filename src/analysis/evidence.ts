// The evidence every rule reads: a call's time and CPU share, each executor's ladder
// summarized, and whether the work is offloaded or already parallel inside.
import { fastestRun } from '../shared/fastestRun';
import type { ExecutorKind, RunResult, WorkloadKind } from '../shared/report';
import { median } from './stats';
import { lanesAllStarted } from '../shared/closedLoop';
import type { AnalysisInput } from './types';

/** CPU share at or above which a call is CPU-bound, and at or below which it is waiting. */
export const CPU_BOUND_AT = 0.7;
export const IO_BOUND_AT = 0.3;
/** A run that kept this share of the cores busy had no idle core left to overlap waits on. */
export const SATURATED_AT = 0.85;
/** A point within this fraction of the best counts as "as good" (the knee, cheaper executors). */
export const KNEE_TOLERANCE = 0.05;
/** Steal above this share means a hypervisor took CPU from us. */
export const HIGH_STEAL = 0.05;
/** Runs failing more often than this measure the failure, not the function. */
export const UNUSABLE_ERROR_RATE = 0.5;
/** The sequential run keeping more cores busy than this means the call is parallel inside. */
export const PARALLEL_INSIDE_CORES = 1.3;
/** ...confirmed by the median over all runs (machine CPU per task), so one noisy sample cannot trigger it. */
export const PARALLEL_INSIDE_MEDIAN = 1.15;
/**
 * Shorter calls than this never read as parallel inside: at hundreds of thousands of
 * calls a second the profiler's own bookkeeping (a sample per call, in the engine's
 * thread) keeps a second core busy, which is ours, not the function's.
 */
export const PARALLEL_INSIDE_MIN_CALL_MS = 1;
/**
 * A call whose calling thread mostly idles (CPU ratio below IO_BOUND_AT) while the
 * process keeps at least this share of a core busy per call in flight handed its CPU to
 * other threads (libuv's pool: async crypto, zlib; in Python, asyncio.to_thread and
 * run_in_executor) or processes: it is CPU work, done off the thread. Read as a share of
 * the calling thread alone, pbkdf2 in asyncio.to_thread was "1% CPU, io-bound, the
 * formula says 128 workers" while one call at a time kept a core busy.
 */
export const OFFLOADED_MACHINE_SHARE = 0.5;

/** Whether a call handed its CPU to other threads: see OFFLOADED_MACHINE_SHARE. */
export function handedOff(callCpuRatio: number, machineShare: number): boolean {
  return callCpuRatio < IO_BOUND_AT && machineShare >= OFFLOADED_MACHINE_SHARE;
}
/** Offloaded work keeps this many calls in flight per one its threads can run at once. */
export const OFFLOADED_QUEUE = 2;

/**
 * How many offloaded calls in flight keep the threads that run them busy: `parallel` of
 * them (the cores, or fewer threads in libuv's pool) at `machineShare` of a core each,
 * with one more queued behind each running one to hide the hand-off back to the event
 * loop (pbkdf2 on 2 cores: async ×2 read 1.56-1.60×, ×4 1.95-2.03×). Rounded to the
 * nearest power of two, not down: the share reads a little above 1 with the profiler's
 * own CPU in it, and 2 × 2 ÷ 1.1 is still ×4.
 */
export function offloadedInFlight(parallel: number, machineShare: number): number {
  const k = (OFFLOADED_QUEUE * parallel) / Math.max(machineShare, OFFLOADED_MACHINE_SHARE);
  return 2 ** Math.round(Math.log2(Math.max(1, k)));
}
const DEFAULT_UV_THREADPOOL = 4;

/** Offloaded calls that run at once in one process: the cores, or fewer threads in the pool that runs them. */
export function offloadCap(ev: Pick<Evidence, 'cores' | 'offloadPool'>): number {
  return Math.min(ev.cores, ev.offloadPool);
}

/** The calls in flight that keep offloaded work's threads busy (offloadedInFlight); more only queue. */
export function offloadedBusyAt(ev: Pick<Evidence, 'cores' | 'offloadPool' | 'cpuShare'>): number {
  return offloadedInFlight(offloadCap(ev), ev.cpuShare);
}

/** Threads of asyncio's default executor (asyncio.to_thread, run_in_executor(None)) since Python 3.8. */
export function pythonDefaultExecutorThreads(cores: number): number {
  return Math.min(32, cores + 4);
}

/** The executors that take part in the local recommendation, cheapest first (start-up, memory, copying). */
export const COST_ORDER: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];
const LOCAL = new Set<ExecutorKind>(COST_ORDER);

export interface ExecutorSummary {
  kind: ExecutorKind;
  runs: RunResult[];
  best: RunResult;
  /** Smallest concurrency within KNEE_TOLERANCE of the best throughput. */
  knee: RunResult;
  maxConcurrency: number;
}

export interface Evidence {
  input: AnalysisInput;
  python: boolean;
  cores: number;
  seq?: RunResult;
  /** Wall time of one call alone. */
  callMs: number;
  /** CPU share of a call in the thread that ran it. */
  callCpuRatio: number | null;
  /** Machine CPU (above background) per call, as a share of a call's wall time. */
  machineCpuShare: number | null;
  /** The CPU share the verdict uses: the calling thread's, or the machine's when the work was offloaded. */
  cpuShare: number;
  /**
   * The CPU share one event loop spent per call at its cheapest async point: the
   * baseline's share × that point's CPU per call ÷ the baseline's (recommend.loopCpuShare);
   * undefined where either CPU per call is unknown.
   */
  loopShare?: number;
  offloaded: boolean;
  /** Cores the sequential run kept busy, when that exceeds PARALLEL_INSIDE_CORES. */
  parallelInside: number | null;
  byKind: Partial<Record<ExecutorKind, ExecutorSummary>>;
  /** Best speedup over all async/thread/process runs. */
  bestConcurrentSpeedup: number;
  /**
   * Threads that run offloaded CPU work: libuv's pool (UV_THREADPOOL_SIZE) for JS,
   * asyncio's default executor for Python. Offloaded work runs at most
   * min(cores, offloadPool) calls at once in one process.
   */
  offloadPool: number;
  /** Pools measured before their workers warmed up (coldPoolsOf): their runs read low and say nothing about scaling. */
  coldPools: ExecutorKind[];
}

/**
 * A pool whose warm-up cap ended before its calls settled, and whose last warm-up calls
 * still took this many times the sequential worker's steady call, was measured cold: on
 * 2 cores, K workers tiering up a JIT-heavy parser at once leave V8's compiler threads
 * no free core, and at a 3 s budget their calls were still 3-4x a warm one.
 */
export const COLD_POOL_RATIO = 1.5;
/**
 * A pool whose every point held this many counted calls per worker warmed up inside its
 * windows, whatever its warm-up read: the JIT had its calls there, and the settled window
 * (runResults.settleWindow) left the transient out. A 5 µs call's warm-up calls jitter
 * by 2× on timer resolution alone, and its pool, at 700 calls a worker, read "cold".
 */
export const WARM_IN_WINDOW_CALLS = 100;

/**
 * A pool's first warm-up call above its last ones by more than this share says its calls
 * were still falling when the cap came. Calls that were as slow from the first, or grew
 * slower, ran slower side by side, not cold: brotli's native compressor took 544 ms a
 * call alone, and two at once took 634 ms, then 842 ms (shared caches and memory
 * bandwidth), where warming up would not help.
 */
export const COLD_POOL_FALL = 0.1;

/**
 * The measured pools (threads, processes) whose workers were still cold when their calls
 * counted. `coresPerCall`: the cores one call keeps busy by itself, when that is its own
 * doing (callCoresOf); K workers warming up side by side then share the cores, and each
 * call runs K × coresPerCall ÷ cores times slower than alone, warm or not. Four gzips at
 * once on libuv's pool kept 1.77 cores busy a call: two threads warming side by side took
 * 89 ms a call against 55 alone, both pools read "cold", the pool guard of
 * parallelInside had nothing warm to read, and the answer was threads ×2 at 1.37× where
 * bare pools gave 1.05×.
 */
export function coldPoolsOf(input: AnalysisInput, measured: Partial<Record<ExecutorKind, Pick<ExecutorSummary, 'runs'>>>, coresPerCall = 1): ExecutorKind[] {
  const warmCall = input.coldStart?.sequential?.steadyCallMs;
  if (!warmCall) return [];
  const cores = Math.max(1, Math.round(input.cores));
  return (['thread', 'process'] as const).filter((kind) => {
    const c = input.coldStart?.[kind];
    const runs = measured[kind]?.runs;
    if (!c || c.steady || c.steadyCallMs == null || !runs?.length) return false;
    const warmedInWindow = runs.every((r) => r.tasks >= WARM_IN_WINDOW_CALLS * r.concurrency);
    // Still warming: V8 still compiling, or calls still falling from the first.
    const falling = !!c.compiling || c.firstCallMs == null || c.firstCallMs > c.steadyCallMs * (1 + COLD_POOL_FALL);
    // A pool only grows, so its workers warmed up at its first K, at most the cores (breadth first).
    const warmedAtK = Math.min(cores, Math.max(...runs.map((r) => r.concurrency)));
    const sharing = Math.max(1, (warmedAtK * Math.min(cores, coresPerCall)) / cores);
    return !warmedInWindow && falling && c.steadyCallMs >= warmCall * COLD_POOL_RATIO * sharing;
  });
}

/**
 * The cores one sequential call keeps busy by its own doing: the sequential run's, where
 * the call hands its CPU to threads it drives (libuv's pool, a private thread pool, child
 * processes; handedOff) or runs in Python, which has no JIT; 1 otherwise. A JS call busy
 * on its own thread also keeps V8's compiler and GC helpers busy while its isolate is
 * cold (1.3-1.5 cores for a YAML parser's cold baseline), which is warming, not sharing.
 */
export function callCoresOf(python: boolean, seq: RunResult | undefined, callCpuRatio: number | null, machineCpuShare: number | null): number {
  if (!seq || !(seq.busyCores > 1)) return 1;
  const ownDoing = python || (callCpuRatio != null && machineCpuShare != null && handedOff(callCpuRatio, machineCpuShare));
  return ownDoing ? seq.busyCores : 1;
}

export function gatherEvidence(input: AnalysisInput): Evidence {
  const cores = Math.max(1, Math.round(input.cores));
  const python = input.language === 'python';
  const usable = input.runs.filter(
    (r) => LOCAL.has(r.executor) && r.tasks > 0 && r.throughputPerSec > 0 && r.errors.rate < UNUSABLE_ERROR_RATE,
  );
  const seq = usable.find((r) => r.executor === 'sequential');

  const callMs = seq ? 1000 / seq.throughputPerSec : input.probe.wallMs > 0 ? input.probe.wallMs : NaN;

  let callCpuRatio: number | null = null;
  if (seq?.cpuRatio != null) callCpuRatio = seq.cpuRatio;
  else if (input.probe.cpuMs != null && input.probe.wallMs > 0) callCpuRatio = input.probe.cpuMs / input.probe.wallMs;
  else {
    const first = usable.find((r) => r.cpuRatio != null && r.concurrency === 1);
    if (first) callCpuRatio = first.cpuRatio;
  }
  if (callCpuRatio != null) callCpuRatio = clamp(callCpuRatio, 0, 1);

  // Core-ms of machine CPU per task is the same at every K (more calls at once just
  // spend it faster), so the median over all runs is robust to a burst of background
  // load during one of them.
  let machineCpuShare: number | null = null;
  if (Number.isFinite(callMs) && callMs > 0 && usable.length > 0) {
    const perTask = usable.map((r) => (r.busyCores * 1000) / r.throughputPerSec / callMs);
    machineCpuShare = clamp(median(perTask), 0, cores);
  }

  const byKind: Partial<Record<ExecutorKind, ExecutorSummary>> = {};
  for (const kind of COST_ORDER) {
    let runs = usable.filter((r) => r.executor === kind);
    // A plain def has no event loop to share; an "async" run of it is a thread pool in disguise.
    if (python && !input.isAsync && kind === 'async') runs = [];
    if (runs.length) byKind[kind] = summarize(kind, runs);
  }

  // One call at a time that keeps more than a core busy runs threads of its own (BLAS,
  // a library's workers, GC helpers). busyCores·1000/throughput/callMs is the sequential
  // run's busyCores itself, since callMs = 1000/throughput there.
  // Three guards keep one noisy CPU sample from triggering it: the median over all runs
  // must agree; so must every other run, since threads of its own spend their core-ms on
  // every task at every K; and no pool may have scaled past what p cores per call allow
  // (speedup <= cores / p). The second guard is what tells a library's threads from a
  // cold isolate's: V8 compiles and grows a fresh heap on helper threads, so at 3 s a YAML
  // parser's cold baseline kept 1.3-1.5 cores busy while the async point right after it,
  // on the same worker and one call at a time, spent 1.06 core-ms per call-ms.
  // The pool guard reads warm pools only, and needs one when pools were measured: cold
  // pools read low for reasons of their own, and at 3 s a fast-xml-parser profile had
  // every point cold (a baseline of 3 calls keeping 1.36 cores busy, V8's helpers still
  // compiling and sizing the heap; the async point as cold right after it; both pools
  // still warming at 1.8x and 4x a warm call) and answered "already parallel inside:
  // keep it sequential" for a function that threads run 1.8x faster.
  const perTaskShare = (r: RunResult) => (r.busyCores * 1000) / r.throughputPerSec / callMs;
  const others = usable.filter((r) => r.executor !== 'sequential');
  const coldPools = coldPoolsOf(input, byKind, callCoresOf(python, seq, callCpuRatio, machineCpuShare));
  const poolRuns = usable.filter((r) => r.executor === 'thread' || r.executor === 'process');
  const warmPoolRuns = poolRuns.filter((r) => !coldPools.includes(r.executor));
  const poolBest = Math.max(0, ...warmPoolRuns.map((r) => r.speedup));
  const parallelInside =
    seq &&
    cores >= 2 &&
    callMs >= PARALLEL_INSIDE_MIN_CALL_MS &&
    seq.busyCores > PARALLEL_INSIDE_CORES &&
    (machineCpuShare ?? 0) > PARALLEL_INSIDE_MEDIAN &&
    others.every((r) => perTaskShare(r) > PARALLEL_INSIDE_MEDIAN) &&
    (poolRuns.length === 0 || (warmPoolRuns.length > 0 && cores / poolBest > PARALLEL_INSIDE_CORES))
      ? seq.busyCores
      : null;

  const concurrent = (['async', 'thread', 'process'] as ExecutorKind[]).map((k) => byKind[k]?.best.speedup ?? 0);
  const bestConcurrentSpeedup = Math.max(0, ...concurrent);

  // Only waiting can go faster than the core count; the interval's low end must clear it.
  // Waiting also leaves cores idle: a "speedup beyond the cores" measured while the cores
  // were full is a slow baseline (a burst of load, a cold CPU), not overlap, and must not
  // turn CPU handed to libuv into I/O.
  const scalesBeyondCores = (['async', 'thread'] as ExecutorKind[]).some((k) => {
    const best = byKind[k]?.best;
    return !!best && best.speedupCi[0] > Math.max(1.5, cores * 1.15) && best.busyCores < cores * SATURATED_AT;
  });
  const offloaded =
    callCpuRatio != null &&
    machineCpuShare != null &&
    handedOff(callCpuRatio, machineCpuShare) &&
    !scalesBeyondCores;

  const cpuShare = offloaded ? Math.min(1, machineCpuShare ?? 1) : callCpuRatio ?? Math.min(1, machineCpuShare ?? 0);

  const loopShare = loopShareOf(cpuShare, seq?.cpuMsPerTask, (byKind.async?.runs ?? []).map((r) => r.cpuMsPerTask));

  return {
    input,
    python,
    cores,
    seq,
    callMs,
    callCpuRatio,
    machineCpuShare,
    cpuShare,
    ...(loopShare !== undefined ? { loopShare } : {}),
    offloaded,
    parallelInside,
    byKind,
    bestConcurrentSpeedup,
    offloadPool: python
      ? pythonDefaultExecutorThreads(cores)
      : input.uvThreadpoolSize && input.uvThreadpoolSize > 0
        ? input.uvThreadpoolSize
        : DEFAULT_UV_THREADPOOL,
    coldPools,
  };
}

/**
 * The CPU share one event loop spends per call at its cheapest async point: `cpuShare`
 * (the baseline's) scaled by that point's CPU per call over the baseline's. Undefined
 * without both. The ladder session judges async's climb by the same figure.
 */
export function loopShareOf(cpuShare: number, baselineCpuMs: number | null | undefined, asyncCpuMs: (number | null | undefined)[]): number | undefined {
  if (baselineCpuMs == null || !(baselineCpuMs > 0)) return undefined;
  const seen = asyncCpuMs.filter((x): x is number => x != null && Number.isFinite(x) && x > 0);
  return seen.length ? (cpuShare * Math.min(...seen)) / baselineCpuMs : undefined;
}

/**
 * An executor's runs, its best and its knee (the smallest K within KNEE_TOLERANCE of the
 * best), by speedup, as fastestRun picks: each point's speedup divides by the machine's
 * speed while that point ran (localBaseline in src/engine/runResults.ts), and raw
 * throughputs measured seconds apart carry the machine's drift between them. Random
 * bytes on libuv's pool read processes ×2 at 1.7× and ×4 at 1.57×, but ×4's raw
 * throughput was 6% higher, in a faster spell, and the answer had been 4 processes.
 */
export function summarize(kind: ExecutorKind, runs: RunResult[]): ExecutorSummary {
  const sorted = [...runs].sort((a, b) => a.concurrency - b.concurrency);
  const best = fastestRun(sorted);
  const knee = sorted.find((r) => r.speedup >= best.speedup * (1 - KNEE_TOLERANCE)) ?? best;
  return { kind, runs: sorted, best, knee, maxConcurrency: sorted[sorted.length - 1].concurrency };
}

export function kindOf(cpuShare: number): WorkloadKind {
  if (cpuShare >= CPU_BOUND_AT) return 'cpu-bound';
  if (cpuShare <= IO_BOUND_AT) return 'io-bound';
  return 'mixed';
}

/** Waits that hold the thread (Atomics.wait, execSync, time.sleep in async def): async can't overlap them, threads can. */
export function isBlockingWait(ev: Evidence, kind: WorkloadKind): boolean {
  if (kind === 'cpu-bound' || ev.offloaded) return false;
  const a = ev.byKind.async;
  const pool = Math.max(ev.byKind.thread?.best.speedup ?? 0, ev.byKind.process?.best.speedup ?? 0);
  return !!a && a.best.speedup < 1.6 && !asyncOverloaded(ev) && pool >= 1.5 && pool >= a.best.speedup * 2;
}

/**
 * Async far below one call at a time, beyond its interval (ASYNC_OVERLOADED_AT), with all
 * its lanes started (lanesAllStarted): a call that blocks the loop runs the calls one
 * after another, about 1×, and its lanes after the window never start. So the loop did
 * overlap them, and what they wait on slowed down with that many at once (a server's
 * backlog, a connection limit). asyncio.open_connection to a server with a listen backlog
 * of 5 read async ×64 at 0.05× and ×32 at 0.47× [0.17×, 0.62×] (SYNs dropped and sent
 * again a second later), and the words had said the wait blocks the loop.
 */
export function asyncOverloaded(ev: Evidence): boolean {
  const a = ev.byKind.async?.best;
  return !!a && a.speedupCi[1] < ASYNC_OVERLOADED_AT && lanesAllStarted(a.tasks + (a.transientCalls ?? 0), a.concurrency);
}

/** See asyncOverloaded: a blocked loop's async reads about 1×, its interval well above this. */
export const ASYNC_OVERLOADED_AT = 0.7;

/** CPU work in the calling thread: more workers than cores only take turns, and async cannot help. */
export function cpuLimited(ev: Evidence, kind: WorkloadKind): boolean {
  return kind === 'cpu-bound' && !ev.offloaded;
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Optional numbers go into a finding's data only when they are finite. */
export function defined(data: Record<string, number | string | undefined | null>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  }
  return out;
}
