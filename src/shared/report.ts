// The report contract. The CLI's --json output, the saved history, the webview and
// other tools all read these names, so change them only with a schemaVersion bump.

import type { DistributedRunStats } from './distributed/distributedTypes';

export const SCHEMA_VERSION = 2;
/** Oldest version the readers still open. A v1 report has the text but no findings; see src/shared/wording.ts. */
export const OLDEST_READABLE_SCHEMA_VERSION = 1;

export type Language = 'javascript' | 'typescript' | 'python';
export type ExecutorKind = 'sequential' | 'async' | 'thread' | 'process' | 'distributed';
export type WorkloadKind = 'cpu-bound' | 'io-bound' | 'mixed';
/** Where per-task CPU time came from; recorded because the sources differ in precision. */
export type CpuSource =
  | 'process.threadCpuUsage'
  | 'thread-schedstat'
  | 'event-loop-utilization'
  | 'process.cpuUsage'
  | 'time.thread_time_ns'
  | 'time.process_time_ns'
  | 'unavailable';

export interface ErrorSample {
  /** e.g. "TypeError", "ValueError", "timeout", "exit", "out-of-memory", "crash" */
  kind: string;
  message: string;
  /** The user's stack, mapped to their own source lines where we could. */
  stack?: string;
  count: number;
}

export interface RunErrors {
  count: number;
  /** Fraction of attempted tasks that failed, 0..1. */
  rate: number;
  samples: ErrorSample[];
}

export interface RunResult {
  executor: ExecutorKind;
  concurrency: number;
  /** Tasks completed (ok or failed) inside the measured window. */
  tasks: number;
  wallMs: number;
  throughputPerSec: number;
  /** throughput / sequential throughput (1 for the sequential run itself). */
  speedup: number;
  /** 95% interval of the speedup, [low, high]. */
  speedupCi: [number, number];
  /** True when the interval is wide relative to the median (see stats.ts). */
  noisy: boolean;
  cpuMsPerTask: number | null;
  /** CPU time / wall time of a call, in the thread that ran it. */
  cpuRatio: number | null;
  cpuSource: CpuSource;
  /** Mean machine-wide busy fraction over all cores during this run, 0..1. */
  coreUtilization: number;
  /** Busy cores above the pre-run background load: the CPU this run really used. */
  busyCores: number;
  /** Event-loop utilisation of the worker thread (async runs of JS). */
  eventLoopUtilization?: number;
  /**
   * Pools that send results back (JS threads and processes, Python processes): what
   * copying each task's arguments and result across the boundary cost, per task.
   */
  serialization?: { msPerTask: number; bytesPerTask: number };
  /** Labels a run whose executor is a stand-in, e.g. "asyncio.to_thread". */
  note?: string;
  /** Distributed executor only: workers, queue wait, result latency, bytes per task. */
  distributed?: DistributedRunStats;
  errors: RunErrors;
  /**
   * Calls at the start of the window that were still settling (slower while a fresh
   * worker's JIT or heap caught up, found by MSER) and were left out of the throughput.
   */
  transientCalls?: number;
  /** Queue mode: share of the crawl each worker spent waiting on an empty queue, 0..1, one entry per worker. */
  idleShare?: number[];
  /** Queue mode: false when the run stopped (budget) before its queue drained; wallMs is then not the drain time. */
  drained?: boolean;
}

/** Queue mode: queue depth (items waiting) over one run, sampled every intervalMs from the run's start. */
export interface QueueDepthTimeline {
  executor: ExecutorKind;
  concurrency: number;
  intervalMs: number;
  depth: number[];
}

