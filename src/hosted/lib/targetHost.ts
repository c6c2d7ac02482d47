// What the worker and child runtimes share: load the user's bundle once, then call the
// function for one task and time it. Return values are awaited; pools that return them
// ask for the value through `keep` and send it back themselves.
import { pathToFileURL } from 'node:url';
import { substituteIndex } from '../../shared/args';
import { epochNow, type TaskOutcome } from '../../shared/closedLoop';
import type { CpuClock } from './cpuClock';
import { mapUserStacksWith, toErrorInfo } from '../../shared/errorInfo';
import { BundleMap } from '../../shared/bundleSourceMap';

export type UserFunction = (...args: unknown[]) => unknown;

export type { HostInit } from '../../shared/jsProtocol';
import { TARGET_EXPORT, TARGET_OWNER, timeoutMessage } from '../../shared/jsProtocol';

export { TARGET_EXPORT, TARGET_OWNER, timeoutMessage };

export async function loadTargetFunction(bundlePath: string, functionName: string): Promise<UserFunction> {
  // Error stacks name the user's own lines through the bundle's map, read on the first
  // error only; not through Node's source-map support, which slowed allocation-heavy
  // calls on worker threads by half (shared/bundleSourceMap.ts).
  let map: BundleMap | undefined;
  mapUserStacksWith((stack) => (map ??= new BundleMap(bundlePath)).mapStack(stack));
  const mod = (await import(pathToFileURL(bundlePath).href)) as Record<string, unknown>;
  const fromCjs = mod.default as Record<string, unknown> | undefined;
  const exportsOf = fromCjs && (typeof fromCjs === 'object' || typeof fromCjs === 'function') ? fromCjs : undefined;
  const slot = (key: string): { found: boolean; value: unknown } =>
    key in mod ? { found: true, value: mod[key] } : exportsOf && key in exportsOf ? { found: true, value: exportsOf[key] } : { found: false, value: undefined };
  const owner = slot(TARGET_OWNER);
  if (owner.found) return memberOf(owner.value, functionName);
  const fn = slot(TARGET_EXPORT).value;
  if (typeof fn !== 'function') {
    throw new TypeError(`"${functionName}" is not a function when the module runs (it is ${describe(fn)})`);
  }
  return fn as UserFunction;
}

/** owner[key], called with `this` = owner, as `api.get(x)` or `Parser.parse(x)` would be. */
function memberOf(owner: unknown, functionName: string): UserFunction {
  const key = functionName.slice(functionName.lastIndexOf('.') + 1);
  if (owner === null || (typeof owner !== 'object' && typeof owner !== 'function')) {
    throw new TypeError(`"${functionName}": the object holding it is ${describe(owner)} when the module runs`);
  }
  const fn = (owner as Record<string, unknown>)[key];
  if (typeof fn !== 'function') {
    throw new TypeError(`"${functionName}" is not a function when the module runs (it is ${describe(fn)})`);
  }
  return (fn as UserFunction).bind(owner);
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v;
}


function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * One call. `clock` measures CPU around it (omit it where CPU is attributed per batch).
 * A promise still pending after timeoutMs counts as a timeout; a call that blocks the
 * thread is the caller's watchdog's job, since no timer can fire here then. A function
 * that returns a plain value is settled in the same tick, with no promise: on a 20 µs
 * call a promise hop is a visible share of what a pool's dispatch costs.
 */
export function callTarget(
  fn: UserFunction,
  args: unknown[],
  index: number,
  timeoutMs: number,
  clock?: CpuClock,
  keep?: { value?: unknown },
): TaskOutcome | Promise<TaskOutcome> {
  const callArgs = substituteIndex(args, index);
  const cpu0 = clock ? clock.now() : 0;
  const startMs = epochNow();
  const settle = (failed: boolean, error?: unknown): TaskOutcome => {
    const endMs = epochNow();
    const cpuMs = clock ? clock.now() - cpu0 : NaN;
    if (!failed) return { ok: true, startMs, endMs, cpuMs };
    if (error instanceof CallTimeout) return { ok: false, startMs, endMs, cpuMs, error: { kind: 'timeout', message: timeoutMessage(timeoutMs) } };
    return { ok: false, startMs, endMs, cpuMs, error: toErrorInfo(error) };
  };
  let r: unknown;
  try {
    r = fn(...callArgs);
  } catch (e) {
    return settle(true, e);
  }
  if (!isThenable(r)) {
    if (keep) keep.value = r;
    return settle(false);
  }
  return withTimeout(r, timeoutMs).then(
    (v) => {
      if (keep) keep.value = v;
      return settle(false);
    },
    (e: unknown) => settle(true, e),
  );
}

class CallTimeout {}

function withTimeout(p: PromiseLike<unknown>, ms: number): Promise<unknown> {
  if (!Number.isFinite(ms)) return Promise.resolve(p);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new CallTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
