// Worker-thread runtime for the sequential and async executors and the probe. The
// closed loop runs here, next to the function, so a 20 µs call is not charged a
// thread hop per call. Samples stream back in batches (~every 100 ms) so that a call
// which blocks this thread, or kills it, loses at most the last unsent batch.
//
// CPU per task: read the thread's CPU clock once per batch and split it evenly over the
// calls that completed in the batch. For calls longer than the batch period that is one
// call per batch (exact); for tiny calls it costs nothing per call. In async mode the
// calls overlap on one thread, so an even split is the only honest attribution anyway.
import { performance } from 'node:perf_hooks';
import { epochNow, newProgress, runClosedLoop, type LoopProgress, type TaskOutcome } from '../shared/closedLoop';
import { settleCpuClock } from './lib/cpuClock';
import { ErrorTally } from '../shared/errorInfo';
import type { LoopWorkerMessage, LoopWorkerRequest } from '../shared/jsProtocol';
import { callTarget, type UserFunction } from './lib/targetHost';
import { eventLoopYielder, loadTargetOrReport, threadHost } from './lib/hostSetup';
import { warmUp } from './lib/warmup';

const BATCH_MS = 100;
const YIELD_MS = 50;

const { init, port, post, capture, clock } = threadHost<LoopWorkerMessage>();
let flushOnExit: (() => void) | undefined;
process.on('exit', () => flushOnExit?.());

async function main(): Promise<void> {
  const fn = await loadTargetOrReport(init, (error) => post({ type: 'loadError', error }));
  if (!fn) return;
  port.on('message', (req: LoopWorkerRequest) => {
    if (req.type === 'probe') void probe(fn, req.index);
    else if (req.type === 'warm') void warmUp(fn, init.args, req.policy, init.callTimeoutMs).then((warmup) => post({ type: 'warmed', warmup, output: capture.take() }));
    else void run(fn, req);
  });
  post({ type: 'ready', cpuSource: clock.source });
}

async function probe(fn: UserFunction, index: number): Promise<void> {
  const cpu0 = clock.now();
  const outcome = await callTarget(fn, init.args, index, init.callTimeoutMs);
  settleCpuClock(clock);
  outcome.cpuMs = clock.now() - cpu0;
  post({ type: 'probe', outcome, cpuSource: clock.source, output: capture.take() });
}

async function run(fn: UserFunction, req: Extract<LoopWorkerRequest, { type: 'run' }>): Promise<void> {
  // Int32 + Atomics: a Float64 written here and read on the engine thread can tear.
  const lanes = new Int32Array(req.lanes);
  const base = req.plan.originMs;
  const elu0 = performance.eventLoopUtilization();
  let batch: { outcome: TaskOutcome; counted: boolean }[] = [];
  let tally = new ErrorTally();
  let lastFlush = epochNow();
  const yieldDue = eventLoopYielder(YIELD_MS);
  let cpuAtFlush = clock.now();
  let runQueueAtFlush = clock.runQueueNow?.() ?? 0;

  const live = newProgress(req.plan.firstIndex);
  const flush = (progress: Readonly<LoopProgress>, atExit = false) => {
    const cpuNow = clock.now();
    const share = batch.length ? (cpuNow - cpuAtFlush) / batch.length : 0;
    cpuAtFlush = cpuNow;
    const runQueueNow = clock.runQueueNow?.();
    const rqShare = runQueueNow !== undefined && batch.length ? (runQueueNow - runQueueAtFlush) / batch.length : undefined;
    if (runQueueNow !== undefined) runQueueAtFlush = runQueueNow;
    post({
      type: 'batch',
      startMs: batch.map((b) => b.outcome.startMs),
      endMs: batch.map((b) => b.outcome.endMs),
      cpuMs: batch.map(() => share),
      ...(rqShare !== undefined ? { runQueueMs: batch.map(() => rqShare) } : {}),
      ok: batch.map((b) => b.outcome.ok),
      counted: batch.map((b) => b.counted),
      errors: tally.samples(),
      output: capture.take(),
      progress: { ...progress },
      atExit,
    });
    batch = [];
    tally = new ErrorTally();
    lastFlush = epochNow();
  };

  // process.exit() from user code ends this thread, but 'exit' listeners still run
  // and their messages still arrive: send what completed instead of losing it.
  flushOnExit = () => flush(live, true);
  const progress = await runClosedLoop(
    req.plan,
    async (index, lane) => {
      Atomics.store(lanes, lane, Math.floor(epochNow() - base) + 1);
      const outcome = await callTarget(fn, init.args, index, init.callTimeoutMs);
      Atomics.store(lanes, lane, 0);
      return outcome;
    },
    (outcome, _index, counted) => {
      batch.push({ outcome, counted });
      if (outcome.error) tally.add(outcome.error);
      if (outcome.endMs - lastFlush >= BATCH_MS) flush(live);
    },
    // A loop of synchronous calls never returns to the event loop on its own; let
    // timers and pending I/O of the user's code run now and then.
    { progress: live, pace: yieldDue },
  );
  flushOnExit = undefined;
  flush(progress);
  post({ type: 'done', progress, eventLoopUtilization: performance.eventLoopUtilization(elu0).utilization });
}

void main();