/** Queue mode (a function that returns the new items it found): facts of the crawl. */
export interface QueueReport {
  seeds: unknown[];
  dedupe: boolean;
  maxItems: number;
  /** Items processed by the fullest crawl (every drained crawl processes the same set). */
  itemsProcessed: number;
  duplicatesDropped: number;
  /** Items that still failed after their one retry. */
  failedItems: number;
  /** Longest chain of items, seed = 1: those calls can only run one after another. */
  treeDepth: number;
  /** Wall time of the slowest chain of calls, ms: no pool drains the crawl faster. */
  criticalPathMs: number;
  /** Total call time / critical path: the speedup the item tree allows at best. */
  maxSpeedup: number;
  /** --max-items stopped an endless frontier. */
  capped: boolean;
  depthTimeline: QueueDepthTimeline[];
}

export interface TimelineMark {
  executor: ExecutorKind;
  concurrency: number;
  startMs: number;
  endMs: number;
}

export interface Timeline {
  intervalMs: number;
  /** cores[c][i]: busy fraction 0..1 of core c in sample i. Sample i covers [i*intervalMs, (i+1)*intervalMs) from the profile start. */
  cores: number[][];
  marks: TimelineMark[];
}

export interface BackgroundLoad {
  /** Busy cores measured before the run started, when nothing of ours ran. */
  busyCores: number;
  /** Fraction of all cores busy, 0..1. */
  utilization: number;
  /** Steal time fraction (virtual machines), 0..1, when the OS reports it. */
  steal: number;
  busy: boolean;
}

export interface Environment {
  cores: number;
  platform: string;
  arch: string;
  node: string;
  cpuModel: string;
  totalMemoryMb: number;
  backgroundLoad: BackgroundLoad;
  /** Python reports only. */
  python?: { executable: string; version: string; gilEnabled: boolean; startMethod: string };
  uvThreadpoolSize?: number;
}

export type GilVerdict = 'held' | 'released' | 'free-threaded' | 'not-applicable';

/** What a finding's numbers and names are: plain values, so a finding survives JSON unchanged. */
export type FindingData = Record<string, number | string>;

/**
 * One fact the analysis found, as a code and the numbers behind it. The words live in
 * src/shared/wording.ts; consumers that need to act on a finding read its code.
 * The codes are listed in docs/model.md ("Findings").
 */
export interface Finding {
  code: string;
  /** 'warning' marks a doubt: the measurement disagrees with itself. */
  level: 'info' | 'warning';
  data: FindingData;
}

export interface Verdict {
  kind: WorkloadKind;
  /** 0..1 */
  confidence: number;
  cpuRatio: number;
  /** Plain-language reasons that cite the measured numbers (rendered from `findings`). */
  reasons: string[];
  /** Schema v2: the reasons as codes and numbers, in the same order as `reasons`. */
  findings?: Finding[];
  /** Python only. */
  gil?: GilVerdict;
  /** Calls shorter than the cost of handing a task to a pool. */
  tinyTasks?: boolean;
  /** CPU work that ran outside the calling thread (libuv pool, native threads). */
  offloadedCpu?: boolean;
  /** The sequential run alone kept more than ~1.3 cores busy: the work is already parallel inside. */
  parallelInside?: boolean;
}

export interface Recommendation {
  executor: ExecutorKind;
  workers: number;
  expectedSpeedup: number;
  /** cores × (1 + wait/compute), from the measured CPU ratio. */
  formulaWorkers: number;
  reason: string;
  /** Suggested calls per task when dispatch cost dominates. */
  batchSize?: number;
  /** Schema v2: the reason as a code and its numbers (`reason` is rendered from them). */
  code?: string;
  data?: FindingData;
  /**
   * The recommended point is the top of a ladder that was cut (budget or cap) while
   * throughput still grew: `workers` is a floor, not the optimum.
   */
  atLeast?: boolean;
  /** With atLeast: where the growth should stop, and what that estimate comes from. */
  extrapolatedWorkers?: number;
  extrapolationSource?: 'formula' | 'usl-peak' | 'uv-pool';
}

export interface Caveat {
  level: 'info' | 'warning';
  message: string;
  /** Schema v2: the caveat as a code and its numbers (`message` is rendered from them). */
  code?: string;
  data?: FindingData;
}

