// piscina task handler for the thread executor: one call per task. The bundle is
// loaded once per thread, on the warm-up task the executor sends when the pool grows;
// that task also warms the thread up (warmup.ts) so its first counted calls run at the
// speed a long-lived pool's would.
// CPU is read at the start of each call with the thread's own clock (a ~1.7 µs
// positioned read of /proc/thread-self/schedstat on Node 20), small next to piscina's
// per-task hop; see cpuClock.ts for why the start readings are what the engine uses.
import { deserialize, serialize } from 'node:v8';
import { threadId, workerData } from 'node:worker_threads';
import { threadCpuClock, type CpuClock } from './lib/cpuClock';
import { epochNow } from '../shared/closedLoop';
import { toErrorInfo } from '../shared/errorInfo';
import { installOutputCapture, type OutputCapture } from '../shared/outputCapture';
import type { PoolTask, PoolTaskResult } from '../shared/jsProtocol';
import { callTarget, loadTargetFunction, type HostInit, type UserFunction } from './lib/targetHost';
import { lowerThisThreadPriority } from './lib/userPriority';
import { warmUp } from './lib/warmup';
import type { WarmupResult } from '../shared/warmup';

const init = workerData as HostInit;
lowerThisThreadPriority();

interface Loaded {
  fn: UserFunction;
  clock: CpuClock;
  capture: OutputCapture;
  loadedAtMs: number;
}
let loaded: Promise<Loaded> | undefined;
let warmed: Promise<WarmupResult> | undefined;
/** Every WIRE_SAMPLE_EVERY-th result (and the first) is also cloned once here, to time it. */
const WIRE_SAMPLE_EVERY = 16;
let calls = 0;

async function load(): Promise<Loaded> {
  const capture = installOutputCapture(init.maxOutputBytes);
  const fn = await loadTargetFunction(init.bundlePath, init.functionName);
  return { fn, clock: threadCpuClock(), capture, loadedAtMs: epochNow() };
}

export default async function runPoolTask(task: PoolTask): Promise<PoolTaskResult> {
  const l = await (loaded ??= load());
  if (task.type === 'warm') {
    // Each thread warms itself once; a thread kept from an earlier point is warm already.
    const first = !warmed && task.policy && task.policy.maxCalls > 0;
    if (first) warmed = warmUp(l.fn, init.args, task.policy!, init.callTimeoutMs);
    const warmup = first ? await warmed : undefined;
    // Hold this thread until every thread has a warm-up task, so each one loads and
    // warms before the measured window instead of one thread taking them all.
    const arrived = new Int32Array(task.barrier);
    Atomics.add(arrived, 0, 1);
    const deadline = Date.now() + 30_000;
    while (Atomics.load(arrived, 0) < task.parties && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    l.capture.take(); // warm-up output is not the measured calls'
    return { type: 'warm', cpuSource: l.clock.source, warmup, loadedAtMs: l.loadedAtMs };
  }
  // The engine enforces the per-call timeout by ending this thread; no timer here.
  const cpuAtStart = l.clock.now();
  const keep = init.returnResults ? { value: undefined as unknown } : undefined;
  const outcome = await callTarget(l.fn, init.args, task.index, Infinity, undefined, keep);
  outcome.cpuMs = l.clock.now() - cpuAtStart;
  const reply: PoolTaskResult = { type: 'call', outcome, output: l.capture.take(), thread: threadId, cpuAtStart };
  if (!keep || !outcome.ok) return reply;
  try {
    // On a sample of calls (each thread's first, then every WIRE_SAMPLE_EVERY-th), time
    // the structured clone that postMessage is about to do: serialize and deserialize once.
    if (calls++ % WIRE_SAMPLE_EVERY === 0) {
      const t0 = performance.now();
      const buf = serialize(keep.value);
      deserialize(buf);
      reply.wire = { ms: performance.now() - t0, bytes: buf.byteLength };
    }
    // The value itself goes back as piscina sends any result: cloned by postMessage,
    // exactly the cost the user's own pool pays.
    reply.result = keep.value;
    return reply;
  } catch (e) {
    // What the user's pool would hit too: postMessage cannot clone functions, symbols, ...
    const info = toErrorInfo(e);
    reply.outcome = {
      ...outcome,
      ok: false,
      error: { kind: 'DataCloneError', message: `the result can't be sent back from a worker thread: ${info.message} (use --discard-results if the results are never used)` },
    };
    return reply;
  }
}
