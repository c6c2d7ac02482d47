// The raw pools our executors are compared with: a bare piscina pool and a minimal
// fork+IPC process pool, both driven by the same closed loop as the engine's executors.
// A pool is opened once and can run many points (windows), so the dispatch section can
// interleave ours and the bare pool round after round on warm workers.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { bareClosedLoop } from './closedLoop.mjs';

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
 * k forked children, one task in flight per child, JSON over Node's IPC channel: the
 * floor any child-process executor in Node stands on.
 */
export async function openBareFork(k) {
  const children = Array.from({ length: k }, () => fork(fixture('bareChild.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  const waiting = children.map(() => new Map());
  children.forEach((c, i) =>
    c.on('message', (m) => {
      const done = waiting[i].get(m.id);
      waiting[i].delete(m.id);
      done?.(m.r);
    }),
  );
  let id = 0;
  const call = (lane, task) =>
    new Promise((resolve, reject) => {
      const my = id++;
      waiting[lane].set(my, resolve);
      children[lane].send({ id: my, ...task }, (err) => err && reject(err));
    });
  await Promise.all(children.map((_, lane) => call(lane, { fn: 'empty' })));
  return {
    // One lane per child: the child of lane i is free exactly when lane i is.
    point: (task, plan) => bareClosedLoop({ ...plan, concurrency: k }, (_, lane) => call(lane, task)),
    close: () =>
      Promise.all(
        children.map(
          (c) =>
            new Promise((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', resolve);
              c.kill();
            }),
        ),
      ),
  };
}

/** One point on a fresh piscina pool of k threads (started before the window opens). */
export async function barePiscinaPoint(k, task, plan) {
  const pool = await openBarePiscina(k);
  try {
    return await pool.point(task, plan);
  } finally {
    await pool.close();
  }
}

/** One point on k fresh forked children. */
export async function bareForkPoint(k, task, plan) {
  const pool = await openBareFork(k);
  try {
    return await pool.point(task, plan);
  } finally {
    await pool.close();
  }
}
