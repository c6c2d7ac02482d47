// Seeded synthetic measurements from a known physical model, in the spirit of
// clinic doctor's analysis tests: generate what the engine would measure for a
// workload whose truth we know, add seeded noise, and check the classifier recovers it.
//
// The model is a bottleneck model: each executor's throughput at K is the minimum of
// what each shared resource allows (slots, the one event loop, cores, libuv's pool,
// the GIL, the dispatching main thread). See docs/model.md.
import type { AnalysisInput } from '../../src/analysis/index';
import type { BackgroundLoad, ExecutorKind, Language, RunResult } from '../../src/shared/report';
import { isNoisy, ratioCi } from '../../src/analysis/stats';

export interface WorkloadModel {
  language?: Language;
  isAsync?: boolean;
  cores?: number;
  /** CPU in the calling thread, per call. */
  computeMs?: number;
  /** Non-blocking wait (timers, sockets, awaited I/O): overlaps on one event loop. */
  waitMs?: number;
  /** Blocking wait (Atomics.wait, execSync, time.sleep): no CPU, holds the thread. */
  blockMs?: number;
  /**
   * CPU run on other threads while the calling thread idles: libuv's pool (crypto.pbkdf2,
   * async zlib) in JS, asyncio's default executor (asyncio.to_thread) in Python, where
   * it takes turns under a held GIL.
   */
  offloadMs?: number;
  /** Threads that run offloaded work: UV_THREADPOOL_SIZE (default 4); Python's executor has min(32, cores + 4). */
  uvPool?: number;
  /** Python: whether compute holds the GIL. */
  gil?: 'held' | 'released' | 'free-threaded';
  /** Per-task cost of handing a call to each executor (main-thread time). */
  dispatchMs?: Partial<Record<ExecutorKind, number>>;
  /** Python processes: pickling args + result per task. */
  serializationMs?: number;
  serializationBytes?: number;
  errorRate?: number;
  /** Relative standard deviation of one batch's throughput; 0.05 = 5%. */
  noise: number;
  seed: number;
  background?: Partial<BackgroundLoad>;
  /** Measured window per point. */
  windowMs?: number;
  executors?: ExecutorKind[];
  /**
   * Cores one call keeps busy by itself (a multi-threaded library: BLAS, its own workers).
   * The call's wall time is unchanged; its machine CPU is computeMs × internalThreads.
   */
  internalThreads?: number;
  /** Explicit ladders (K values) per executor, as a budget or a cap would have cut them. */
  ladders?: Partial<Record<ExecutorKind, number[]>>;
  /** Multiplies measured throughput: per executor, or per (executor, K). A lucky or unlucky point. */
  bias?: Partial<Record<ExecutorKind, number | Record<number, number>>>;
  /** Passed through to AnalysisInput.stops. */
  stops?: AnalysisInput['stops'];
}

/** The engine's own seeded generator (stats.ts) drives the test noise too. */
import { mulberry32 } from '../../src/analysis/stats';
export { mulberry32 };

function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

const DEFAULT_DISPATCH: Record<ExecutorKind, number> = { sequential: 0, async: 0.002, thread: 0.05, process: 0.15, distributed: 1.5 };
/** Batches per point: a point's median error is ~1.25σ/√B (see stats.ts). */
const BATCHES = 10;

/** Noise-free throughput (tasks per ms) of the model at (executor, K). */
export function modelThroughput(m: WorkloadModel, executor: ExecutorKind, k: number): number {
  const cores = m.cores ?? 2;
  const c = m.computeMs ?? 0;
  const w = m.waitMs ?? 0;
  const b = m.blockMs ?? 0;
  const o = m.offloadMs ?? 0;
  const python = m.language === 'python';
  const uv = m.uvPool ?? (python ? Math.min(32, cores + 4) : 4);
  // Offloaded Python work under a held GIL runs one call at a time in one interpreter.
  const offloadTurns = python && (m.gil ?? 'held') === 'held' && o > 0;
  const call = c + w + b + o;
  // Machine CPU of one call: its compute runs on `internalThreads` cores at once.
  const cpuPerCall = c * (m.internalThreads ?? 1);
  const d = { ...DEFAULT_DISPATCH, ...m.dispatchMs }[executor];
  const ser = executor === 'process' ? (m.serializationMs ?? 0) : 0;
  const caps: number[] = [];
  switch (executor) {
    case 'sequential':
      return 1 / call;
    case 'async':
      caps.push(k / (call + d), 1 / (c + b + d));
      if (o > 0) caps.push(Math.min(uv, cores) / o);
      if (offloadTurns) caps.push(1 / o);
      break;
    case 'thread':
      caps.push(k / (call + d), 1 / d);
      if (o > 0) caps.push(Math.min(uv, cores) / o); // one process: its worker threads share libuv's pool
      if (python && (m.gil ?? 'held') === 'held' && c + o > 0) caps.push(1 / (c + o));
      break;
    case 'process':
      caps.push(k / (call + d + ser), 1 / (d + ser));
      if (o > 0) caps.push(Math.min(uv * k, cores) / o); // each child has its own pool
      break;
  }
  if (cpuPerCall + o + ser > 0) caps.push(cores / (cpuPerCall + o + ser));
  return Math.min(...caps);
}

/** Ladder as the orchestrator climbs it: double K while throughput still grows by 10%. */
function ladder(m: WorkloadModel, executor: ExecutorKind, cap: number): number[] {
  if (executor === 'sequential') return [1];
  const explicit = m.ladders?.[executor];
  if (explicit) return explicit;
  const ks = [1];
  while (ks[ks.length - 1] * 2 <= cap) {
    const prev = ks[ks.length - 1];
    ks.push(prev * 2);
    if (modelThroughput(m, executor, prev * 2) < modelThroughput(m, executor, prev) * 1.1) break;
  }
  return ks;
}

