// What every host of the user's function does before its first call: a worker thread
// (loop worker, queue loop worker) or a child process (process pool, queue children)
// lowers its priority, captures what the function prints, opens its CPU clock, and
// loads the function, telling the engine why when it cannot.
import { parentPort, workerData } from 'node:worker_threads';
import { processCpuClock, threadCpuClock, type CpuClock } from './cpuClock';
import { toErrorInfo, type ErrorInfo } from '../../shared/errorInfo';
import { installOutputCapture, type OutputCapture } from '../../shared/outputCapture';
import { epochNow } from '../../shared/closedLoop';
import type { CpuSource } from '../../shared/report';
import { loadTargetFunction, type HostInit, type UserFunction } from './targetHost';
import { lowerThisThreadPriority } from './userPriority';

/** What a piscina worker holds once it has loaded the bundle: the function, its CPU clock and the output capture. */
export interface PoolThreadTarget {
  fn: UserFunction;
  clock: CpuClock;
  capture: OutputCapture;
}

/** Loads the user's function; when it cannot, hands the reason to `report` and resolves undefined. */
export async function loadTargetOrReport(init: Pick<HostInit, 'bundlePath' | 'functionName'>, report: (error: ErrorInfo) => void): Promise<UserFunction | undefined> {
  try {
    return await loadTargetFunction(init.bundlePath, init.functionName);
  } catch (e) {
    report(toErrorInfo(e));
    return undefined;
  }
}

/** A worker thread that hosts the function: its init, a typed post to the engine, its output and its CPU clock. */
export function threadHost<M>(): { init: HostInit; port: NonNullable<typeof parentPort>; post: (m: M) => void; capture: OutputCapture; clock: CpuClock } {
  const init = workerData as HostInit;
  lowerThisThreadPriority();
  const port = parentPort!;
  return { init, port, post: (m: M) => port.postMessage(m), capture: installOutputCapture(init.maxOutputBytes), clock: threadCpuClock() };
}

/**
 * A child process that hosts the function. The engine starts it detached (its own
 * process group); if the engine goes away (even by SIGKILL), the IPC channel closes and
 * the child takes its whole group down, so nothing the user started outlives the profile.
 */
export function childHost<M>(): { send: (m: M) => void; clock: CpuClock } {
  lowerThisThreadPriority();
  process.on('disconnect', () => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  });
  return { send: (m: M) => void process.send?.(m), clock: processCpuClock() };
}

/**
 * A child's answer to its init message: capture output, load the function, then say
 * 'ready' (or 'loadError'). `onLoaded` runs before 'ready' is sent, so the first call
 * always finds the function in place.
 */
export async function loadInChild(
  init: HostInit,
  clock: CpuClock,
  send: (m: { type: 'ready'; cpuSource: CpuSource } | { type: 'loadError'; error: ErrorInfo }) => void,
  onLoaded: (fn: UserFunction, capture: OutputCapture) => void,
): Promise<void> {
  const capture = installOutputCapture(init.maxOutputBytes);
  const fn = await loadTargetOrReport(init, (error) => send({ type: 'loadError', error }));
  if (!fn) return;
  onLoaded(fn, capture);
  send({ type: 'ready', cpuSource: clock.source });
}

/** Resolves once the event loop has had one turn (setImmediate): timers, I/O and V8's own tasks run. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A loop of synchronous calls never returns to the event loop on its own: every
 * `everyMs`, this lets the user's timers and pending I/O run. Returns undefined (no
 * promise, no await) when no yield is due.
 */
export function eventLoopYielder(everyMs: number): () => Promise<void> | undefined {
  let last = epochNow();
  const yielded = () => {
    last = epochNow();
  };
  return () => (epochNow() - last > everyMs ? nextTurn().then(yielded) : undefined);
}
