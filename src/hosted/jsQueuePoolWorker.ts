// piscina task handler for queue mode's thread executor: one item per task, the items it
// found go back with the result. The engine's queue feeds the pool; this side holds no
// queue. The bundle loads once per thread, on the warm-up task sent before the crawl.
import { threadId, workerData } from 'node:worker_threads';
import { threadCpuClock } from './lib/cpuClock';
import { installOutputCapture } from '../shared/outputCapture';
import type { PoolThreadTarget } from './lib/hostSetup';
import { loadTargetFunction, type HostInit } from './lib/targetHost';
import { lowerThisThreadPriority } from './lib/userPriority';
import { callItem } from './lib/queue/callItem';
import type { QueuePoolResult, QueuePoolTask } from '../shared/queue/queueChildProtocol';

const init = workerData as HostInit;
lowerThisThreadPriority();

let loaded: Promise<PoolThreadTarget> | undefined;

async function load(): Promise<PoolThreadTarget> {
  const capture = installOutputCapture(init.maxOutputBytes);
  const fn = await loadTargetFunction(init.bundlePath, init.functionName);
  return { fn, clock: threadCpuClock(), capture };
}

export default async function runQueueTask(task: QueuePoolTask): Promise<QueuePoolResult> {
  const l = await (loaded ??= load());
  if (task.type === 'warm') {
    // Hold this thread until every thread has a warm-up task, so each loads the bundle.
    const arrived = new Int32Array(task.barrier);
    Atomics.add(arrived, 0, 1);
    const deadline = Date.now() + 30_000;
    while (Atomics.load(arrived, 0) < task.parties && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    return { type: 'warm', cpuSource: l.clock.source, thread: threadId };
  }
  // The engine enforces the call timeout by aborting the task, which ends this thread.
  const r = await callItem(l.fn, task.item, Infinity, l.clock);
  const output = l.capture.take();
  return { type: 'item', ...r, ...(output ? { output } : {}), thread: threadId };
}
