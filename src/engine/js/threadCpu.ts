// Per-call CPU in the thread executor, from the start readings of each worker thread's
// own CPU clock (jsPoolWorker.ts reads it at the start of a call, at most once a
// millisecond; cpuClock.ts says why start readings are the exact ones).

/** A thread's last CPU reading in this point, and the calls it started since (they share what the next reading adds). */
export interface ThreadCpu {
  cpuAtStart: number;
  calls: number;
  /** Where the counted ones among them sit in the point's taskCpuMs. */
  positions: number[];
}

/**
 * Charges CPU to calls from the start readings of a thread's clock: the CPU between two
 * readings on one thread, split evenly over the calls it started in between (one call
 * when each call is read; jsPoolWorker.ts reads at most once a millisecond). A call
 * after the thread's last reading keeps the reply's own end-minus-start figure (NaN for
 * calls too short to read), and so does one before its first.
 */
export function chargeCpu(threads: Map<number, ThreadCpu>, thread: number, reading: number, pos: number, taskCpuMs: number[]): void {
  const t = threads.get(thread);
  if (Number.isNaN(reading)) {
    if (t) {
      t.calls++;
      if (pos >= 0) t.positions.push(pos);
    }
    return;
  }
  if (!t) {
    threads.set(thread, { cpuAtStart: reading, calls: 1, positions: pos >= 0 ? [pos] : [] });
    return;
  }
  const between = reading - t.cpuAtStart;
  if (Number.isFinite(between) && between >= 0) {
    const share = between / t.calls;
    for (const p of t.positions) taskCpuMs[p] = share;
  }
  t.cpuAtStart = reading;
  t.calls = 1;
  t.positions.length = 0;
  if (pos >= 0) t.positions.push(pos);
}
