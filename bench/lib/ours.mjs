// Drives the engine's own executors point by point, the way profile() does, so a
// figure isolates one executor with all its measurement on.
import { fileURLToPath } from 'node:url';

export const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** `engine` is a loaded bench/src entry: its runtime factory and the engine's DEFAULTS. */
export async function withRuntime(engine, opts, fn) {
  const create = engine.createJsRuntime ?? engine.createPythonRuntime;
  const { callTimeoutMs, memoryLimitMb, maxOutputBytes } = engine.DEFAULTS;
  const rt = await create(opts, { callTimeoutMs, memoryLimitMb, maxOutputBytes });
  try {
    return await fn(rt);
  } finally {
    await rt.dispose();
  }
}

/** One point on a fresh executor (a fresh pool, as the bare reference gets). */
export async function oursPoint(rt, kind, req) {
  const ex = rt.createExecutor(kind);
  try {
    const s = await ex.runPoint({
      taskIndexStart: 0,
      maxErrors: 10,
      minTasks: req.concurrency,
      signal: new AbortController().signal,
      ...req,
    });
    const failed = s.taskOk.filter((ok) => !ok).length;
    if (failed || s.errors.length) {
      const e = s.errors[0];
      throw new Error(`${kind} × ${req.concurrency}: ${failed} task(s) failed${e ? `: ${e.kind}: ${e.message}` : ''}`);
    }
    if (!s.taskEndMs.length) throw new Error(`${kind} × ${req.concurrency}: no task completed in the window`);
    return s;
  } finally {
    await ex.dispose();
  }
}

/**
 * Runs ours() and bare() one after the other, swapping the order on odd repetitions so
 * that a drift in the machine's load does not always favour the same side.
 */
export async function alternate(i, ours, bare) {
  if (i % 2 === 0) {
    const o = await ours();
    return [o, await bare()];
  }
  const b = await bare();
  return [await ours(), b];
}
