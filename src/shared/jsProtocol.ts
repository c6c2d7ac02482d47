// Messages between the engine and the JS runtimes (dist/hosted/*.js). Plain
// structured-cloneable / JSON data only.
import type { CpuSource, ErrorSample, WarmupPolicy } from './report';
import type { LoopPlan, LoopProgress, TaskOutcome } from './closedLoop';
import type { ErrorInfo } from './errorInfo';
import type { CapturedOutput } from './outputCapture';
import type { WarmupResult } from './warmup';

/** The names the engine's bundle exports the target under (src/engine/js/buildTarget.ts), read by every host. */
export const TARGET_EXPORT = '__workloadTarget';
/** Set instead of TARGET_EXPORT for a member: the object that holds it ("api", "Parser", module.exports). */
export const TARGET_OWNER = '__workloadOwner';

/** How a call past its timeout is reported, in every runtime. */
export function timeoutMessage(ms: number): string {
  const s = ms / 1000;
  return `timed out after ${Number(s.toFixed(s < 1 ? 2 : 1))} s`;
}

/** What every JS host (worker thread, child) needs to load and call the target. */
export interface HostInit {
  bundlePath: string;
  functionName: string;
  args: unknown[];
  callTimeoutMs: number;
  maxOutputBytes: number;
  /** Pools send each call's result back to the engine, as the user's own pool must. */
  returnResults?: boolean;
}

/** Engine → loop worker (sequential / async / probe). */
export type LoopWorkerRequest =
  | { type: 'probe'; index: number }
  | { type: 'warm'; policy: WarmupPolicy }
  | { type: 'run'; plan: LoopPlan; /** Int32Array: 0 when a lane is idle, else 1 + ms since plan.originMs its call started. */ lanes: SharedArrayBuffer };

/** Loop worker → engine. Samples are columns to keep messages small. */
export type LoopWorkerMessage =
  | { type: 'ready'; cpuSource: CpuSource }
  | { type: 'loadError'; error: ErrorInfo }
  | { type: 'probe'; outcome: TaskOutcome; cpuSource: CpuSource; output?: CapturedOutput }
  | { type: 'warmed'; warmup: WarmupResult; output?: CapturedOutput }
  | ({ type: 'batch' } & SampleBatch)
  | { type: 'done'; progress: LoopProgress; eventLoopUtilization: number };

export interface SampleBatch {
  startMs: number[];
  endMs: number[];
  cpuMs: number[];
  /** Run-queue wait per task (schedstat), split like cpuMs; absent where unknown. */
  runQueueMs?: number[];
  ok: boolean[];
  counted: boolean[];
  errors: ErrorSample[];
  output?: CapturedOutput;
  progress: LoopProgress;
  /** Sent from the worker's exit handler: progress is exact, nothing is missing. */
  atExit?: boolean;
}

/** What a pool worker thread starts with: the host's init and the lanes' board (laneBoard.ts). */
export interface PoolHostInit extends HostInit {
  laneBoard: SharedArrayBuffer;
}

/** Engine → pool worker (piscina task): a call is one number (laneBoard.ts callTask). */
export type PoolTask = number | { type: 'warm'; barrier: SharedArrayBuffer; parties: number; policy?: WarmupPolicy };

/**
 * Pool worker → engine for one call: the call's value itself (undefined when results
 * are discarded), cloned back by postMessage as in any piscina pool; its timings are on
 * the lane board. Only when the board says the call has extra (it failed, printed
 * something, or was sampled for its result's clone cost) is the reply this pair.
 */
export type PoolCallWithExtra = [result: unknown, extra: PoolCallExtra];
export interface PoolCallExtra {
  error?: ErrorInfo;
  output?: CapturedOutput;
  /** On a sample of calls: what one structured clone of the result cost, and its size. */
  wire?: { ms: number; bytes: number };
}
export interface PoolWarmReply {
  type: 'warm';
  cpuSource: CpuSource;
  /** Absent when this thread was already warm. */
  warmup?: WarmupResult;
  /** Epoch ms the thread finished loading the module. */
  loadedAtMs: number;
}
/** A PoolWarmReply for a warm task; for a call, its value or a PoolCallWithExtra. */
export type PoolTaskResult = unknown;

/** Engine → child process. A call is [id, task index]: the smallest message IPC carries. */
export type ChildRequest =
  | { type: 'init'; init: HostInit }
  | [id: number, index: number]
  | { type: 'warm'; id: number; policy: WarmupPolicy };
/**
 * Child process → engine for one call: a flat array, V8-serialized by IPC ('advanced').
 * `result` is the call's value, serialized as a child-process pool must (the engine
 * drops it); `extra` is there only when the call failed, printed something, or was
 * sampled for its result's serialization cost.
 */
export type ChildCallReply = [id: number, startMs: number, endMs: number, cpuMs: number, result?: unknown, extra?: PoolCallExtra];
/** Child process → engine. */
export type ChildMessage =
  | { type: 'ready'; cpuSource: CpuSource }
  | { type: 'loadError'; error: ErrorInfo }
  | ChildCallReply
  | { type: 'warmed'; id: number; warmup: WarmupResult; output?: CapturedOutput };
