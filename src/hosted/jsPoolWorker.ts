// piscina task handler for the thread executor: one call per task. The bundle is
// loaded once per thread, on the warm-up task the executor sends when the pool grows;
// that task also warms the thread up (warmup.ts) so its first counted calls run at the
// speed a long-lived pool's would.
// CPU is read at the start of calls with the thread's own clock (a ~1.7 µs positioned
// read of /proc/thread-self/schedstat on Node 20), at most once per millisecond, which
// keeps it small next to piscina's per-task hop; see cpuClock.ts for why the start
// readings are what the engine uses.
// A call's timings and CPU readings go on the lane board (laneBoard.ts), so its reply
// is just the call's value, as in a bare piscina pool.
import { deserialize, serialize } from 'node:v8';
import { threadId, workerData } from 'node:worker_threads';
import { threadCpuClock } from './lib/cpuClock';
import { epochNow, type TaskOutcome } from '../shared/closedLoop';
import { toErrorInfo } from '../shared/errorInfo';
import { installOutputCapture } from '../shared/outputCapture';
import type { PoolCallExtra, PoolCallWithExtra, PoolHostInit, PoolTask, PoolTaskResult, PoolWarmReply } from '../shared/jsProtocol';
import { indexOf, LaneBoard, laneOf } from '../shared/laneBoard';
import { callTarget, loadTargetFunction } from './lib/targetHost';
import { lowerThisThreadPriority } from './lib/userPriority';
import type { PoolThreadTarget } from './lib/hostSetup';
import { warmUp } from './lib/warmup';
import type { WarmupResult } from '../shared/warmup';

const init = workerData as PoolHostInit;
const board = new LaneBoard(init.laneBoard);
lowerThisThreadPriority();

interface Loaded extends PoolThreadTarget {
  loadedAtMs: number;
}
let loaded: Promise<Loaded> | undefined;
/** Set once `loaded` has resolved, so that calls need not await it. */
let ready: Loaded | undefined;
let warmed: Promise<WarmupResult> | undefined;
/**
 * The CPU clock is read at the start of a call only once this long has passed since its
 * last reading on this thread: a call that starts sooner has no reading, and the engine
 * splits the CPU between two readings evenly over the calls between them (as the loop
 * worker does per batch). Calls of a millisecond or more are each read; a 20 µs call
 * does not pay a ~2 µs read. The same span is the shortest call that gets an end
 * reading with schedstat, which folds a running thread's time in only at scheduler
 * ticks (1-4 ms): the end reading of a shorter call is mostly lag.
 */
const CPU_READING_EVERY_MS = 1;
let lastReadingAt = -Infinity;
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
  if (typeof task === 'number' && ready) return call(ready, task);
  return (loaded ??= load()).then((l): PoolTaskResult | Promise<PoolTaskResult> => {
    ready = l;
    return typeof task === 'number' ? call(l, task) : warm(l, task);
  });
}

async function warm(l: Loaded, task: Exclude<PoolTask, number>): Promise<PoolWarmReply> {
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

function call(l: Loaded, task: number): unknown {
  // The engine enforces the per-call timeout by ending this thread, which the board
  // names while the call runs; no timer here.
  const lane = laneOf(task);
  board.started(lane, threadId);
  const now = performance.now();
  let cpuAtStart = NaN;
  if (now - lastReadingAt >= CPU_READING_EVERY_MS) {
    cpuAtStart = l.clock.now();
    lastReadingAt = now;
  }
  const keep = init.returnResults ? { value: undefined as unknown } : undefined;
  const outcome = callTarget(l.fn, init.args, indexOf(task), Infinity, undefined, keep);
  return outcome instanceof Promise ? outcome.then((o) => reply(l, lane, o, cpuAtStart, keep)) : reply(l, lane, outcome, cpuAtStart, keep);
}

function reply(l: Loaded, lane: number, outcome: TaskOutcome, cpuAtStart: number, keep: { value: unknown } | undefined): unknown {
  // The end reading only serves a thread's last call of a point (every other call is
  // charged up to the next start reading), and on a call shorter than the clock's
  // granularity it reads about the start value anyway (cpuClock.ts): skip it there.
  const lagging = l.clock.source === 'thread-schedstat' && outcome.endMs - outcome.startMs < CPU_READING_EVERY_MS;
  const cpuMs = Number.isNaN(cpuAtStart) || lagging ? NaN : l.clock.now() - cpuAtStart;
  const output = l.capture.take();
  let extra: PoolCallExtra | undefined;
  if (outcome.error) extra = { error: outcome.error };
  if (output) (extra ??= {}).output = output;
  let value: unknown;
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
      value = keep.value;
    } catch (e) {
      // What the user's pool would hit too: postMessage cannot clone functions, symbols, ...
      const info = toErrorInfo(e);
      extra = { ...extra, error: { kind: 'DataCloneError', message: `the result can't be sent back from a worker thread: ${info.message} (use --discard-results if the results are never used)` } };
    }
  }
  board.finished(lane, threadId, outcome.startMs, outcome.endMs, cpuMs, cpuAtStart, extra !== undefined);
  return extra ? ([value, extra] satisfies PoolCallWithExtra) : value;
}
