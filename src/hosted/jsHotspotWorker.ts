// Worker thread for the hot-spot pass: loads the user's bundle, warms the function up,
// starts V8's sampling profiler on this thread through node:inspector, calls the
// function back to back for a short window, and posts the raw profile to the engine,
// which maps it to the user's lines (src/engine/hotspots/hotspotsV8.ts). Nothing
// measured here is counted in the report.
import { Session } from 'node:inspector/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { epochNow } from '../shared/closedLoop';
import { settleCpuClock, threadCpuClock } from './lib/cpuClock';
import type { ErrorInfo } from '../shared/errorInfo';
import { installOutputCapture } from '../shared/outputCapture';
import { callTarget, type HostInit } from './lib/targetHost';
import { eventLoopYielder, loadTargetOrReport } from './lib/hostSetup';
import { lowerThisThreadPriority } from './lib/userPriority';
import { warmUp } from './lib/warmup';
import type { WarmupResult } from '../shared/warmup';
import type { HotspotWorkerInit, HotspotWorkerMessage, V8CpuProfile } from '../shared/hotspotsProtocol';

const YIELD_MS = 50;

const init = workerData as HostInit & HotspotWorkerInit;
lowerThisThreadPriority();
const port = parentPort!;
const post = (m: HotspotWorkerMessage) => port.postMessage(m);
// What the function prints during the pass is not the report's business; keep it off our stdout.
installOutputCapture(0);

async function main(): Promise<void> {
  const fn = await loadTargetOrReport(init, (error) => post({ type: 'failed', error }));
  if (!fn) return;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: init.samplingIntervalUs });
  // The profiler runs through the warm-up, and the warm-up's samples are dropped after:
  // Node 24's V8 charges a function inlined by code optimised before Profiler.start to
  // its caller (a busy loop inlined into the user's function vanished), even when that
  // code was optimised under an earlier profiler session, stopped since.
  await session.post('Profiler.start');
  let warmup: WarmupResult | undefined;
  let warmEndUs: number | undefined;
  if (init.warmup && init.warmup.maxCalls > 0) {
    warmup = await warmUp(fn, init.args, init.warmup, init.callTimeoutMs);
    warmEndUs = monotonicUs();
  }
  const clock = threadCpuClock();
  const cpu0 = clock.now();
  const queued0 = clock.runQueueNow?.();
  const t0 = epochNow();
  let calls = 0;
  let failures = 0;
  let firstError: ErrorInfo | undefined;
  const yieldDue = eventLoopYielder(YIELD_MS);
  while (calls === 0 || (epochNow() - t0 < init.durationMs && calls < init.maxCalls)) {
    const outcome = await callTarget(fn, init.args, init.taskIndexStart + calls, init.callTimeoutMs);
    calls++;
    if (!outcome.ok) {
      failures++;
      firstError ??= outcome.error;
      // A function that only fails profiles its failure path; stop early, say so.
      if (failures >= 20 && failures === calls) break;
    }
    // Let the user's timers and pending I/O run now and then, as the loop worker does.
    const yielding = yieldDue();
    if (yielding) await yielding;
  }
  const wallMs = epochNow() - t0;
  settleCpuClock(clock);
  // Only a per-thread clock says what these calls cost; the fallbacks measure something else.
  const cpuMs = clock.source === 'process.threadCpuUsage' || clock.source === 'thread-schedstat' ? clock.now() - cpu0 : undefined;
  const queued1 = clock.runQueueNow?.();
  const runQueueMs = queued0 !== undefined && queued1 !== undefined ? queued1 - queued0 : undefined;
  const { profile: whole } = await session.post('Profiler.stop');
  session.disconnect();
  const profile = warmEndUs === undefined ? whole : samplesFrom(whole as V8CpuProfile, warmEndUs);
  post({ type: 'profile', profile, calls, failures, wallMs, ...(cpuMs !== undefined ? { cpuMs } : {}), ...(runQueueMs !== undefined ? { runQueueMs } : {}), ...(firstError ? { firstError } : {}), ...(warmup ? { warmup } : {}) });
}

/** V8's profile timestamps are CLOCK_MONOTONIC microseconds, as process.hrtime is. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The profile from `fromUs` on: its samples and their time deltas. Per-line ticks
 * (positionTicks) are the session's totals and keep the warm-up's share; a function's
 * share, which ranks the hot spots, is its samples' and so the steady calls' alone.
 */
function samplesFrom(p: V8CpuProfile, fromUs: number): V8CpuProfile {
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  if (deltas.length !== samples.length) return p;
  let t = p.startTime;
  let first = samples.length;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i];
    if (t >= fromUs) {
      first = i;
      break;
    }
  }
  const kept = deltas.slice(first);
  if (kept.length) kept[0] = t - fromUs;
  return { ...p, startTime: fromUs, samples: samples.slice(first), timeDeltas: kept };
}

void main();
