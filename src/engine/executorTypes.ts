// What every executor (JS or Python) hands back to the profile orchestrator. The
// orchestrator owns the budget, the ladder and the statistics; an executor only runs
// one closed-loop measurement ("point") at a time and reports raw per-task samples.
import type { DistributedRunStats } from '../shared/distributed/distributedTypes';
import type { CrawlRequest, CrawlResult } from '../shared/queue/queueTypes';
import type { ColdStart, CpuSource, ErrorSample, ExecutorKind, GilProbe, Hotspot, HotspotWait, Language, WarmupPolicy } from '../shared/report';

/** Serializable description of what to call. Built once per profile. */
export interface LoadedTarget {
  language: Language;
  file: string;
  functionName: string;
  /** Raw JSON args; "$i" placeholders are substituted per task by the runtime. */
  args: unknown[];
  isAsync: boolean;
  /** JS: path of the esbuild bundle (ESM, inline source map) in a private temp dir. */
  bundlePath?: string;
  /** Directory removed when the profile ends (0700). */
  tempDir?: string;
  /** Python: interpreter to run the harness with. */
  python?: string;
  /** Workspace root: Python puts it on sys.path; JS resolves bare imports from the file. */
  workspaceRoot?: string;
}

export interface ExecutorLimits {
  /** Pools send each call's result back to the caller (structured clone / IPC / pickle). */
  returnResults?: boolean;
  /** A call running longer than this is killed (its worker/child is ended). */
  callTimeoutMs: number;
  /** Memory cap per worker thread / child process / Python process, in MB. */
  memoryLimitMb: number;
  /** Bytes of user stdout/stderr kept; the rest is counted and dropped. */
  maxOutputBytes: number;
}

export interface PointRequest {
  concurrency: number;
  /** Stop launching new tasks after this long (ms) from the point's start. */
  durationMs: number;
  /**
   * Epoch ms: when the point's new workers warm up sooner than the budget planned, its
   * window stays open until then (never shorter than durationMs) while it has fewer than
   * FULL_WINDOW_CALLS counted calls, so the time set aside for warming goes to this
   * point's own window when it is short of calls, and to later points when it is not.
   */
  windowUntilMs?: number;
  /** Launch at least this many tasks even if durationMs has passed (slow calls). */
  minTasks: number;
  /** Tasks whose *start* falls inside the first warmupMs are run but not counted. */
  warmupMs: number;
  /** Task index of the first task, so "$i" keeps counting across points. */
  taskIndexStart: number;
  /** Stop as soon as this many tasks have failed (e.g. a function that always throws). */
  maxErrors: number;
  signal: AbortSignal;
  /**
   * Workers this point starts (a new loop worker, a pool that grows) make warm-up calls
   * by this rule before the window opens; workers kept from earlier points are warm.
   */
  warmup?: WarmupPolicy;
}

/** A point of exactly one call (a probe, or a check that an executor still works). */
export const ONE_CALL: Omit<PointRequest, 'signal'> = { concurrency: 1, durationMs: 0, minTasks: 1, warmupMs: 0, taskIndexStart: 0, maxErrors: 1 };

/**
 * Raw samples of one point. Times are absolute epoch milliseconds with sub-ms
 * precision (performance.timeOrigin + performance.now() in Node, time.time_ns() in
 * Python) so that samples from threads, children and Python line up with the
 * orchestrator's core-utilisation timeline.
 */
export interface PointSamples {
  executor: ExecutorKind;
  concurrency: number;
  /** When the measured window began (after pool start-up) and when the last task ended. */
  startMs: number;
  endMs: number;
  /** One entry per counted task (warm-up tasks excluded), in completion order. */
  taskStartMs: number[];
  taskEndMs: number[];
  /** CPU ms of each counted task in the thread that ran it; NaN where unknown. */
  taskCpuMs: number[];
  /** Per-task success flags. */
  taskOk: boolean[];
  /**
   * Optional: ms each counted task was runnable but waiting for a CPU (Linux schedstat),
   * NaN where unknown. Other processes' load shows up here, not as "waiting" time.
   */
  taskRunQueueMs?: number[];
  cpuSource: CpuSource;
  errors: ErrorSample[];
  /** Tasks launched but cut short by abort (not counted). */
  abandoned: number;
  eventLoopUtilization?: number;
  serialization?: { msPerTask: number; bytesPerTask: number };
  note?: string;
  /** Distributed executor only. */
  distributed?: DistributedRunStats;
  output?: { stdout: string; stderr: string; truncated: boolean };
  /** Set when this point started and warmed new workers: what that cost. */
  coldStart?: ColdStart;
  /** Counted calls set aside afterwards as still settling (runResults.settleWindow). */
  transientCalls?: number;
}

