// k forked children as k lanes, one message in flight on each: the IPC both bare
// process pools stand on (barePools.mjs for the dispatch figures, bareReal.mjs for
// real-library functions). Lane i is free exactly when its child has answered.
import { fork } from 'node:child_process';

/**
 * Forks k children of `file`. call(lane, message) sends `{ id, ...message }` to that
 * lane's child and settles with the reply's `r`, or rejects with its `error`.
 */
export function forkLanes(k, file, options = {}) {
  const children = Array.from({ length: k }, () => fork(file, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], ...options }));
  const waiting = children.map(() => new Map());
  children.forEach((c, lane) =>
    c.on('message', (m) => {
      const w = waiting[lane].get(m.id);
      waiting[lane].delete(m.id);
      if (m.error) w?.reject(new Error(m.error));
      else w?.resolve(m.r);
    }),
  );
  let id = 0;
  return {
    call: (lane, message) =>
      new Promise((resolve, reject) => {
        const my = id++;
        waiting[lane].set(my, { resolve, reject });
        children[lane].send({ id: my, ...message }, (err) => err && reject(err));
      }),
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