/** A model estimate of the speedup on a machine with `cores` cores. */
export interface ScalingProjection {
  cores: number;
  /** Concurrency the projection assumes (min of the cores, the formula and the USL peak). */
  concurrency: number;
  speedup: number;
}

/**
 * One executor's ladder fitted to the Universal Scalability Law,
 * X(N) = λN / (1 + σ(N−1) + κN(N−1)). See docs/model.md ("Scalability model").
 */
export interface ScalingFit {
  executor: ExecutorKind;
  /** Contention: the serial share (Amdahl's σ). */
  sigma: number;
  /** Coherency: the cost each pair of workers adds; 0 in an Amdahl fit. */
  kappa: number;
  /** λ, throughput per second of one worker, as fitted. */
  lambda: number;
  /** N where X(N) peaks, √((1−σ)/κ); null when the fit never turns down (κ = 0). */
  peakConcurrency: number | null;
  /** Smallest N within 5% of the fitted maximum (or asymptote); absent when the fit is still linear. */
  kneeConcurrency?: number;
  /** False when too few points were usable, the pool was measured cold, or a point was too noisy; then sigma = kappa = 0 and there are no projections. */
  fitted: boolean;
  /** Not fitted because the pool's workers were measured before they warmed up (a cold-pool caveat). */
  cold?: boolean;
  /** Not fitted because a point's 95% interval was too wide to fit (half-width over 30% of its speedup: a window of one or two calls). */
  tooNoisy?: boolean;
  /** 'usl': σ and κ fitted; 'amdahl': only two points, κ fixed at 0; 'none': not fitted. */
  model: 'usl' | 'amdahl' | 'none';
  /** Concurrencies of the points the fit used (CPU-bound pools: K ≤ cores only). */
  points: number[];
  /** Relative RMS error of the fit over those points. */
  rmsError: number;
  /** Noisy points whose fitted value lies inside their own interval: the smoothed speedup. */
  smoothed?: { concurrency: number; measured: number; fitted: number }[];
  /** Model estimates on bigger machines (8, 16, 64 cores); empty when cores do not limit this executor. */
  projections: ScalingProjection[];
}

export interface Target {
  file: string;
  function: string;
  language: Language;
  args: unknown[];
  /** True for `async function` / `async def`. */
  isAsync?: boolean;
}

/** What a fresh worker costs before its calls run at full speed (JIT, caches, imports). */
export interface ColdStart {
  /** Wall time of a worker's first call. */
  firstCallMs: number | null;
  /** Median of the last steady warm-up calls: what a warm worker takes. */
  steadyCallMs: number | null;
  /** Starting one worker (thread, child process, interpreter) and loading the module. */
  workerStartMs: number | null;
  /** Warm-up calls made per worker before its calls counted. */
  warmupCalls: number;
  /** Wall time a worker spent in those calls (median over workers): how long a fresh one takes to reach full speed. */
  warmupMs?: number | null;
  /** The cap on that time this executor's workers ran under (pools may get more than WarmupPolicy.maxMs: budgetPlan.ts). */
  warmupCapMs?: number;
  /** False when the cap ended the warm-up before call times settled. */
  steady: boolean;
  /** JS: the longer cap that held while V8 was still compiling the function (WarmupPolicy.compilingMaxMs). */
  compilingCapMs?: number;
  /** JS: some worker's V8 was still compiling the function's code when the cap ended its warm-up. */
  compiling?: boolean;
  /**
   * Warm-up was one call, for one-time setup: the call mostly waits (nothing for a JIT or
   * a heap to warm) and is too slow for enough calls to show it steady within the cap.
   */
  setupOnly?: boolean;
}

