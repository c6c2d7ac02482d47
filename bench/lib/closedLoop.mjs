// The bare reference loop: K lanes, each sending one task after another, exactly as the
// engine's own closed loop does (src/shared/closedLoop.ts) but with no measurement
// beyond two clock reads per task. Running the same shape of loop over a raw pool is
// what makes "ours ÷ bare" an overhead ratio and not a comparison of two loop designs.
export const epochNow = () => performance.timeOrigin + performance.now();

/**
 * @param {{concurrency:number,durationMs:number,warmupMs:number,minTasks?:number}} plan
 * @param {(index:number, lane:number) => Promise<unknown>} runTask
 */
export async function bareClosedLoop(plan, runTask) {
  const origin = epochNow();
  const taskStartMs = [];
  const taskEndMs = [];
  let counted = 0;
  let next = 0;
  const minTasks = plan.minTasks ?? 0;
  const canLaunch = () => epochNow() - origin < plan.durationMs || counted < minTasks;
  const lane = async (laneNo) => {
    while (canLaunch()) {
      const index = next++;
      const start = epochNow();
      const isCounted = start - origin >= plan.warmupMs;
      if (isCounted) counted++;
      await runTask(index, laneNo);
      const end = epochNow();
      if (isCounted) {
        taskStartMs.push(start);
        taskEndMs.push(end);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, (_, i) => lane(i)));
  // Reduce, not Math.min(...xs): tens of thousands of tiny tasks overflow the call stack.
  return {
    startMs: taskStartMs.length ? taskStartMs.reduce((a, b) => Math.min(a, b)) : origin,
    endMs: taskEndMs.length ? taskEndMs.reduce((a, b) => Math.max(a, b)) : epochNow(),
    taskStartMs,
    taskEndMs,
  };
}

/** Microseconds of window per completed task: the inverse of throughput. */
export function usPerTask(s) {
  const n = s.taskEndMs.length;
  return n > 0 ? ((s.endMs - s.startMs) * 1000) / n : NaN;
}
