// The raw pools our executors are compared with: a bare piscina pool and a minimal
// fork+IPC process pool, both driven by the same closed loop as the engine's executors.
// A pool is opened once and can run many points (windows), so the dispatch section can
// interleave ours and the bare pool round after round on warm workers.
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { bareClosedLoop } from './closedLoop.mjs';
import { forkLanes } from './forkLanes.mjs';

const require = createRequire(import.meta.url);
const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A piscina pool of exactly k threads, all started (and each run twice) before it is returned. */
export async function openBarePiscina(k) {
  const { Piscina } = require('piscina');
  const pool = new Piscina({ filename: fixture('bareWorker.js'), minThreads: k, maxThreads: k, idleTimeout: 60_000 });
  await Promise.all(Array.from({ length: k * 2 }, () => pool.run({ fn: 'empty' })));
  return {
    point: (task, plan) => bareClosedLoop({ ...plan, concurrency: k }, () => pool.run(task)),
    close: () => pool.destroy(),
  };
}

/**
 * k forked children, one task in flight per child, the V8 serializer over Node's IPC
 * channel (as the process executor uses): the floor any child-process executor in Node
 * stands on.
 */
export async function openBareFork(k) {
  const lanes = forkLanes(k, fixture('bareChild.js'), { serialization: 'advanced' });
  await Promise.all(Array.from({ length: k }, (_, lane) => lanes.call(lane, { fn: 'empty' })));
  return {
    // One lane per child: the child of lane i is free exactly when lane i is.
    point: (task, plan) => bareClosedLoop({ ...plan, concurrency: k }, (_, lane) => lanes.call(lane, task)),
    close: lanes.close,
  };
}

/** One point on a pool opened for it and closed after. */
async function freshPoolPoint(open, k, task, plan) {
  const pool = await open(k);
  try {
    return await pool.point(task, plan);
  } finally {
    await pool.close();
  }
}

/** One point on a fresh piscina pool of k threads (started before the window opens). */
export const barePiscinaPoint = (k, task, plan) => freshPoolPoint(openBarePiscina, k, task, plan);

/** One point on k fresh forked children. */
export const bareForkPoint = (k, task, plan) => freshPoolPoint(openBareFork, k, task, plan);
