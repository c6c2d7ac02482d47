// piscina task handler for the thread executor: one call per task. The bundle is
// loaded once per thread, on the warm-up task the executor sends before its window.
// CPU is read at the start of each call with the thread's own clock (a ~1.7 µs
// positioned read of /proc/thread-self/schedstat on Node 20), small next to piscina's
// per-task hop; see cpuClock.ts for why the start readings are what the engine uses.
import { threadId, workerData } from 'node:worker_threads';
import { threadCpuClock, type CpuClock } from '../core/js/cpuClock';
import { installOutputCapture, type OutputCapture } from '../core/js/outputCapture';
import type { PoolTask, PoolTaskResult } from '../core/js/protocol';
import { callTarget, loadTargetFunction, type HostInit, type UserFunction } from '../core/js/targetHost';
import { lowerThisThreadPriority } from '../core/js/userPriority';

const init = workerData as HostInit;
lowerThisThreadPriority();

interface Loaded {
  fn: UserFunction;
  clock: CpuClock;
  capture: OutputCapture;
}
let loaded: Promise<Loaded> | undefined;

async function load(): Promise<Loaded> {
  const capture = installOutputCapture(init.maxOutputBytes);
  const fn = await loadTargetFunction(init.bundlePath, init.functionName);
  return { fn, clock: threadCpuClock(), capture };
}

export default async function runPoolTask(task: PoolTask): Promise<PoolTaskResult> {
  const l = await (loaded ??= load());
  if (task.type === 'warm') {
    // Hold this thread until every thread has a warm-up task, so each one loads the
    // bundle before the measured window instead of one thread taking them all.
    const arrived = new Int32Array(task.barrier);
    Atomics.add(arrived, 0, 1);
    const deadline = Date.now() + 30_000;
    while (Atomics.load(arrived, 0) < task.parties && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    return { type: 'warm', cpuSource: l.clock.source };
  }
  // The engine enforces the per-call timeout by ending this thread; no timer here.
  const cpuAtStart = l.clock.now();
  const outcome = await callTarget(l.fn, init.args, task.index, Infinity);
  outcome.cpuMs = l.clock.now() - cpuAtStart;
  return { type: 'call', outcome, output: l.capture.take(), thread: threadId, cpuAtStart };
}