export interface Executor {
  readonly kind: ExecutorKind;
  /** Highest concurrency this executor may be asked for. */
  readonly maxConcurrency: number;
  /** Runs on another executor's worker (JS async on the sequential thread): no start-up or warm-up of its own. */
  readonly sharesWorkerOf?: ExecutorKind;
  /**
   * A larger K only adds threads to a host that is started and loaded already (Python's
   * ThreadPoolExecutor in its harness): new workers cost their own warm-up (each new
   * thread warms up on itself) but no start-up, and the budget must not plan one for them.
   */
  readonly growsWarm?: boolean;
  runPoint(req: PointRequest): Promise<PointSamples>;
  /**
   * Optional: start what the first point needs (an interpreter, an import) now, so the
   * orchestrator can start several executors at once instead of one per point.
   */
  prepare?(signal: AbortSignal): Promise<void>;
  /** Queue mode on this executor (the distributed one: its workers put found items back on the queue). */
  crawl?(req: CrawlRequest): Promise<CrawlResult>;
  /** Ends every worker thread / child process it started. Idempotent. */
  dispose(): Promise<void>;
}

export interface ProbeResult {
  wallMs: number;
  cpuMs: number | null;
  cpuSource: CpuSource;
  /** Stack-mapped failure of the first call, if it threw. */
  error?: ErrorSample;
  output?: { stdout: string; stderr: string; truncated: boolean };
}

/** A language runtime: probes the function and creates its executors. */
export interface TargetRuntime {
  readonly target: LoadedTarget;
  /** Calls the function once off the caller's thread. Never throws for user errors: fills `error`. */
  probe(signal: AbortSignal): Promise<ProbeResult>;
  /** Executor kinds this runtime offers for the target, in ladder order. */
  executorKinds(): ExecutorKind[];
  /** Executor kinds measured only when the user names them (the distributed one needs Redis). */
  optionalExecutorKinds?(): ExecutorKind[];
  createExecutor(kind: ExecutorKind): Executor;
  /** Python: interpreter facts for the report. */
  environment?(): Promise<Record<string, unknown>>;
  /**
   * Python: the GIL probe (python/harness_gil_probe.py), a spinner thread beside calls for about
   * `windowMs`, on the probe's warm interpreter. Undefined when it could not run.
   */
  gilProbe?(windowMs: number, signal: AbortSignal): Promise<GilProbe | undefined>;
  /**
   * A short, uncounted pass with a CPU profiler on (src/engine/hotspots/hotspots.ts),
   * after the ladder: Python on the sequential executor's harness while it lives, JS on
   * a fresh worker thread (V8 profiles code compiled before it started without inlined
   * frames), else in a fresh process.
   */
  hotspots?(req: HotspotRequest, signal: AbortSignal): Promise<HotspotResult>;
  /**
   * What the pass costs beyond its window and calls: starting, loading and warming up a
   * fresh worker for it, at most `warmupCapMs` of warm-up (0 on a warm one).
   */
  hotspotsSetupMs?(warmupCapMs: number): number;
  /** Removes temp files and ends anything still running. Idempotent. */
  dispose(): Promise<void>;
}

export interface HotspotRequest {
  /** Keep calling for this long (ms) with the profiler on; at least one call is made. */
  durationMs: number;
  /** Never more calls than this (a function with side effects should not run thousands of extra times). */
  maxCalls: number;
  /** Task index of the first call, for "$i" substitution. */
  taskIndexStart: number;
  /**
   * A pass on a fresh worker warms it up by this rule first, unprofiled in the counts, so
   * the hot spots are a steady call's and not the JIT's first tiers or one-time setup.
   * A pass on a warm worker (Python's harness) has nothing to warm.
   */
  warmup?: WarmupPolicy;
}

export interface HotspotResult {
  hotspots: Hotspot[];
  waits?: HotspotWait[];
  note: string;
  /** Calls made by the pass (so the ladder's "$i" indices continue after them). */
  calls: number;
  /** Wall time of those calls, profiler on: calls / wallMs is the profiled throughput (bench/sections/hotspots.mjs). */
  wallMs: number;
  /** CPU time of the calling thread over those calls, when a thread CPU clock exists. */
  cpuMs?: number;
}
