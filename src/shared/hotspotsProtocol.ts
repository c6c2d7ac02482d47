// Messages between the engine's hot-spot pass (src/engine/hotspots/hotspotsJs.ts) and its
// worker thread (src/hosted/jsHotspotWorker.ts). Here, in shared, so the hosted side does
// not reach into the engine for its types. Plain structured-cloneable data only.
import type { ErrorInfo } from './errorInfo';

/** The subset of the DevTools protocol's Profiler.Profile we read. */
export interface V8CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
    positionTicks?: { line: number; ticks: number }[];
  }[];
  samples?: number[];
  startTime: number;
  endTime: number;
}

/**
 * What one pass does. In workerData beside the target's HostInit for a fresh pass
 * thread; in a `hotspots` request (jsProtocol) for the warm sequential thread.
 */
export interface HotspotWorkerInit {
  durationMs: number;
  maxCalls: number;
  taskIndexStart: number;
  samplingIntervalUs: number;
}

/** What a pass hands back: V8's raw profile and the calls it covers. */
export interface HotspotPassResult {
  profile: V8CpuProfile;
  calls: number;
  failures: number;
  wallMs: number;
  cpuMs?: number;
  runQueueMs?: number;
  firstError?: ErrorInfo;
}

/** Fresh pass thread → engine: the one message that ends the pass. */
export type HotspotWorkerMessage = { type: 'failed'; error: ErrorInfo } | ({ type: 'profile' } & HotspotPassResult);
