// One queue-mode call, in whatever thread or process hosts the user's function: call it
// with the item, then collect the new items it returned (an array, any iterable such as
// a generator, or an async iterable). The found items must be JSON: they cross threads
// and processes and are compared as JSON for dedupe, so anything else is the call's error.
import { epochNow } from '../js/closedLoop';
import type { CpuClock } from '../js/cpuClock';
import { toErrorInfo } from '../js/errorInfo';
import { timeoutMessage, type UserFunction } from '../js/targetHost';
import { canonicalKey } from './frontier';
import type { ItemTaskResult } from './queueTypes';

class CallTimeout {}

async function collect(result: unknown): Promise<unknown[]> {
  if (result === undefined || result === null) return [];
  if (Array.isArray(result)) return result;
  if (typeof result === 'object' || typeof result === 'function') {
    const r = result as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown };
    if (typeof r[Symbol.asyncIterator] === 'function') {
      const out: unknown[] = [];
      for await (const x of result as AsyncIterable<unknown>) out.push(x);
      return out;
    }
    if (typeof r[Symbol.iterator] === 'function' && typeof result !== 'string') return [...(result as Iterable<unknown>)];
  }
  throw new TypeError(`in queue mode the function must return the new items it found (an array, a generator or an async iterable), not ${typeof result}`);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new CallTimeout()), ms)))]).finally(() => clearTimeout(timer));
}

export async function callItem(fn: UserFunction, item: unknown, timeoutMs: number, clock?: CpuClock): Promise<ItemTaskResult> {
  const cpu0 = clock ? clock.now() : 0;
  const startMs = epochNow();
  let found: unknown[] = [];
  let error: ItemTaskResult['error'];
  try {
    found = await withTimeout(Promise.resolve().then(async () => collect(await fn(item))), timeoutMs);
    for (let i = 0; i < found.length; i++) {
      try {
        canonicalKey(found[i]);
      } catch (e) {
        throw new TypeError(`found item #${i} is not JSON (${(e as Error).message}); queue items must be JSON values`);
      }
    }
  } catch (e) {
    found = [];
    error = e instanceof CallTimeout ? { kind: 'timeout', message: timeoutMessage(timeoutMs) } : toErrorInfo(e);
  }
  const endMs = epochNow();
  const cpuMs = clock ? clock.now() - cpu0 : NaN;
  return error ? { ok: false, startMs, endMs, cpuMs, found, error } : { ok: true, startMs, endMs, cpuMs, found };
}
