// Warm-up inside a worker thread or child, before its calls count. A fresh V8 isolate
// runs the user's code interpreted, then baseline-compiled, and only later optimised;
// allocation-heavy code also pays for growing a young heap. Measured cold, a 30 ms
// parser call can read 2-3x slower on a new thread than on a warm one, which made
// pools look worse than the user's own (long-lived) pool would be. So every new worker
// calls the function until its call time is steady, within the caps of the policy.
//
// Between calls the warm-up gives the event loop the turns the host's counted calls
// give it (`turn`): a pool's calls each arrive as their own message, so a pool host
// yields after every warm-up call. V8 runs part of its own upkeep (GC finalisation,
// heap sizing) as tasks on that loop; warmed by calls back to back, marked's child
// processes then ran at 0.91 of a bare fork pool warmed through its messages, against
// 0.97 once each warm-up call was its own turn (9 alternating pairs of 2-child pools).
import type { WarmupPolicy } from '../../shared/report';
import { epochNow } from '../../shared/closedLoop';
import { isSteady, steadyTime, warmupDone, type WarmupResult } from '../../shared/warmup';
import { callTarget, type UserFunction } from './targetHost';

/** Resolves once the event loop has had one turn: what a pool host's calls get between them. */
export const everyCallTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `turn` is called before each warm-up call and may return a promise to wait for (an
 * event-loop turn), or undefined to call at once.
 */
export async function warmUp(fn: UserFunction, args: unknown[], policy: WarmupPolicy, timeoutMs: number, turn: () => Promise<void> | undefined): Promise<WarmupResult> {
  const times: number[] = [];
  const t0 = epochNow();
  let failed = false;
  // Warm-up calls reuse the probe's index (0), so "$i" never hands them real task numbers.
  while (times.length < policy.maxCalls) {
    const yielding = turn();
    if (yielding) await yielding;
    const o = await callTarget(fn, args, 0, timeoutMs);
    if (!o.ok) {
      failed = true;
      break;
    }
    times.push(o.endMs - o.startMs);
    if (warmupDone(times, policy)) break;
    // The cap on time: no call starts once it has passed (one call always runs).
    if (epochNow() - t0 >= policy.maxMs) break;
  }
  return {
    firstCallMs: times.length ? times[0] : null,
    steadyCallMs: steadyTime(times, policy.steadyCalls),
    calls: times.length,
    elapsedMs: epochNow() - t0,
    steady: isSteady(times, policy.steadyCalls, policy.tolerance, policy.steadyBelowMs),
    failed,
  };
}
