// Warm-up inside a worker thread or child, before its calls count. A fresh V8 isolate
// runs the user's code interpreted, then baseline-compiled, and only later optimised;
// allocation-heavy code also pays for growing a young heap. Measured cold, a 30 ms
// parser call can read 2-3x slower on a new thread than on a warm one, which made
// pools look worse than the user's own (long-lived) pool would be. So every new worker
// calls the function until its call time is steady, within the caps of the policy.
//
// A child process's warm-up gives the event loop a turn before each call (`turn`), as
// its counted calls get one: each arrives as an IPC message. V8 runs part of its
// upkeep as tasks on that loop (GC jobs, heap sizing); warmed by calls back to back,
// marked's child processes then ran at 0.91 of a bare fork pool warmed through its
// messages, against 0.97 with a turn per call (9 alternating pairs of warm 2-child
// pools in one process), and in 6 s profiles they had ended warm-up at 71-82 ms a call
// (warm: 25) against 26-32. Worker threads warm up back to back: given the same turns,
// marked's threads ended warm-up slower (33-96 ms against 23-37) and threads x2 read
// 1.36x on average in nine 6 s profiles, against 1.63x in six without; why is open.
//
// V8's code space is read after each call (v8.getHeapCodeStatistics, 2-3 µs, this
// isolate's own): a call that added much machine code ran while V8 was still compiling
// or recompiling the function (shared/warmup.ts COMPILING_KB), and warm-up goes on, past
// its time cap up to compilingMaxMs when the policy gives one.
import { getHeapCodeStatistics } from 'node:v8';
import type { WarmupPolicy } from '../../shared/report';
import { epochNow } from '../../shared/closedLoop';
import { isSteady, steadyTime, stillCompiling, warmupDone, type WarmupResult } from '../../shared/warmup';
import { callTarget, type UserFunction } from './targetHost';

/** `turn`, when given, is awaited before each warm-up call (a child passes hostSetup's nextTurn). */
export async function warmUp(fn: UserFunction, args: unknown[], policy: WarmupPolicy, timeoutMs: number, turn?: () => Promise<void>): Promise<WarmupResult> {
  const times: number[] = [];
  const compiledKb: number[] = [];
  const t0 = epochNow();
  let capFrom = t0;
  let failed = false;
  // Warm-up calls reuse the probe's index (0), so "$i" never hands them real task numbers.
  while (times.length < policy.maxCalls) {
    if (turn) await turn();
    const code0 = codeBytes();
    const o = await callTarget(fn, args, 0, timeoutMs);
    if (!o.ok) {
      failed = true;
      break;
    }
    times.push(o.endMs - o.startMs);
    compiledKb.push(Math.round((codeBytes() - code0) / 1024));
    if (policy.capAfterFirstCall && times.length === 1) capFrom = epochNow();
    if (warmupDone(times, policy, compiledKb)) break;
    // The cap on time: no call starts once it has passed (one call always runs), unless
    // V8 is still compiling and the policy allows that longer.
    const cap = policy.compilingMaxMs != null && stillCompiling(compiledKb, policy.steadyCalls) ? Math.max(policy.maxMs, policy.compilingMaxMs) : policy.maxMs;
    if (epochNow() - capFrom >= cap) break;
  }
  const compiling = stillCompiling(compiledKb, policy.steadyCalls);
  return {
    firstCallMs: times.length ? times[0] : null,
    steadyCallMs: steadyTime(times, policy.steadyCalls),
    calls: times.length,
    elapsedMs: epochNow() - t0,
    steady: isSteady(times, policy.steadyCalls, policy.tolerance, policy.steadyBelowMs) && !compiling,
    failed,
    ...(compiling ? { compiling } : {}),
  };
}

/** This isolate's machine code, in bytes (code and its metadata). */
function codeBytes(): number {
  return getHeapCodeStatistics().code_and_metadata_size;
}
