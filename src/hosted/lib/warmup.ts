// Warm-up inside a worker thread or child, before its calls count. A fresh V8 isolate
// runs the user's code interpreted, then baseline-compiled, and only later optimised;
// allocation-heavy code also pays for growing a young heap. Measured cold, a 30 ms
// parser call can read 2-3x slower on a new thread than on a warm one, which made
// pools look worse than the user's own (long-lived) pool would be. So every new worker
// calls the function until its call time is steady, within the caps of the policy.
import type { ColdStart, WarmupPolicy } from '../../shared/report';
import { epochNow } from '../../shared/closedLoop';
import { callTarget, type UserFunction } from './targetHost';

export interface WarmupResult {
  firstCallMs: number | null;
  steadyCallMs: number | null;
  calls: number;
  steady: boolean;
  /** A call failed during warm-up: warm-up stops there, the point's own calls will show it. */
  failed: boolean;
}

/** True when the last `n` times are within `tolerance` of each other (max ≤ min × (1 + tolerance)). */
export function isSteady(times: number[], n: number, tolerance: number): boolean {
  if (times.length < n) return false;
  const last = times.slice(-n);
  const lo = Math.min(...last);
  return lo > 0 && Math.max(...last) <= lo * (1 + tolerance);
}

/** Median of the last `n` call times. */
export function steadyTime(times: number[], n: number): number | null {
  if (!times.length) return null;
  const last = times.slice(-n).sort((a, b) => a - b);
  return last[Math.floor(last.length / 2)];
}

export async function warmUp(fn: UserFunction, args: unknown[], policy: WarmupPolicy, timeoutMs: number): Promise<WarmupResult> {
  const times: number[] = [];
  const t0 = epochNow();
  let failed = false;
  // Warm-up calls reuse the probe's index (0), so "$i" never hands them real task numbers.
  while (times.length < policy.maxCalls) {
    const o = await callTarget(fn, args, 0, timeoutMs);
    if (!o.ok) {
      failed = true;
      break;
    }
    times.push(o.endMs - o.startMs);
    if (isSteady(times, policy.steadyCalls, policy.tolerance)) break;
    // The cap on time: no call starts once it has passed (one call always runs).
    if (epochNow() - t0 >= policy.maxMs) break;
  }
  return {
    firstCallMs: times.length ? times[0] : null,
    steadyCallMs: steadyTime(times, policy.steadyCalls),
    calls: times.length,
    steady: isSteady(times, policy.steadyCalls, policy.tolerance),
    failed,
  };
}

/** Folds several workers' warm-ups into the report's cold-start figures. */
export function coldStartOf(results: WarmupResult[], workerStartMs: number | null): ColdStart | undefined {
  const done = results.filter((r) => r.calls > 0);
  if (!done.length && workerStartMs == null) return undefined;
  const mid = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
  return {
    firstCallMs: mid(done.map((r) => r.firstCallMs!).filter((x) => x != null)),
    steadyCallMs: mid(done.map((r) => r.steadyCallMs!).filter((x) => x != null)),
    workerStartMs,
    warmupCalls: done.length ? Math.max(...done.map((r) => r.calls)) : 0,
    steady: done.length > 0 && done.every((r) => r.steady),
  };
}