export function synthesize(m: WorkloadModel): AnalysisInput {
  const rand = mulberry32(m.seed);
  const gauss = gaussian(rand);
  const cores = m.cores ?? 2;
  const language = m.language ?? 'javascript';
  const isAsync = m.isAsync ?? false;
  const python = language === 'python';
  const c = m.computeMs ?? 0;
  const o = m.offloadMs ?? 0;
  const call = c + (m.waitMs ?? 0) + (m.blockMs ?? 0) + o;
  const windowMs = m.windowMs ?? 1000;
  const bg: BackgroundLoad = { busyCores: 0.05, utilization: 0.05 / cores, steal: 0, busy: false, ...m.background };
  const caps: Record<ExecutorKind, number> = { sequential: 1, async: 128, thread: 64, process: Math.max(2, cores * 2), distributed: Math.max(2, cores * 2) };
  const executors =
    m.executors ?? (python && !isAsync ? (['sequential', 'thread', 'process'] as ExecutorKind[]) : (['sequential', 'async', 'thread', 'process'] as ExecutorKind[]));

  const pointSd = (m.noise * 1.25) / Math.sqrt(BATCHES);
  const runs: RunResult[] = [];
  let seq: { value: number; ci: [number, number] } | undefined;
  for (const executor of executors) {
    for (const k of ladder({ ...m, language }, executor, caps[executor])) {
      const truth = modelThroughput({ ...m, language }, executor, k) * 1000;
      const b = m.bias?.[executor];
      const bias = typeof b === 'number' ? b : (b?.[k] ?? 1);
      const tp = truth * bias * Math.exp(pointSd * gauss());
      // The interval's width is itself estimated from the batches, so it wobbles too.
      const half = Math.max(0.004, 1.96 * pointSd * (0.8 + 0.4 * rand()));
      const ci: [number, number] = [tp * Math.exp(-half), tp * Math.exp(half)];
      if (executor === 'sequential') seq = { value: tp, ci };
      const base = seq ?? { value: truth, ci: [truth, truth] as [number, number] };
      const speedup = executor === 'sequential' ? 1 : tp / base.value;
      const speedupCi: [number, number] = executor === 'sequential' ? [1, 1] : ratioCi({ value: tp, ci }, base);
      const tasks = Math.max(1, Math.round((tp * windowMs) / 1000));
      const perCallWall = Math.max(call, (k * 1000) / tp - ({ ...DEFAULT_DISPATCH, ...m.dispatchMs }[executor] ?? 0));
      const cpuMs = Math.max(0, c * (1 + 0.2 * m.noise * gauss()));
      const ser = executor === 'process' ? (m.serializationMs ?? 0) : 0;
      const machineCoreMsPerTask = c * (m.internalThreads ?? 1) + o + ser;
      // Busy cores are a time average over the whole window (every core sampled every 50 ms),
      // so they wobble less than one batch's throughput: half the noise, in cores.
      const busyCores = Math.max(0, Math.min(cores, (tp / 1000) * machineCoreMsPerTask) + 0.5 * m.noise * gauss());
      const errors = Math.round(tasks * (m.errorRate ?? 0));
      const run: RunResult = {
        executor,
        concurrency: k,
        tasks,
        wallMs: windowMs,
        throughputPerSec: tp,
        speedup,
        speedupCi,
        noisy: isNoisy(tp, ci),
        cpuMsPerTask: cpuMs,
        cpuRatio: Math.min(1, cpuMs / perCallWall),
        cpuSource: python ? 'time.thread_time_ns' : 'process.threadCpuUsage',
        coreUtilization: Math.min(1, (bg.busyCores + busyCores) / cores),
        busyCores,
        errors: {
          count: errors,
          rate: errors / tasks,
          samples: errors ? [{ kind: 'TypeError', message: 'Cannot read properties of undefined', count: errors }] : [],
        },
      };
      if (executor === 'async' && !python) run.eventLoopUtilization = Math.min(1, (tp / 1000) * (c + (m.blockMs ?? 0)));
      if (executor === 'process' && python && m.serializationMs != null) {
        run.serialization = { msPerTask: m.serializationMs, bytesPerTask: m.serializationBytes ?? 1024 };
      }
      runs.push(run);
    }
  }
  const input: AnalysisInput = {
    language,
    isAsync,
    cores,
    runs,
    probe: { wallMs: call * (1 + 0.1 * m.noise * gauss()), cpuMs: c },
    background: bg,
    uvThreadpoolSize: m.uvPool ?? 4,
  };
  if (m.stops) input.stops = m.stops;
  if (python) input.python = { gilEnabled: m.gil !== 'free-threaded' };
  return input;
}

/**
 * Replaces one point's reading in a synthetic input: its speedup and interval, its
 * throughput at `raw` times the sequential one (the speedup, unless the point ran in
 * another spell of the machine), and any other fields (CPU per call, its share).
 */
export function setReading(input: AnalysisInput, executor: RunResult['executor'], k: number, speedup: number, ci: [number, number], extra: Partial<RunResult> & { raw?: number } = {}): void {
  const seqTp = input.runs.find((r) => r.executor === 'sequential')!.throughputPerSec;
  const { raw, ...fields } = extra;
  const run = input.runs.find((r) => r.executor === executor && r.concurrency === k)!;
  Object.assign(run, { speedup, speedupCi: ci, throughputPerSec: seqTp * (raw ?? speedup), ...fields });
}
