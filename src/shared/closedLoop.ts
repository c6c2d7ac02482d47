// The one closed-loop driver behind every JS executor. It runs inside the worker thread
// for sequential/async (calls are plain function calls there) and in the caller for
// thread/process (calls are tasks sent to a pool); only `runTask` differs. K lanes each
// run one task after another, so exactly K are in flight until the window closes.
import type { ErrorInfo } from './errorInfo';
import { FULL_WINDOW_CALLS } from './pointContract';

export interface TaskOutcome {
  ok: boolean;
  /** Absolute epoch ms (performance.timeOrigin + performance.now()). */
  startMs: number;
  endMs: number;
  /** CPU ms in the thread/process that ran it; NaN when unknown. */
  cpuMs: number;
  error?: ErrorInfo;
}

export interface LoopPlan {
  concurrency: number;
  /** Absolute epoch ms the point's window is measured from. */
  originMs: number;
  durationMs: number;
  warmupMs: number;
  /** Counted (post-warm-up) launches still owed even once durationMs has passed. */
  minTasks: number;
  /** Epoch ms the window stays open until while it has fewer than FULL_WINDOW_CALLS counted launches (PointRequest.windowUntilMs). */
  windowUntilMs?: number;
  /** Counted (post-warm-up) failures still allowed; the loop stops launching when they are used up. */
  maxErrors: number;
  firstIndex: number;
}

export interface LoopProgress {
  launched: number;
  countedLaunched: number;
  failed: number;
  nextIndex: number;
  stoppedByErrors: boolean;
}

/** The loop plan of a point request: K lanes from `originMs`, the request's window and limits. */
export function loopPlanOf(
  req: { durationMs: number; windowUntilMs?: number; warmupMs: number; minTasks: number; maxErrors: number; taskIndexStart: number },
  concurrency: number,
  originMs: number,
): LoopPlan {
  return {
    concurrency,
    originMs,
    durationMs: req.durationMs,
    ...(req.windowUntilMs !== undefined ? { windowUntilMs: req.windowUntilMs } : {}),
    warmupMs: req.warmupMs,
    minTasks: req.minTasks,
    maxErrors: req.maxErrors,
    firstIndex: req.taskIndexStart,
  };
}

/**
 * Whether a point's window still takes new calls, `counted` launched so far: before its
 * duration is over or while calls are still owed, and then, when held open
 * (windowUntilMs), until then while it has fewer than FULL_WINDOW_CALLS.
 */
export function windowOpen(plan: Pick<LoopPlan, 'originMs' | 'durationMs' | 'minTasks' | 'windowUntilMs'>, now: number, counted: number): boolean {
  if (now - plan.originMs < plan.durationMs || counted < plan.minTasks) return true;
  return plan.windowUntilMs !== undefined && now < plan.windowUntilMs && counted < FULL_WINDOW_CALLS;
}

export function newProgress(firstIndex: number): LoopProgress {
  return { launched: 0, countedLaunched: 0, failed: 0, nextIndex: firstIndex, stoppedByErrors: false };
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * Whether a point's K lanes all started: `calls` (the calls it ran, counted and settling
 * alike) reached K. A lane launches only between calls, so on an event loop whose calls
 * block the thread the lanes start one after another, and those after the window never
 * start: fewer calls than K says the calls ran one at a time.
 */
export function lanesAllStarted(calls: number, concurrency: number): boolean {
  return calls >= concurrency;
}

/** The concurrency an executor actually runs for a request: a whole number in 1..max. */
export function clampConcurrency(requested: number, max: number): number {
  return Math.max(1, Math.min(max, Math.floor(requested)));
}

export async function runClosedLoop(
  plan: LoopPlan,
  runTask: (index: number, lane: number) => Promise<TaskOutcome>,
  onOutcome: (outcome: TaskOutcome, index: number, counted: boolean, progress: Readonly<LoopProgress>, lane: number) => void,
  opts: {
    shouldStop?: () => boolean;
    /** Pass one in to watch it live (e.g. to report it from an exit handler). */
    progress?: LoopProgress;
    /**
     * Awaited (when it returns a promise) before each launch decision: the loop worker
     * lets the event loop turn here. It must come before the window is checked, not in
     * runTask after it: lanes whose calls block the thread start one after another, and
     * every lane that passed the check while another blocked would then run its call
     * after the window had closed (64 lanes of a 40 ms blocking wait held a 200 ms
     * window open for 2.7 s of a 3 s budget).
     */
    pace?: () => Promise<void> | undefined;
  } = {},
): Promise<LoopProgress> {
  const p: LoopProgress = opts.progress ?? newProgress(plan.firstIndex);
  const shouldStop = opts.shouldStop ?? (() => false);
  let broken = false;

  const canLaunch = (): boolean => {
    if (broken || shouldStop()) return false;
    if (p.failed >= plan.maxErrors) {
      p.stoppedByErrors = true;
      return false;
    }
    return windowOpen(plan, epochNow(), p.countedLaunched);
  };

  const lane = async (laneNo: number): Promise<void> => {
    for (;;) {
      const pausing = opts.pace?.();
      if (pausing) await pausing;
      if (!canLaunch()) break;
      const index = p.nextIndex++;
      const counted = epochNow() - plan.originMs >= plan.warmupMs;
      p.launched++;
      if (counted) p.countedLaunched++;
      let outcome: TaskOutcome;
      try {
        outcome = await runTask(index, laneNo);
      } catch (e) {
        // Infrastructure failure (abort, pool gone): stop every lane, surface it once.
        broken = true;
        throw e;
      }
      // Only counted failures use up maxErrors: a function failing from its first call
      // would otherwise spend them all in the warm-up and leave the point with no samples.
      if (!outcome.ok && counted) p.failed++;
      onOutcome(outcome, index, counted, p, laneNo);
    }
  };

  const lanes: Promise<void>[] = [];
  for (let i = 0; i < plan.concurrency; i++) lanes.push(lane(i));
  const settled = await Promise.allSettled(lanes);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return p;
}
