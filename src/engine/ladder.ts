// The adaptive concurrency ladder and the budget planner. Pure: the orchestrator feeds
// in what it measured and gets back what to run next, so both are unit-tested on
// made-up numbers.
import type { ExecutorKind } from '../shared/report';

/** Throughput must grow by this much for the ladder to keep climbing. */
export const GROWTH_TO_CLIMB = 1.1;

export const FIRST_CONCURRENCY: Record<ExecutorKind, number> = {
  sequential: 1,
  // async at K=1 is the sequential baseline again; start where concurrency begins.
  async: 2,
  // K=1 of a pool is worth its point: against the baseline it shows the dispatch cost.
  thread: 1,
  process: 1,
  // One worker first: against the process pool's K=1 it shows the queue's own cost.
  distributed: 1,
};

export interface LadderPoint {
  concurrency: number;
  throughputPerSec: number;
}

/**
 * Next K for an executor: multiplying by `step` (2, or 4 for slow calls) while throughput still grows by GROWTH_TO_CLIMB
 * over the previous step (for the first async step, over the sequential baseline),
 * clamped to the cap. Pools climb at least to `minReach` (the core count), because
 * on a busy machine one flat step below the core count says nothing about the knee.
 */
export function nextConcurrency(
  kind: ExecutorKind,
  history: LadderPoint[],
  cap: number,
  baselineThroughput: number,
  minReach = 1,
  step = 2,
): number | undefined {
  if (kind === 'sequential') return history.length === 0 ? 1 : undefined;
  if (history.length === 0) {
    // With slow calls every point costs at least a call: a pool's K=1 would only show
    // the dispatch cost, which such calls dwarf, so start at the core count.
    const first = step > 2 && kind !== 'async' ? Math.max(FIRST_CONCURRENCY[kind], minReach) : FIRST_CONCURRENCY[kind];
    return Math.min(first, cap);
  }
  const last = history[history.length - 1];
  if (last.concurrency >= cap) return undefined;
  const previous = history.length >= 2 ? history[history.length - 2].throughputPerSec : kind === 'async' ? baselineThroughput : 0;
  const grew = previous <= 0 || last.throughputPerSec >= previous * GROWTH_TO_CLIMB;
  if (!grew && last.concurrency >= minReach) return undefined;
  let next = last.concurrency * step;
  // Never step over the core count: for CPU work it is the point that matters most.
  if (last.concurrency < minReach && next > minReach) next = minReach;
  return Math.min(next, cap);
}

/** Calls this slow make every point cost at least a call, so climb by ×4 instead of ×2. */
export const SLOW_CALL_MS = 250;

export function ladderStep(callMs: number): number {
  return callMs >= SLOW_CALL_MS ? 4 : 2;
}

/** Points we still expect to run, used to share out the remaining budget. */
export const TYPICAL_POINTS: Record<ExecutorKind, number> = { sequential: 1, async: 3, thread: 3, process: 3, distributed: 3 };

export interface WindowPlan {
  durationMs: number;
  minTasks: number;
  warmupMs: number;
  /** What the point is expected to cost, start-up included. */
  predictedMs: number;
  /** The start-up and warm-up of new workers in that (WindowInput.overheadMs). */
  overheadMs: number;
}

export interface WindowInput {
  remainingMs: number;
  pointsLeft: number;
  /** Start-up cost we expect for this point (pool creation, module load). */
  overheadMs: number;
  /** Wall time of one call, from the probe. */
  callMs: number;
  concurrency: number;
  /** How many calls we expect to run at once at this K (1 for async on CPU work). */
  expectedParallelism: number;
}

/** Shortest measuring window worth having: below this, timer and start-up noise dominate. */
export const MIN_WINDOW_MS = 150;

export function planWindow(i: WindowInput): WindowPlan {
  // The point's own start-up and warm-up come out of the whole remainder, not out of its
  // share: taken from the share, a JIT-heavy function's warm-up left the baseline (whose
  // noise enters every speedup) the minimum window.
  const durationMs = Math.max(MIN_WINDOW_MS, (i.remainingMs - i.overheadMs) / Math.max(1, i.pointsLeft));
  // One counted call is enough to end a point once its window has passed. Lanes of a
  // pool, or of async calls that yield, all start at once anyway; async lanes whose
  // calls never yield start one after another, and once a slow call has used up the
  // window the later lanes need not start at all: that one call already shows async
  // running them one at a time.
  const minTasks = 1;
  const parallel = Math.max(1, Math.min(i.concurrency, i.expectedParallelism));
  // K calls in flight, `parallel` of them progressing at once, finish after ceil(K / parallel) calls' time.
  const rounds = i.expectedParallelism <= 1 ? 1 : Math.ceil(i.concurrency / parallel);
  const busyMs = Math.max(durationMs, rounds * i.callMs);
  // Warm-up only pays when many calls fit in the window (JIT, caches); slow calls
  // would have every task discarded.
  const warmupMs = i.callMs * 20 < durationMs ? Math.min(200, durationMs * 0.1) : 0;
  return { durationMs, minTasks, warmupMs, predictedMs: busyMs + i.overheadMs, overheadMs: i.overheadMs };
}
