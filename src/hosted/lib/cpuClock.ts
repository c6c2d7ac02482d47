// CPU time of the *current thread*, for per-task CPU in worker threads. Node 20 has no
// process.threadCpuUsage(), and process.cpuUsage() counts every thread of the process
// (other workers, GC and libuv threads), so on Linux we read the thread's own
// /proc/thread-self/schedstat. The file is opened once per thread and re-read with a
// positioned read: ~1.7 µs per read instead of ~18 µs for readFileSync, which keeps the
// two reads around a tiny call well below the cost of dispatching it.
import { openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CpuSource } from '../../shared/report';

export interface CpuClock {
  readonly source: CpuSource;
  /** CPU milliseconds used so far by the thread (or process) this clock belongs to. */
  now(): number;
  /**
   * Milliseconds the thread has spent runnable but waiting for a CPU (schedstat's
   * second field). Wall time minus this is the time the call really had: on a machine
   * shared with other work, it keeps a CPU-bound call from reading as "part waiting".
   */
  runQueueNow?(): number;
}

// Caveat of schedstat: the kernel folds a running thread's current slice into the
// counter only at scheduler ticks (1-4 ms) and context switches. A read right after the
// thread woke up is exact; a read at the end of a busy call can lag by up to a tick,
// which biases one short call low. So: the loop worker attributes CPU per ~100 ms batch,
// the thread executor charges each call the difference between *start* readings of
// consecutive calls on the same thread (each taken just after a wake-up), and a single
// probe call sleeps 1 ms (a context switch) before its closing read.
const napCell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks ~1 ms so the kernel books this thread's CPU; the next schedstat read is then exact. */
export function settleCpuClock(clock: CpuClock): void {
  if (clock.source === 'thread-schedstat') Atomics.wait(napCell, 0, 0, 1);
}

type ThreadCpuUsage = () => { user: number; system: number };

/** Must be called on the thread it will measure: /proc/thread-self resolves at open time. */
export function threadCpuClock(): CpuClock {
  const threadCpuUsage = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;
  if (typeof threadCpuUsage === 'function') {
    return {
      source: 'process.threadCpuUsage',
      now: () => {
        const u = threadCpuUsage.call(process);
        return (u.user + u.system) / 1000;
      },
    };
  }
  const schedstat = openSchedstat();
  if (schedstat) return { source: 'thread-schedstat', now: () => schedstat()[0], runQueueNow: () => schedstat()[1] };
  // Last resort: time the event loop was not idle. It counts blocking waits as CPU,
  // which is why the source is recorded next to every figure.
  return { source: 'event-loop-utilization', now: () => performance.eventLoopUtilization().active };
}

export function processCpuClock(): CpuClock {
  return {
    source: 'process.cpuUsage',
    now: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
  };
}

/** Returns a reader of [ms on a CPU, ms waiting on the run queue] for this thread. */
function openSchedstat(): (() => [number, number]) | undefined {
  if (process.platform !== 'linux') return undefined;
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return undefined;
  }
  const buf = Buffer.alloc(96);
  const read = (): [number, number] => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    // Fields: ns on a CPU, ns runnable but waiting on the run queue, timeslices.
    const fields = [0, 0];
    let f = 0;
    for (let i = 0; i < n && f < 2; i++) {
      const c = buf[i];
      if (c === 32) f++;
      else if (c >= 48 && c <= 57) fields[f] = fields[f] * 10 + (c - 48);
      else break;
    }
    return [fields[0] / 1e6, fields[1] / 1e6];
  };
  try {
    read();
  } catch {
    return undefined;
  }
  return read;
}
