// A cap on the resident memory of a process that runs user code, checked from outside.
//
// resourceLimits (worker threads) and --max-old-space-size (child processes) cap the JS
// heap only: Buffers, ArrayBuffers and native addons allocate outside it, and on Linux
// RLIMIT_AS is the only hard cap Python gets. So the process that started the worker
// polls its resident set size (VmRSS in /proc/<pid>/status) and stops it past a cap.
//
// The cap, from the memory limit M (`memoryLimitMb`, `--memory`):
// - a child process or a Python harness: what it held once the user's module was
//   loaded (the runtime, the bundle, native addons, numpy…) + M + 128 MB (what the
//   runtime itself grows by as it runs: JIT code, buffers); see childGuard.ts;
// - the engine process hosts T worker threads that run user code (T = K during a
//   `thread × K` point, plus the loop worker that runs the probe, `sequential` and
//   `async`; T = 1 otherwise): (M + 32 MB) × T + 256 MB (a thread's own runtime, and
//   the engine's main thread with its samples).
// A check every POLL_MS can be overshot by what the code allocates in that time.
import { readFileSync } from 'node:fs';

const POLL_MS = 100;
export const CHILD_MARGIN_MB = 128;
export const ENGINE_MARGIN_MB = 256;
export const THREAD_MARGIN_MB = 32;

/** Resident memory of `pid` in MB, or undefined when it is gone or there is no /proc. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    // A zombie has no VmRSS line: it holds no memory.
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The cap of a child process or Python harness, above what it held once the module was loaded. */
export function childRssCapMb(memoryLimitMb: number): number {
  return memoryLimitMb + CHILD_MARGIN_MB;
}

/** The cap of the engine process while `threads` worker threads may run user code. */
export function engineRssCapMb(memoryLimitMb: number, threads: number): number {
  const t = Math.max(1, Math.floor(threads));
  return (memoryLimitMb + THREAD_MARGIN_MB) * t + ENGINE_MARGIN_MB;
}

/** Worker threads of the engine that may run user code during a point of `executor` at `concurrency`. */
export function userThreads(executor: string | undefined, concurrency: number | undefined): number {
  return executor === 'thread' ? (concurrency ?? 1) + 1 : 1;
}

export function rssMessage(rss: number, cap: number): string {
  return `out of memory: RSS reached ${Math.round(rss)} MB (cap ${Math.round(cap)} MB)`;
}

/**
 * Polls one process's RSS and calls `onOver` once when it passes the cap (a number, or
 * a function for a cap that follows what the process is doing). Stops by itself once
 * the process is gone; `stop()` when its owner ends it.
 */
export class RssWatch {
  private timer: NodeJS.Timeout | undefined;
  /** Highest RSS seen, MB. */
  peakMb = 0;

  constructor(
    private readonly pid: number | undefined,
    private readonly capMb: number | (() => number),
    private readonly onOver: (rssMb: number, capMb: number) => void,
    everyMs = POLL_MS,
  ) {
    if (pid === undefined || !Number.isFinite(this.cap())) return;
    // unref: the watch must never keep its owner alive.
    this.timer = setInterval(() => this.check(), everyMs).unref();
  }

  private cap(): number {
    return typeof this.capMb === 'function' ? this.capMb() : this.capMb;
  }

  /** One check now; true when it fired. */
  check(): boolean {
    if (this.pid === undefined || !this.timer) return false;
    const rss = rssMb(this.pid);
    if (rss === undefined) {
      this.stop();
      return false;
    }
    this.peakMb = Math.max(this.peakMb, rss);
    const cap = this.cap();
    if (rss <= cap) return false;
    this.stop();
    this.onOver(rss, cap);
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
