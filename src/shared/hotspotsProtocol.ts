// Messages between the engine's hot-spot pass (src/engine/hotspots/hotspotsJs.ts) and its
// worker thread (src/hosted/jsHotspotWorker.ts). Here, in shared, so the hosted side does
// not reach into the engine for its types. Plain structured-cloneable data only.
import type { ErrorInfo } from './errorInfo';
import type { WarmupPolicy } from './report';
import type { WarmupResult } from './warmup';

/** The subset of the DevTools protocol's Profiler.Profile we read. */
export interface V8CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
    positionTicks?: { line: number; ticks: number }[];
  }[];
  samples?: number[];
  /** Microseconds from the previous sample (the first: from startTime), one per sample. */
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** Engine → worker, in workerData beside the target's HostInit. */
export interface HotspotWorkerInit {
  durationMs: number;
  maxCalls: number;
  taskIndexStart: number;
  samplingIntervalUs: number;
  /** Warm the fresh thread up by this rule before the profiled calls (HotspotRequest.warmup). */
  warmup?: WarmupPolicy;
}

/** Worker → engine: the one message that ends the pass. */
export type HotspotWorkerMessage =
  | { type: 'failed'; error: ErrorInfo }
  | { type: 'profile'; profile: V8CpuProfile; calls: number; failures: number; wallMs: number; cpuMs?: number; runQueueMs?: number; firstError?: ErrorInfo; warmup?: WarmupResult };
