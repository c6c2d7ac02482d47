// The warm-up rules the hosts and the engine share: what a worker's warm-up found, when
// call times count as steady, and how the workers' warm-ups fold into the report's
// cold-start figures. The warm-up loop itself runs next to the function
// (src/hosted/lib/warmup.ts).
import type { ColdStart, WarmupPolicy } from './report';
import { WARMUP_SETUP_ONLY_CALLS } from './pointContract';

export interface WarmupResult {
  firstCallMs: number | null;
  steadyCallMs: number | null;
  calls: number;
  /** Wall time of all the warm-up calls. */
  elapsedMs?: number;
  steady: boolean;
  /** A call failed during warm-up: warm-up stops there, the point's own calls will show it. */
  failed: boolean;
  /** JS only: V8 was still compiling the function's code when warm-up ended (stillCompiling). */
  compiling?: boolean;
}

/**
 * True when the call time has stopped falling and, given `belowMs`, the median of the
 * last `n` times is at most that. Stopped falling means either the last `n` times are
 * within `tolerance` of each other (max ≤ min × (1 + tolerance)), or their median is no
 * more than `tolerance` below the median of the `n` before them: on a shared machine
 * calls jitter by ±15% when warm, three in a row within 10% rarely came, and warm-up
 * ran to its cap on calls long settled (a marked worker at 21-33 ms a call for its
 * last ten). A level still falling (a JIT tier-up) fails both; what settles later is
 * cut from the window afterwards (runResults.settleWindow).
 */
export function isSteady(times: number[], n: number, tolerance: number, belowMs?: number): boolean {
  if (times.length < n) return false;
  const last = times.slice(-n);
  const lo = Math.min(...last);
  const alike = lo > 0 && Math.max(...last) <= lo * (1 + tolerance);
  const level = times.length >= 2 * n && steadyTime(times, n)! >= steadyTime(times.slice(0, -n), n)! * (1 - tolerance);
  if (!alike && !level) return false;
  return belowMs === undefined || (steadyTime(times, n) ?? Infinity) <= belowMs;
}

/**
 * A warm-up call during which V8 added more machine code than this (kB) was still being
 * compiled. Settled code adds a few kB now and then (inline-cache stubs, a regexp); a
 * tier-up or a deoptimisation that recompiles adds 20-200 kB a call. js-yaml, in a bare
 * loop, ran calls 6-9 at 35-40 ms and adding 0-25 kB, then four calls at 100-130 ms
 * adding 90-140 kB each (V8 re-optimising what it had deoptimised), then settled at
 * 50-80 ms adding none. Times alone took the plateau before that storm, or the storm
 * itself, for the end of warm-up, and the baseline's window ran inside it.
 */
export const COMPILING_KB = 16;

/**
 * True when any of the last `n` warm-up calls added more than COMPILING_KB of machine code
 * (`compiledKb`: kB per call, read from the isolate's code space after it; negative when
 * V8 flushed code; undefined where the host cannot read it, as in Python).
 */
export function stillCompiling(compiledKb: number[] | undefined, n: number): boolean {
  return !!compiledKb && compiledKb.slice(-n).some((kb) => kb > COMPILING_KB);
}

/**
 * A first call at most this many times a steady one is a one-off (a cache filled, an
 * inline cache set); slower, V8 was still compiling it. V8 tiers a function up by call
 * count (interpreter, Sparkplug, Maglev, TurboFan), and a middle tier holds a level for a
 * few calls: js-yaml's sequential worker ran 78, 46, 45, 47 ms, stopped warming as
 * "steady after one cold call", and then ran its counted calls while TurboFan compiled on
 * helper threads. Its baseline kept 1.49 cores busy, read "already parallel inside", and
 * the pools, allowed twice its four warm-up calls, were measured at 118 ms a call.
 */
export const ONE_OFF_FIRST_CALL_RATIO = 1.5;

/**
 * Whether warm-up may stop after these calls (the JS hosts' rule): steady, V8 no longer
 * compiling (given what each call compiled), and either
 * steady right after a first call that was only a one-off's worth slower
 * (ONE_OFF_FIRST_CALL_RATIO: nothing else to warm) or past the policy's minimum for
 * unsteady functions. The Python harness stops after any one cold call: CPython
 * specialises its bytecode within the first few executions and has no tiers to climb.
 */
export function warmupDone(
  times: number[],
  p: Pick<WarmupPolicy, 'steadyCalls' | 'tolerance' | 'steadyBelowMs' | 'unsteadyMinCalls'>,
  compiledKb?: number[],
): boolean {
  if (!isSteady(times, p.steadyCalls, p.tolerance, p.steadyBelowMs) || stillCompiling(compiledKb, p.steadyCalls)) return false;
  if (times.length >= (p.unsteadyMinCalls ?? 0)) return true;
  return times.length <= p.steadyCalls + 1 && times[0] <= (steadyTime(times, p.steadyCalls) ?? 0) * ONE_OFF_FIRST_CALL_RATIO;
}

/** Whether this rule is the setup-only one (WARMUP_SETUP_ONLY_CALLS): where a worker already made a call (the probe), that call was it. */
export function isSetupOnly(policy: Pick<WarmupPolicy, 'maxCalls'>): boolean {
  return policy.maxCalls === WARMUP_SETUP_ONLY_CALLS;
}

/** Median of the last `n` call times. */
export function steadyTime(times: number[], n: number): number | null {
  if (!times.length) return null;
  const last = times.slice(-n).sort((a, b) => a - b);
  return last[Math.floor(last.length / 2)];
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
    ...(done.some((r) => r.elapsedMs != null) ? { warmupMs: mid(done.map((r) => r.elapsedMs!).filter((x) => x != null)) } : {}),
    steady: done.length > 0 && done.every((r) => r.steady),
    ...(done.some((r) => r.compiling) ? { compiling: true } : {}),
  };
}
