// Bare, warmed reference pools for real-library functions (JS): a piscina pool, a
// fork+IPC pool and, for I/O checks, K calls in flight on this thread. Each worker makes
// ~10 calls before the window opens, so the JIT has optimised the function's hot paths:
// this is the pool a user who keeps one alive for their service would see. Every call's
// result comes back to the caller (structured clone or IPC), as in a real pool.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { bareClosedLoop } from './closedLoop.mjs';
import { forkLanes } from './forkLanes.mjs';

const require = createRequire(import.meta.url);
const fixtureFile = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const distDir = fileURLToPath(new URL('../dist/fixtures/', import.meta.url));
export const WARM_CALLS = 10;

/**
 * A URL that import() can load: .js/.mjs/.cjs as they are, TypeScript transpiled by
 * esbuild into bench/dist/fixtures (packages stay external and resolve from the repo's
 * node_modules, as the engine's own bundle resolves them).
 */
export async function importableUrl(file) {
  if (!/\.(c|m)?tsx?$/.test(file)) return pathToFileURL(file).href;
  mkdirSync(distDir, { recursive: true });
  const outfile = `${distDir}${basename(file, extname(file))}.mjs`;
  await esbuild.build({ entryPoints: [file], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'silent' });
  return pathToFileURL(outfile).href;
}

/** "$i" in args becomes the task index, as the engine does. */
export const argsFor = (args, i) => args.map((a) => (a === '$i' ? i : a));

/** Each lane makes `calls` calls, so every worker of a K-pool has run warm-up calls. */
async function warm(k, call) {
  await Promise.all(Array.from({ length: k }, async (_, lane) => {
    for (let c = 0; c < WARM_CALLS; c++) await call(-1 - c, lane);
  }));
}

/** Warms every lane of a k-pool, then measures one point on it; the pool is closed whatever happens. */
async function warmedPoint(k, plan, call, close) {
  try {
    await warm(k, call);
    return await bareClosedLoop({ ...plan, concurrency: k }, call);
  } finally {
    await close();
  }
}

/**
 * A piscina pool of exactly k threads: its per-call function, its close, and `loop(ms)`,
 * which has one thread call the function back to back for `ms` and resolves to its calls
 * per second (the sequential reference: a plain loop, no result cloned per call).
 * `atomics`: piscina's option; the pools keep its default, as a user's pool would.
 */
function piscinaLanes(k, target, atomics) {
  const { Piscina } = require('piscina');
  const pool = new Piscina({ filename: fixtureFile('bareRealWorker.mjs'), minThreads: k, maxThreads: k, idleTimeout: 60_000, concurrentTasksPerWorker: 1, ...(atomics ? { atomics } : {}) });
  // k lanes over k threads: with one task in flight per lane, piscina keeps each thread busy.
  return {
    call: (i) => pool.run({ url: target.url, fn: target.fn, args: argsFor(target.args, i) }),
    loop: async (ms) => {
      const r = await pool.run({ url: target.url, fn: target.fn, args: target.args, loopMs: ms });
      return (r.calls * 1000) / r.ms;
    },
    close: () => pool.destroy(),
  };
}

/** k forked children, one call in flight per child, V8 serialization over Node's IPC channel. */
function forkedLanes(k, target) {
  const lanes = forkLanes(k, fixtureFile('bareRealChild.mjs'), { serialization: 'advanced' });
  return { call: (i, lane) => lanes.call(lane, { url: target.url, fn: target.fn, args: argsFor(target.args, i) }), close: lanes.close };
}

/** A warmed piscina pool of exactly k threads; `plan` as bareClosedLoop's. */
export async function piscinaReal(k, target, plan) {
  const { call, close } = piscinaLanes(k, target);
  return warmedPoint(k, plan, call, close);
}

/** k forked children, warmed, one call in flight per child. */
export async function forkReal(k, target, plan) {
  const { call, close } = forkedLanes(k, target);
  return warmedPoint(k, plan, call, close);
}

/**
 * Bare speedups measured in alternation: one warm thread calling back to back in a plain
 * loop (the sequential reference, as the profiler's sequential run), and a warmed piscina
 * pool and fork pool at the K's asked for, all open at once (an idle pool costs no CPU).
 * Windows run sequential, pool, sequential, other pool, sequential, ..., the pools' order
 * reversed each round, and each pool window divides by the mean of the two sequential
 * windows around it. This machine's speed drifts by up to 20% within seconds: one
 * sequential window before the pools and one after put a bare pool at 2.2× on 2 cores.
 * `pools`: { thread?: k, process?: k }; `processFirst` starts with the fork pool.
 * Returns { thread?: speedup, process?: speedup, ratios: { thread?: number[], process?: number[] } }.
 */
export async function interleavedReal(target, pools, { windowMs, rounds, processFirst = false }) {
  // The sequential reference's thread runs without piscina's Atomics.wait between tasks
  // ('disabled'). With the default ('sync'), marked's plain loop ran at 40-46 ms a call
  // where the same loop with 'async' or 'disabled', or the profiler's sequential run, took
  // 25-37 ms, interleaved in one process: a slow reference that put a bare 2-process
  // pool at 2.10x on 2 cores. A user's own sequential loop has no pool library around it.
  const open = [['seq', 1, piscinaLanes(1, target, 'disabled')]];
  if (pools.thread) open.push(['thread', pools.thread, piscinaLanes(pools.thread, target)]);
  if (pools.process) open.push(['process', pools.process, forkedLanes(pools.process, target)]);
  try {
    for (const [, k, lanes] of open) await warm(k, lanes.call);
    // The sequential window is a plain loop inside the warm thread; pools run the closed loop.
    const window = async ([ex, k, lanes]) => (ex === 'seq' ? lanes.loop(windowMs) : throughput(await bareClosedLoop({ durationMs: windowMs, warmupMs: 0, concurrency: k }, lanes.call)));
    const [seq, ...measured] = open;
    if (processFirst) measured.reverse();
    const ratios = Object.fromEntries(measured.map(([ex]) => [ex, []]));
    let before = await window(seq);
    for (let r = 0; r < rounds; r++) {
      for (const pool of r % 2 === 0 ? measured : [...measured].reverse()) {
        const tp = await window(pool);
        const after = await window(seq);
        ratios[pool[0]].push(tp / ((before + after) / 2));
        before = after;
      }
    }
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { ...Object.fromEntries(Object.entries(ratios).map(([ex, xs]) => [ex, mean(xs)])), ratios };
  } finally {
    await Promise.all(open.map(([, , lanes]) => lanes.close()));
  }
}

/** k calls in flight on this thread (k = 1: plain sequential calls), after warm-up calls. */
export async function inlineReal(k, target, plan) {
  const mod = await import(target.url);
  const f = mod[target.fn] ?? mod.default?.[target.fn];
  if (typeof f !== 'function') throw new Error(`${target.url} has no export ${target.fn}`);
  const call = async (i) => f(...argsFor(target.args, i));
  await warm(1, call);
  return bareClosedLoop({ ...plan, concurrency: k }, call);
}

/** Calls per second over the counted window of a bareClosedLoop result. */
export function throughput(s) {
  const n = s.taskEndMs.length;
  return n > 0 && s.endMs > s.startMs ? (n * 1000) / (s.endMs - s.startMs) : NaN;
}
