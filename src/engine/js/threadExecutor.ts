// The thread executor: one piscina pool for the whole ladder, grown to the largest K so
// far, one call per task, driven by the shared closed loop from the caller's side (so
// exactly K calls are in flight). New threads load the bundle and warm up before the
// window opens, so neither module load nor cold JIT is measured; results come back.
import Piscina from 'piscina';
import type { CpuSource, WarmupPolicy } from '../../shared/report';
import type { Executor, ExecutorLimits, PointRequest, PointSamples } from '../executorTypes';
import { Errors } from '../../shared/errors';
import { runtimeFile } from '../paths';
import { raceAbort } from './abort';
import { epochNow, loopPlanOf, runClosedLoop, type TaskOutcome } from '../../shared/closedLoop';
import { workerDeath } from './deaths';
import { toErrorInfo, type ErrorInfo } from '../../shared/errorInfo';
import { openPoint, PointCollector } from './pointCollector';
import type { PoolCallWithExtra, PoolHostInit, PoolTask, PoolTaskResult, PoolWarmReply } from '../../shared/jsProtocol';
import { callTask, LaneBoard, MAX_LANES } from '../../shared/laneBoard';
import { CallWatchdog } from './callWatchdog';
import { chargeCpu, type ThreadCpu } from './threadCpu';
import type { HostInit } from '../../shared/jsProtocol';
import { coldStartOf } from '../../shared/warmup';
import { POOL_THREAD_OPTIONS } from './poolThreadOptions';

export class JsThreadExecutor implements Executor {
  readonly kind = 'thread' as const;
  readonly maxConcurrency = MAX_LANES;
  private pool?: Piscina<PoolTask, PoolTaskResult>;
  private size = 0;
  private cpuSource: CpuSource = 'unavailable';
  private collector?: PointCollector;
  private disposed = false;
  private coldStartReported = false;
  private serializationSeen: PointSamples['serialization'];
  /** Each lane's call: its thread while it runs, its timings once done (laneBoard.ts). */
  private readonly board = new LaneBoard();

  constructor(
    private readonly init: HostInit,
    private readonly limits: ExecutorLimits,
  ) {}

