// One queue-mode call, in whatever thread or process hosts the user's function: call it
// with the item, then collect the new items it returned (an array, any iterable such as
// a generator, or an async iterable). The found items must be JSON: they cross threads
// and processes and are compared as JSON for dedupe, so anything else is the call's error.
import { epochNow } from '../../../shared/closedLoop';
import type { CpuClock } from '../cpuClock';
import { toErrorInfo } from '../../../shared/errorInfo';
import { timeoutMessage, type UserFunction } from '../targetHost';
import { canonicalKey } from '../../../shared/queue/frontier';
import type { ItemTaskResult } from '../../../shared/queue/queueTypes';

class CallTimeout {}

async function drainAsync(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function collectSync(result: unknown): unknown[] {
  if (result === undefined || result === null) return [];
  if (Array.isArray(result)) return result;
  if (typeof result === 'object' && typeof (result as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') return [...(result as Iterable<unknown>)];
  throw new TypeError(`in queue mode the function must return the new items it found (an array, a generator or an async iterable), not ${typeof result}`);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new CallTimeout()), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * One call. A function that returns its items directly (not a promise or an async
 * iterable) is settled synchronously, in the same tick as the call: the in-loop queue
 * reports the end before any other lane runs, so a lane that kills the thread can never
 * take an already finished item down with it.
 */
export function callItem(fn: UserFunction, item: unknown, timeoutMs: number, clock?: CpuClock): ItemTaskResult | Promise<ItemTaskResult> {
  const cpu0 = clock ? clock.now() : 0;
  const startMs = epochNow();
  const finish = (found: unknown[], e?: unknown, timedOut = false): ItemTaskResult => {
    const endMs = epochNow();
    const cpuMs = clock ? clock.now() - cpu0 : NaN;
    if (e === undefined && !timedOut) {
      const bad = firstNonJson(found);
      if (!bad) return { ok: true, startMs, endMs, cpuMs, found };
      e = bad;
    }
    const error = timedOut ? { kind: 'timeout', message: timeoutMessage(timeoutMs) } : toErrorInfo(e);
    return { ok: false, startMs, endMs, cpuMs, found: [], error };
  };
  let result: unknown;
  try {
    result = fn(item);
    if (!isThenable(result) && !isAsyncIterable(result)) return finish(collectSync(result));
  } catch (e) {
    return finish([], e);
  }
  return withTimeout(
    Promise.resolve(result).then(async (r) => (isAsyncIterable(r) ? drainAsync(r) : collectSync(r))),
    timeoutMs,
  ).then(
    (found) => finish(found),
    (e: unknown) => (e instanceof CallTimeout ? finish([], undefined, true) : finish([], e)),
  );
}

function firstNonJson(found: unknown[]): Error | undefined {
  for (let i = 0; i < found.length; i++) {
    try {
      canonicalKey(found[i]);
    } catch (e) {
      return new TypeError(`found item #${i} is not JSON (${(e as Error).message}); queue items must be JSON values`);
    }
  }
  return undefined;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}
