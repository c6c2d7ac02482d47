// Engine side of the JS/TS hot-spot pass: one fresh worker thread
// (src/hosted/jsHotspotWorker.ts) with the same limits as the measured executors, a
// watchdog for a call that blocks the thread past its timeout, and the fold of V8's
// profile onto the user's lines.
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HotspotRequest, HotspotResult, ExecutorLimits } from '../executorTypes';
import { ms, pct } from '../../shared/format';
import { foldV8Profile } from './hotspotsV8';
import type { HotspotWorkerInit, HotspotWorkerMessage } from '../../shared/hotspotsProtocol';
import { raceAbort } from '../js/abort';
import { workerDeath } from '../js/deaths';
import type { HostInit } from '../../shared/jsProtocol';
import { runtimeFile } from '../paths';
import { isSetupOnly } from '../../shared/warmup';

/** V8 sampling period: 2 kHz gives ~1000 samples in a 500 ms pass (node --cpu-prof uses 1 kHz). */
export const SAMPLING_INTERVAL_US = 500;
/** Time to start the thread, import the bundle and hand the profile back, past the window. */
const SLACK_MS = 5_000;

/** Runs the pass; rejects with a one-line reason when it produced no profile. */
export async function jsHotspots(init: HostInit, limits: ExecutorLimits, req: HotspotRequest, signal: AbortSignal, isAsync: boolean): Promise<HotspotResult> {
  const workerInit: HostInit & HotspotWorkerInit = { ...init, ...req, samplingIntervalUs: SAMPLING_INTERVAL_US };
  const worker = new Worker(runtimeFile('jsHotspotWorker'), {
    workerData: workerInit,
    resourceLimits: { maxOldGenerationSizeMb: limits.memoryLimitMb },
    stdout: true,
    stderr: true,
  });
  // Drain: a full pipe would stall the thread. The pass's output is not reported.
  worker.stdout.resume();
  worker.stderr.resume();
  let timedOut: number | undefined;
  let lastError: Error | undefined;
  const result = new Promise<Extract<HotspotWorkerMessage, { type: 'profile' }>>((resolve, reject) => {
    worker.on('error', (e) => (lastError = e));
    worker.on('message', (m: HotspotWorkerMessage) => {
      if (m.type === 'profile') resolve(m);
      else reject(new Error(`the module did not load: ${m.error.message}`));
    });
    worker.once('exit', (code) => {
      const death = workerDeath({ timedOutAfterMs: timedOut, error: lastError, exitCode: code }, limits.memoryLimitMb);
      reject(new Error(death.message));
    });
  });
  // One call may run to its timeout; the window only decides when no new call starts.
  const limit = req.durationMs + (Number.isFinite(limits.callTimeoutMs) ? limits.callTimeoutMs : 0) + SLACK_MS;
  const watchdog = setTimeout(() => {
    timedOut = limits.callTimeoutMs;
    void worker.terminate();
  }, limit);
  try {
    const m = await raceAbort(result, signal, () => worker.terminate());
    const folded = foldV8Profile(m.profile, init.bundlePath, dirname(runtimeFile('jsHotspotWorker')));
    const setupOnly = !!req.warmup && isSetupOnly(req.warmup);
    return { hotspots: folded.hotspots, calls: m.calls, wallMs: m.wallMs, ...(m.cpuMs !== undefined ? { cpuMs: m.cpuMs } : {}), note: describePass(m, folded, isAsync, setupOnly) };
  } finally {
    clearTimeout(watchdog);
    await worker.terminate();
  }
}

/**
 * The pass's note. `setupOnly`: its warm-up rule was one call for a call that mostly
 * waits (warmup.isSetupOnly), which is never "steady", and whose wait V8 has nothing to
 * optimise: a 270 ms call that waited on a child process had read "part of these
 * samples may be V8 still optimising the function".
 */
export function describePass(
  m: Extract<HotspotWorkerMessage, { type: 'profile' }>,
  folded: ReturnType<typeof foldV8Profile>,
  isAsync: boolean,
  setupOnly = false,
): string {
  const parts = [
    `V8 sampling profiler, ${m.calls} call${m.calls === 1 ? '' : 's'} in ${Math.round(m.wallMs)} ms, ${folded.samples} samples every ${SAMPLING_INTERVAL_US} µs, in a separate pass that no measured point includes.`,
  ];
  const w = m.warmup;
  if (w && w.calls > 0 && !w.failed) {
    // steadyCallMs is the median of the last few calls: only worth a figure of its own past the first ones.
    const times = w.firstCallMs == null ? '' : w.calls >= 3 && w.steadyCallMs != null ? ` (the first took ${ms(w.firstCallMs)}, the last few ${ms(w.steadyCallMs)})` : ` (the first took ${ms(w.firstCallMs)})`;
    parts.push(
      setupOnly && w.calls === 1
        ? `The thread made 1 unprofiled call first${w.firstCallMs == null ? '' : ` (${ms(w.firstCallMs)})`}, for the function's one-time setup: the call mostly waits, and its wait has nothing to warm.`
        : w.steady
        ? `The thread warmed up first with ${w.calls} unprofiled call${w.calls === 1 ? '' : 's'}${times}, so these are a steady call's hot spots.`
        : `The thread warmed up with ${w.calls} unprofiled call${w.calls === 1 ? '' : 's'}${times} and its call time had not settled when the pass's time for warming up ran out: part of these samples may be V8 still optimising the function. A longer budget gives it more time.`,
    );
  }
  if (m.failures) parts.push(`${m.failures} of the calls failed${m.firstError ? ` (${m.firstError.message.split('\n')[0].slice(0, 120)})` : ''}.`);
  const busy = folded.samples - folded.idleSamples;
  if (folded.samples > 0 && busy / folded.samples < 0.95) {
    parts.push(`The thread was idle ${pct(folded.idleSamples / folded.samples)} of the pass, waiting (await, I/O, timers); shares are of the busy time.`);
  }
  if (isAsync) {
    parts.push('Await sites are not shown: a V8 CPU profile records only where code ran, not which await a call was waiting at, and tracking every promise would slow the calls down too much.');
  }
  // Busy but neither on a CPU nor waiting for one: blocked in a synchronous call. Only
  // with schedstat's run-queue time can that be told from a busy machine's queueing.
  if (m.cpuMs !== undefined && m.runQueueMs !== undefined && m.wallMs > 0 && folded.samples > 0) {
    const blocked = (m.wallMs * busy) / folded.samples - m.cpuMs - m.runQueueMs;
    if (blocked / m.wallMs >= 0.15) {
      parts.push(`The thread was blocked in synchronous calls (Atomics.wait, *Sync I/O, execSync…) about ${pct(blocked / m.wallMs)} of the pass; that time counts for the function that made the call.`);
    }
  }
  if (busy > 0 && folded.gcSamples / busy >= 0.05) parts.push(`Garbage collection took ${pct(folded.gcSamples / busy)} of the busy time.`);
  if (busy > 0 && folded.hotspots.length === 0) parts.push('No function of the user reached 1% of the samples.');
  return parts.join(' ');
}