  /**
   * One pool for the executor's whole ladder. It only grows: going from K = 2 to K = 4
   * keeps the first two threads and their JIT-compiled code, and a point at a smaller K
   * runs on threads that are all warm (at most K of them busy at once).
   */
  private async ensurePool(k: number, signal: AbortSignal, policy: WarmupPolicy | undefined, collector: PointCollector): Promise<Piscina<PoolTask, PoolTaskResult>> {
    if (this.pool && this.size >= k) return this.pool;
    const pool = (this.pool ??= this.createPool());
    const barrier = new SharedArrayBuffer(4);
    const t0 = epochNow();
    const timeout = this.limits.callTimeoutMs;
    // A thread's warm-up is a few calls, each with the call timeout, and it may start one
    // call after the time cap; past that the thread is stuck in a call and is ended.
    const warmLimitMs = Number.isFinite(timeout) ? (policy?.maxMs ?? 0) + timeout * ((policy?.maxCalls ?? 0) > 0 ? 2 : 1) + 1000 : Infinity;
    const warmOne = async (): Promise<PoolTaskResult | undefined> => {
      const ac = new AbortController();
      let timedOut = false;
      const timer = Number.isFinite(warmLimitMs)
        ? setTimeout(() => {
            timedOut = true;
            ac.abort();
          }, warmLimitMs)
        : undefined;
      try {
        return await pool.run({ type: 'warm', barrier, parties: k, policy }, { signal: ac.signal });
      } catch (e) {
        if (signal.aborted) throw e;
        // The function ended its thread (process.exit, out of memory, a hang) while warming
        // up: that is the point's failure to show, not a module that cannot load.
        const death = timedOut ? workerDeath({ timedOutAfterMs: timeout }, this.limits.memoryLimitMb) : diedInWarmup(e, this.limits.memoryLimitMb);
        if (!death) throw e;
        collector.addError(death);
        // Let the threads still waiting at the barrier go: this one will never arrive.
        Atomics.add(new Int32Array(barrier), 0, 1);
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    };
    const warm = (async () => {
      const tasks: Promise<PoolTaskResult | undefined>[] = [];
      for (let i = 0; i < k; i++) {
        // A destroyed pool would still start a thread for a task run on it.
        if (signal.aborted || this.pool !== pool) break;
        // Each warm-up task queued while every thread holds one makes piscina start
        // one more thread; the barrier keeps all k held until the last has loaded.
        const task = warmOne();
        task.catch(() => undefined); // observed by Promise.all below; not unhandled meanwhile
        tasks.push(task);
        if (i < k - 1) await new Promise((r) => setTimeout(r, 1));
      }
      return Promise.all(tasks);
    })();
    try {
      const results = await raceAbort(warm, signal, () => destroyPool(pool));
      const warmed = results.filter((r): r is PoolWarmReply => (r as PoolWarmReply | undefined)?.type === 'warm');
      if (warmed[0]) this.cpuSource = warmed[0].cpuSource;
      const fresh = warmed.filter((r) => r.warmup);
      if (!this.coldStartReported && (fresh.length || !policy?.maxCalls)) {
        // Start-up per thread: until the last new thread had loaded the module.
        const loaded = warmed.map((r) => r.loadedAtMs).filter((t) => t >= t0);
        const startMs = loaded.length ? (Math.max(...loaded) - t0) / Math.max(1, k - this.size) : null;
        collector.coldStart = coldStartOf(fresh.map((r) => r.warmup!), startMs);
        this.coldStartReported = true;
      }
    } catch (e) {
      if ((e as { code?: string }).code === 'cancelled') throw e;
      this.pool = undefined;
      await destroyPool(pool);
      throw Errors.functionFailed(this.init.functionName, { ...toErrorInfo(e), count: 1 });
    }
    this.size = k;
    return pool;
  }

  private createPool(): Piscina<PoolTask, PoolTaskResult> {
    const pool = new Piscina<PoolTask, PoolTaskResult>({
      filename: runtimeFile('jsPoolWorker'),
      ...POOL_THREAD_OPTIONS,
      maxThreads: this.maxConcurrency,
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryLimitMb },
      workerData: { ...this.init, laneBoard: this.board.buffer } satisfies PoolHostInit,
    });
    // A thread that dies between tasks (a stray timer that throws) has no task to fail.
    pool.on('error', (e: Error) => this.collector?.addError(workerDeath({ error: e }, this.limits.memoryLimitMb)));
    return pool;
  }