/** The warm-up rule every worker followed before its calls counted. */
export interface WarmupPolicy {
  /** Steady means this many calls in a row within `tolerance` of each other. */
  steadyCalls: number;
  tolerance: number;
  /** Caps per worker: calls, and wall time. */
  maxCalls: number;
  maxMs: number;
  /**
   * A function whose first calls were not steady (a JIT tiering up, heaps growing) makes
   * at least this many, within the caps: after a steady-looking dozen calls, a markdown
   * renderer's pool still ran its first window 20-30% slow.
   */
  unsteadyMinCalls?: number;
  /**
   * Pools only: steady also means at most this long a call (1.25× the sequential
   * worker's steady call), so a plateau in a lower JIT tier is not taken for the end.
   */
  steadyBelowMs?: number;
  /**
   * The time cap counts from the end of a worker's first call: that call is known to build
   * one-time state (engine/profile.ts probeSetupOf; a new Python pool thread's top-up),
   * however long it takes, and the cap is for settling after it.
   */
  capAfterFirstCall?: boolean;
  /**
   * JS: while V8 is still compiling the function's code (warmup.ts stillCompiling), warm-up
   * may run on past maxMs to this cap: calls measured during a compile storm run 2-3x slow.
   */
  compilingMaxMs?: number;
}

/**
 * Python: how much of the time a call left the GIL free, measured directly
 * (python/harness_gil_probe.py): a pure-Python spinner thread's rate while the function runs,
 * as a share of its rate alone. About 1: released; about 0.5: bytecode taking turns;
 * near 0: held inside one long C call.
 */
export interface GilProbe {
  freeShare: number;
  calls: number;
  windowMs: number;
  /** How much the spinner's rate alone moved between before and after (machine noise). */
  drift: number;
}

export interface Report {
  schemaVersion: number;
  id: string;
  createdAt: string;
  durationMs: number;
  budgetMs: number;
  target: Target;
  environment: Environment;
  /** A single call measured before the ladder started; for Python, the GIL probe beside it. */
  probe: { wallMs: number; cpuMs: number | null; cpuSource: CpuSource; gil?: GilProbe };
  runs: RunResult[];
  timeline: Timeline;
  verdict: Verdict;
  recommendation: Recommendation;
  caveats: Caveat[];
  /** Schema v2: the ladders' fits to the Universal Scalability Law. */
  scaling?: ScalingFit[];
  /** Captured user output, truncated. */
  output?: { stdout: string; stderr: string; truncated: boolean };
  /** Per executor: the first call of a fresh worker against a warm one, and worker start-up. */
  coldStart?: Partial<Record<ExecutorKind, ColdStart>>;
  warmup?: WarmupPolicy;
  /** Whether pools sent each call's result back to the caller, as a real pool must. */
  resultsReturned?: boolean;
  /** Top self-time functions from a separate, uncounted profiling pass (see docs/hotspots.md). */
  hotspots?: Hotspot[];
  /** How the hot spots were taken, or why there are none; says whether await waits are measured. */
  hotspotsNote?: string;
  /** Lines where the profiled calls waited (wall time without CPU); Python only. */
  hotspotWaits?: HotspotWait[];
  /** Queue mode only. */
  queue?: QueueReport;
}

export interface Hotspot {
  function: string;
  /** Absolute path of the source file (mapped through source maps for JS/TS bundles). */
  file: string;
  /** 1-based line where the function is defined. */
  line: number;
  /** 0..1 share of the pass's busy time spent in this function itself, built-ins it called included (Python: CPU time; JS: time the thread was not idle, so synchronous waits count). */
  selfShare: number;
  /** 1-based line inside the function with the most samples, when known. */
  hotLine?: number;
  /** 'dependency': a node_modules / site-packages frame, kept but labelled. */
  origin: 'user' | 'dependency';
}

export interface HotspotWait {
  function: string;
  file: string;
  /** 1-based line of the await (or blocking call) where the time passed. */
  line: number;
  /** 0..1 share of the pass's wall time spent waiting at this line. */
  waitShare: number;
}
