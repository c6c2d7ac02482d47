// The thread executor's per-lane shared memory (a lane is one of the K calls a point
// keeps in flight). A pool thread writes what the engine must know of a call (when it
// ran, its CPU readings, which thread ran it) into its lane's slots, and the task's
// reply carries only the user's result, as in any piscina pool: a reply array of five
// numbers, cloned on every call, cost as much as piscina's own hop on an empty task.
// While a call runs, its lane also holds the running thread's id, so the engine's
// watchdog can end that very thread when the call overruns, with no abort signal per
// task (piscina's signal bookkeeping was another ~5 µs a task).
// A lane's slots are written only by the thread running its call and read by the
// engine once the reply has arrived; the engine sends the lane's next call only after.

export const MAX_LANES = 256;
const FLOATS = 4; // startMs, endMs, cpuMs, cpuAtStart
const INTS = 3; // running thread (0 when none), thread of the last call, has extra

export class LaneBoard {
  readonly buffer: SharedArrayBuffer;
  private readonly f: Float64Array;
  private readonly i: Int32Array;

  /** A new board (engine), or a view of the engine's (pool thread). */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(MAX_LANES * (FLOATS * 8 + INTS * 4));
    this.f = new Float64Array(this.buffer, 0, MAX_LANES * FLOATS);
    this.i = new Int32Array(this.buffer, MAX_LANES * FLOATS * 8, MAX_LANES * INTS);
  }

  /** Pool thread: `thread` starts the lane's call. */
  started(lane: number, thread: number): void {
    Atomics.store(this.i, lane * INTS, thread);
  }

  /** Pool thread: the lane's call is over (written before its reply is posted). */
  finished(lane: number, thread: number, startMs: number, endMs: number, cpuMs: number, cpuAtStart: number, hasExtra: boolean): void {
    const f = lane * FLOATS;
    this.f[f] = startMs;
    this.f[f + 1] = endMs;
    this.f[f + 2] = cpuMs;
    this.f[f + 3] = cpuAtStart;
    const i = lane * INTS;
    this.i[i + 1] = thread;
    this.i[i + 2] = hasExtra ? 1 : 0;
    Atomics.store(this.i, i, 0);
  }

  /** Engine: the thread running the lane's call now, 0 when none is (queued, or done). */
  runningThread(lane: number): number {
    return Atomics.load(this.i, lane * INTS);
  }

  /** Engine, once the lane's reply arrived: whether the reply is a PoolCallWithExtra. */
  hasExtra(lane: number): boolean {
    return Atomics.load(this.i, lane * INTS + 2) === 1;
  }

  thread(lane: number): number {
    return this.i[lane * INTS + 1];
  }

  startMs(lane: number): number {
    return this.f[lane * FLOATS];
  }

  endMs(lane: number): number {
    return this.f[lane * FLOATS + 1];
  }

  /** End minus start reading of the thread's CPU clock (NaN when not read). */
  cpuMs(lane: number): number {
    return this.f[lane * FLOATS + 2];
  }

  /** The thread's CPU clock just before the call (NaN when not read; jsPoolWorker.ts). */
  cpuAtStart(lane: number): number {
    return this.f[lane * FLOATS + 3];
  }
}

/** A call task is one number, the cheapest thing to clone: its index and its lane. */
export const callTask = (index: number, lane: number): number => index * MAX_LANES + lane;
export const laneOf = (task: number): number => task % MAX_LANES;
export const indexOf = (task: number): number => Math.floor(task / MAX_LANES);
