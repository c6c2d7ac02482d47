// User code runs one notch of niceness below the thread that drives the profile. On a
// 2-core machine with every core busy running K workers, the caller's event loop (the
// extension host's, in VS Code) would otherwise queue behind them for a whole time
// slice; at nice +2 the scheduler lets it in first. Every executor runs user code at the
// same niceness, so speedups compare like with like; on an idle core niceness changes
// nothing.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export const USER_CODE_NICENESS = 2;

/** Lowers the priority of the calling thread only (Linux: setpriority on its TID). */
export function lowerThisThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    // Relative to the thread's own niceness (inherited from whoever started the profile):
    // a profiler run at nice 5 must not try to raise user code to 2, nor one run at -5
    // drop it to 2, below everything else on the machine.
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + USER_CODE_NICENESS));
  } catch {
    // Not allowed or not Linux: run at the normal priority.
  }
}
