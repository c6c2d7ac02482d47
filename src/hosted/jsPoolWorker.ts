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
import { epochNow, type TaskOutcome } from '../shared/closedLoop';
import { toErrorInfo } from '../shared/errorInfo';
import { installOutputCapture, type OutputCapture } from '../shared/outputCapture';
import type { PoolCallExtra, PoolCallReply, PoolTask, PoolTaskResult, PoolWarmReply } from '../shared/jsProtocol';
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
/** Set once `loaded` has resolved, so that calls need not await it. */
let ready: Loaded | undefined;
let warmed: Promise<WarmupResult> | undefined;
/** Every WIRE_SAMPLE_EVERY-th result (and the first) is also cloned once here, to time it. */
const WIRE_SAMPLE_EVERY = 16;
let calls = 0;

async function load(): Promise<Loaded> {
  const capture = installOutputCapture(init.maxOutputBytes);
  const fn = await loadTargetFunction(init.bundlePath, init.functionName);
  return { fn, clock: threadCpuClock(), capture, loadedAtMs: epochNow() };
}

export default function runPoolTask(task: PoolTask): PoolTaskResult | Promise<PoolTaskResult> {
  // A call on a loaded thread runs in the same tick as the task arrives: no promise hop.
  if (task.type === 'call' && ready) return call(ready, task.index);
  return (loaded ??= load()).then((l): PoolTaskResult | Promise<PoolTaskResult> => {
    ready = l;
    return task.type === 'warm' ? warm(l, task) : call(l, task.index);
  });
}

async function warm(l: Loaded, task: Extract<PoolTask, { type: 'warm' }>): Promise<PoolWarmReply> {
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

function call(l: Loaded, index: number): PoolCallReply | Promise<PoolCallReply> {
  // The engine enforces the per-call timeout by ending this thread; no timer here.
  const cpuAtStart = l.clock.now();
  const keep = init.returnResults ? { value: undefined as unknown } : undefined;
  const outcome = callTarget(l.fn, init.args, index, Infinity, undefined, keep);
  return outcome instanceof Promise ? outcome.then((o) => reply(l, o, cpuAtStart, keep)) : reply(l, outcome, cpuAtStart, keep);
}

function reply(l: Loaded, outcome: TaskOutcome, cpuAtStart: number, keep: { value: unknown } | undefined): PoolCallReply {
  const r: PoolCallReply = [outcome.startMs, outcome.endMs, l.clock.now() - cpuAtStart, cpuAtStart, threadId];
  const output = l.capture.take();
  let extra: PoolCallExtra | undefined;
  if (outcome.error) extra = { error: outcome.error };
  if (output) (extra ??= {}).output = output;
  if (keep && outcome.ok) {
    try {
      // On a sample of calls (each thread's first, then every WIRE_SAMPLE_EVERY-th), time
      // the structured clone that postMessage is about to do: serialize and deserialize once.
      if (calls++ % WIRE_SAMPLE_EVERY === 0) {
        const t0 = performance.now();
        const buf = serialize(keep.value);
        deserialize(buf);
        (extra ??= {}).wire = { ms: performance.now() - t0, bytes: buf.byteLength };
      }
      // The value itself goes back as piscina sends any result: cloned by postMessage,
      // exactly the cost the user's own pool pays.
      r[5] = keep.value;
    } catch (e) {
      // What the user's pool would hit too: postMessage cannot clone functions, symbols, ...
      const info = toErrorInfo(e);
      extra = { ...extra, error: { kind: 'DataCloneError', message: `the result can't be sent back from a worker thread: ${info.message} (use --discard-results if the results are never used)` } };
    }
  }
  if (extra) r[6] = extra;
  return r;
}
