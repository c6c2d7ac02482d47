// The hot-spot pass itself, on whatever thread has the user's function loaded: V8's
// sampling profiler on this thread through node:inspector, the function called back to
// back for a short window, and the raw profile handed back. Two hosts run it: a fresh
// thread (jsHotspotWorker.ts), and the sequential executor's thread once the ladder is
// done (jsLoopWorker.ts), whose code is loaded and warm, so the pass costs only its
// window and profiles the code the measured points ran.
import { Session } from 'node:inspector/promises';
import { epochNow } from '../../shared/closedLoop';
import type { ErrorInfo } from '../../shared/errorInfo';
import type { HotspotPassResult, HotspotWorkerInit } from '../../shared/hotspotsProtocol';
import { settleCpuClock, type CpuClock } from './cpuClock';
import { callTarget, type UserFunction } from './targetHost';
import { eventLoopYielder } from './hostSetup';

const YIELD_MS = 50;
/** A function that only fails profiles its failure path; stop early, say so. */
const MAX_FAILURES = 20;

export async function runHotspotPass(fn: UserFunction, args: unknown[], callTimeoutMs: number, pass: HotspotWorkerInit, clock: CpuClock): Promise<HotspotPassResult> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: pass.samplingIntervalUs });
    await session.post('Profiler.start');
    const cpu0 = clock.now();
    const queued0 = clock.runQueueNow?.();
    const t0 = epochNow();
    let calls = 0;
    let failures = 0;
    let firstError: ErrorInfo | undefined;
    const yieldDue = eventLoopYielder(YIELD_MS);
    while (calls === 0 || (epochNow() - t0 < pass.durationMs && calls < pass.maxCalls)) {
      const outcome = await callTarget(fn, args, pass.taskIndexStart + calls, callTimeoutMs);
      calls++;
      if (!outcome.ok) {
        failures++;
        firstError ??= outcome.error;
        if (failures >= MAX_FAILURES && failures === calls) break;
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
    const { profile } = await session.post('Profiler.stop');
    return { profile, calls, failures, wallMs, ...(cpuMs !== undefined ? { cpuMs } : {}), ...(runQueueMs !== undefined ? { runQueueMs } : {}), ...(firstError ? { firstError } : {}) };
  } finally {
    // Profiler.disable too: the thread goes on to run measured points.
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
