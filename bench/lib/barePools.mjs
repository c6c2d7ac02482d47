// The raw pools our executors are compared with: a bare piscina pool and a minimal
// fork+IPC process pool, both driven by the same closed loop as the engine's executors.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { bareClosedLoop } from './closedLoop.mjs';

const require = createRequire(import.meta.url);
const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A piscina pool of exactly k threads, all started before the window opens. */
export async function barePiscinaPoint(k, task, plan) {
  const { Piscina } = require('piscina');
  const pool = new Piscina({ filename: fixture('bareWorker.js'), minThreads: k, maxThreads: k, idleTimeout: 60_000 });
  try {
    // Every thread must be up and have loaded the worker before timing starts.
    await Promise.all(Array.from({ length: k * 2 }, () => pool.run({ fn: 'empty' })));
    return await bareClosedLoop({ ...plan, concurrency: k }, () => pool.run(task));
  } finally {
    await pool.destroy();
  }
}

/**
 * k forked children, one task in flight per child, JSON over Node's IPC channel: the
 * floor any child-process executor in Node stands on.
 */
export async function bareForkPoint(k, task, plan) {
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
  const call = (lane) =>
    new Promise((resolve, reject) => {
      const my = id++;
      waiting[lane].set(my, resolve);
      children[lane].send({ id: my, ...task }, (err) => err && reject(err));
    });
  try {
    await Promise.all(children.map((_, lane) => call(lane)));
    // One lane per child: the child of lane i is free exactly when lane i is.
    return await bareClosedLoop({ ...plan, concurrency: k }, (_, lane) => call(lane));
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', resolve);
            c.kill();
          }),
      ),
    );
  }
}
