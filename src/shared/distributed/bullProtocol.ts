// What the engine (or the `worker` CLI command) tells a BullMQ worker process, and the
// settings both sides must agree on.
import type { ErrorInfo } from '../errorInfo';

export interface BullWorkerConfig {
  redisUrl: string;
  queue: string;
  bundlePath: string;
  functionName: string;
  /** BullMQ `concurrency`: jobs this worker runs at once. */
  concurrency: number;
  callTimeoutMs: number;
  /** Started by a profile (true) or by `workload-profiler worker` (false). */
  local: boolean;
  owner?: string;
  /** Run jobs in BullMQ sandboxed processors (a child process per concurrency slot). */
  sandboxed?: boolean;
}

export type BullWorkerMessage = { type: 'ready'; id: string } | { type: 'loadError'; error: ErrorInfo };

/**
 * Lock and stalled-job settings. A job's lock is renewed from the worker's event loop,
 * which a synchronous call blocks, so the lock must outlast the longest call (the call
 * timeout); a worker that dies loses its lock, and the stalled-job check of any other
 * worker puts the job back on the queue within lockDuration + stalledInterval.
 */
export function bullSettings(callTimeoutMs: number): { lockDuration: number; stalledInterval: number; maxStalledCount: number; drainDelay: number } {
  const lockDuration = Math.max(2000, Math.min(callTimeoutMs, 10 * 60_000) + 1000);
  return { lockDuration, stalledInterval: Math.min(lockDuration, 5000), maxStalledCount: 3, drainDelay: 1 };
}
