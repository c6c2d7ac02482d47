// The report contract. The CLI's --json output, the saved history, the webview and
// other tools all read these names, so change them only with a schemaVersion bump.

export const SCHEMA_VERSION = 1;

export type Language = 'javascript' | 'typescript' | 'python';
export type ExecutorKind = 'sequential' | 'async' | 'thread' | 'process';
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
  /** Python process pools: what pickling args and results cost per task. */
  serialization?: { msPerTask: number; bytesPerTask: number };
  /** Labels a run whose executor is a stand-in, e.g. "asyncio.to_thread". */
  note?: string;
  errors: RunErrors;
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

export interface Verdict {
  kind: WorkloadKind;
  /** 0..1 */
  confidence: number;
  cpuRatio: number;
  /** Plain-language reasons that cite the measured numbers. */
  reasons: string[];
  /** Python only. */
  gil?: GilVerdict;
  /** Calls shorter than the cost of handing a task to a pool. */
  tinyTasks?: boolean;
  /** CPU work that ran outside the calling thread (libuv pool, native threads). */
  offloadedCpu?: boolean;
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
}

export interface Caveat {
  level: 'info' | 'warning';
  message: string;
}

export interface Target {
  file: string;
  function: string;
  language: Language;
  args: unknown[];
  /** True for `async function` / `async def`. */
  isAsync?: boolean;
}

export interface Report {
  schemaVersion: number;
  id: string;
  createdAt: string;
  durationMs: number;
  budgetMs: number;
  target: Target;
  environment: Environment;
  /** A single call measured before the ladder started. */
  probe: { wallMs: number; cpuMs: number | null; cpuSource: CpuSource };
  runs: RunResult[];
  timeline: Timeline;
  verdict: Verdict;
  recommendation: Recommendation;
  caveats: Caveat[];
  /** Captured user output, truncated. */
  output?: { stdout: string; stderr: string; truncated: boolean };
  /** Queue mode only. */
  queue?: QueueReport;
}
