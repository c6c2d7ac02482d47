// Per-task timings of the distributed executor, folded into the run's figures. The
// engine stamps enqueue and result-seen; the worker stamps the function's start and end.
// On one machine all four come from the same clock; across machines the queue wait and
// result latency also carry the clocks' offset (docs/distributed.md).
import type { DistributedRunStats } from '../../shared/distributed/distributedTypes';

export interface TaskTiming {
  enqueuedMs: number;
  startMs: number;
  endMs: number;
  seenMs: number;
  bytes: number;
  attempt: number;
}

export class DistributedTally {
  private n = 0;
  private wait = 0;
  private run = 0;
  private latency = 0;
  private bytes = 0;
  retries = 0;
  readonly workerIds = new Set<string>();

  add(t: TaskTiming, worker?: string): void {
    if (worker) this.workerIds.add(worker);
    if (t.attempt > 1) this.retries++;
    this.n++;
    // A retried job waited for the dead worker's lock to expire: that is part of its wait.
    this.wait += Math.max(0, t.startMs - t.enqueuedMs);
    this.run += Math.max(0, t.endMs - t.startMs);
    this.latency += Math.max(0, t.seenMs - t.endMs);
    this.bytes += t.bytes;
  }

  get count(): number {
    return this.n;
  }

  result(base: Omit<DistributedRunStats, 'queueWaitMs' | 'runMs' | 'resultLatencyMs' | 'bytesPerTask' | 'retries'>): DistributedRunStats {
    const per = (x: number) => (this.n ? Math.round((x / this.n) * 1000) / 1000 : 0);
    return {
      ...base,
      queueWaitMs: per(this.wait),
      runMs: per(this.run),
      resultLatencyMs: per(this.latency),
      bytesPerTask: Math.round(per(this.bytes)),
      retries: this.retries,
    };
  }
}

/** UTF-8 bytes of a JSON value as it crosses Redis. */
export function jsonBytes(v: unknown): number {
  return Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v) ?? '', 'utf8');
}
