// How the engine's piscina pools (the thread executor's, the queue executor's) keep and
// run their threads: one pool per ladder or crawl, grown on demand, never shrunk.
import type { Piscina } from 'piscina';

export const POOL_THREAD_OPTIONS = {
  // Not minThreads: k: piscina would start all k threads synchronously in its
  // constructor (~2.5 ms each on the caller's thread, 80 ms for 32). The warm-up tasks
  // start them as they are queued (the thread executor's one per timer tick), and
  // idleTimeout keeps them all.
  minThreads: 1,
  concurrentTasksPerWorker: 1,
  idleTimeout: 2 ** 31 - 1,
  // 'disabled': a thread waits for work on its message port, as any worker does, so its
  // event loop keeps running between tasks and timers the user's code left behind still
  // fire. piscina's default ('sync') blocks the thread in Atomics.wait between tasks, and
  // allocation-heavy code ran slower under it: marked 60 calls/s on 2 threads against 72
  // with 'async' or 'disabled', acorn 48 against 61. 'async' (Atomics.waitAsync) costs a
  // promise and a notify per task: on an empty task it read 1.15-1.18x a bare piscina
  // pool on its default where 'disabled' read 0.96-1.0x, interleaved in one process; on
  // the real libraries the two ran alike (within 4%, either way).
  atomics: 'disabled',
} as const satisfies NonNullable<ConstructorParameters<typeof Piscina>[0]>;