  async runPoint(req: PointRequest): Promise<PointSamples> {
    const { k, collector } = openPoint('thread', req, { disposed: this.disposed, maxConcurrency: this.maxConcurrency, maxOutputBytes: this.limits.maxOutputBytes });
    this.collector = collector;
    const pool = await this.ensurePool(k, req.signal, req.warmup, collector);
    const timeout = this.limits.callTimeoutMs;
    let aborted = false;
    const origin = epochNow();
    // Per lane (a lane has one call in flight): when its call was sent (NaN when none),
    // whether the watchdog ended it, and the thread and start reading of the CPU clock of
    // its last call (chargeCpu below).
    const board = this.board;
    const sentAt = new Float64Array(k).fill(NaN);
    const timedOut = new Uint8Array(k);
    const laneThread = new Int32Array(k).fill(-1);
    const laneCpuAtStart = new Float64Array(k);
    const lastOnThread = new Map<number, ThreadCpu>();
    // An overrunning call's thread is ended; piscina fails its task ("worker exited") and
    // starts a new thread for the next one. A call not on a thread yet (queued behind a
    // thread that is starting) is looked at again shortly.
    const watchdog = new CallWatchdog((now) => {
      let next = Infinity;
      for (let lane = 0; lane < k; lane++) {
        let deadline = sentAt[lane] + timeout;
        if (deadline <= now) {
          const running = board.runningThread(lane);
          const thread = running ? pool.threads.find((t) => t.threadId === running) : undefined;
          if (thread) {
            sentAt[lane] = NaN;
            timedOut[lane] = 1;
            void thread.terminate();
            continue;
          }
          deadline = now + RECHECK_MS;
        }
        if (deadline < next) next = deadline;
      }
      return next;
    });

    const runTask = async (index: number, lane: number): Promise<TaskOutcome> => {
      const startMs = epochNow();
      sentAt[lane] = startMs;
      watchdog.watch(startMs + timeout);
      try {
        const r = await pool.run(callTask(index, lane));
        sentAt[lane] = NaN;
        const thread = board.thread(lane);
        laneThread[lane] = thread;
        laneCpuAtStart[lane] = board.cpuAtStart(lane);
        const o: TaskOutcome = { ok: true, startMs: board.startMs(lane), endMs: board.endMs(lane), cpuMs: board.cpuMs(lane) };
        if (!board.hasExtra(lane)) return o;
        const extra = (r as PoolCallWithExtra)[1];
        if (extra.output) collector.output.add(extra.output);
        if (extra.wire) collector.addWire(extra.wire.ms, extra.wire.bytes);
        if (extra.error) {
          o.ok = false;
          o.error = extra.error;
        }
        return o;
      } catch (e) {
        sentAt[lane] = NaN;
        laneThread[lane] = -1;
        const wasTimedOut = timedOut[lane] === 1;
        timedOut[lane] = 0;
        if (aborted) throw e;
        // A result postMessage cannot clone fails the call, not the thread: the user's pool would fail too.
        if ((e as Error)?.name === 'DataCloneError') {
          return { ok: false, startMs, endMs: epochNow(), cpuMs: NaN, error: { kind: 'DataCloneError', message: `the result can't be sent back from a worker thread: ${(e as Error).message} (use --discard-results if the results are never used)` } };
        }
        const death: ErrorInfo = wasTimedOut ? workerDeath({ timedOutAfterMs: timeout }, this.limits.memoryLimitMb) : threadFailure(e, this.limits.memoryLimitMb);
        return { ok: false, startMs, endMs: epochNow(), cpuMs: NaN, error: death };
      }
    };

    const loop = runClosedLoop(loopPlanOf(req, k, origin), runTask, (o, _i, counted, _p, lane) => {
      collector.add(o, counted);
      const thread = laneThread[lane];
      if (thread >= 0) chargeCpu(lastOnThread, thread, laneCpuAtStart[lane], counted ? collector.taskCpuMs.length - 1 : -1, collector.taskCpuMs);
    });
    try {
      await raceAbort(loop, req.signal, () => {
        aborted = true;
        collector.abandoned += k;
        this.pool = undefined;
        return destroyPool(pool);
      });
    } finally {
      watchdog.stop();
      this.collector = undefined;
    }
    collector.cpuSource = this.cpuSource;
    const samples = collector.result(origin, req.warmupMs, epochNow(), this.serializationSeen);
    this.serializationSeen = samples.serialization;
    return samples;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await destroyPool(pool);
  }
}

/** How soon the watchdog looks again at an overdue call that is not on a thread yet. */
const RECHECK_MS = 20;

const destroying = new WeakMap<Piscina, Promise<void>>();

/**
 * Destroys a pool once. A cancel reaches a pool twice (the point's abort handler and the
 * orchestrator's dispose), and piscina 5 clears its "destroying" flag when the second,
 * empty destroy() returns: the first one's terminated thread then exits into a pool that
 * thinks it is alive, and piscina starts a replacement thread that nobody ever ends.
 */
function destroyPool(pool: Piscina): Promise<void> {
  let p = destroying.get(pool);
  if (!p) {
    p = pool.destroy();
    destroying.set(pool, p);
  }
  return p;
}

/**
 * A warm-up task rejected because its thread died (exit, memory limit) rather than
 * because the module failed to load: what killed it, or undefined for a load failure.
 */
function diedInWarmup(e: unknown, memoryLimitMb: number): ErrorInfo | undefined {
  const err = e as Error & { code?: string };
  const died = err?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /worker exited with code|Terminating worker thread|memory limit/i.test(err?.message ?? '');
  return died ? threadFailure(e, memoryLimitMb) : undefined;
}

/** piscina reports a dead thread as a rejected task; say what killed it. */
function threadFailure(e: unknown, memoryLimitMb: number): ErrorInfo {
  const err = e as Error & { code?: string };
  const exit = /worker exited with code: (-?\d+)/.exec(err?.message ?? '');
  if (exit) return workerDeath({ exitCode: Number(exit[1]) }, memoryLimitMb);
  if (err instanceof Error) return workerDeath({ error: err }, memoryLimitMb);
  return toErrorInfo(e);
}
