// The sequential and async executors: one worker thread running the closed loop
// itself (src/hosted/jsLoopWorker.ts), with K = 1 or K calls in flight. The engine
// side only watches: it receives sample batches, kills the thread when a call blocks
// it past the per-call timeout (no timer can fire inside a blocked thread), and
// replaces a thread that died so the point can go on.
import { Worker } from 'node:worker_threads';
import type { CpuSource, WarmupPolicy } from '../../shared/report';
import type { Executor, ExecutorLimits, PointRequest, PointSamples } from '../executorTypes';
import { Errors } from '../../shared/errors';
import { runtimeFile } from '../paths';
import { raceAbort } from './abort';
import { epochNow, loopPlanOf, windowOpen, type LoopPlan, type LoopProgress, type TaskOutcome } from '../../shared/closedLoop';
import { workerDeath } from './deaths';
import type { ErrorInfo } from '../../shared/errorInfo';
import type { CapturedOutput } from '../../shared/outputCapture';
import { openPoint, PointCollector } from './pointCollector';
import type { LoopWorkerMessage, LoopWorkerRequest } from '../../shared/jsProtocol';
import type { HostInit } from '../../shared/jsProtocol';
import { coldStartOf, isSetupOnly, type WarmupResult } from '../../shared/warmup';

/** How long past the timeout a blocked call may run before the watchdog ends its thread. */
const WATCHDOG_GRACE_MS = 100;

/** The user's module could not even load (threw at top level, missing export at run time). */
export class LoadFailure extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

type SegmentEnd =
  | { ended: 'done'; progress: LoopProgress; eventLoopUtilization: number }
  | { ended: 'died'; death: ErrorInfo; progress?: LoopProgress; exact: boolean; inFlightStarts: number[] };

export type ProbeEnd =
  | { ended: 'called'; outcome: TaskOutcome; cpuSource: CpuSource; output?: CapturedOutput }
  | { ended: 'died'; death: ErrorInfo; startMs: number };

export class LoopWorkerHost {
  private readonly worker: Worker;
  private listener?: (m: LoopWorkerMessage) => void;
  private timedOutAfterMs?: number;
  private lastError?: Error;
  alive = true;
  death?: ErrorInfo;
  /** From creation to the module loaded (set once `ready` resolves). */
  workerStartMs: number | null = null;
  /** The thread's very first call, when that was the probe's. */
  firstCallMs?: number;
  /** Set once the thread has been warmed up: a thread shared by two executors warms once. */
  warmup?: WarmupResult;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  readonly ready: Promise<CpuSource>;
  readonly exited: Promise<void>;

  constructor(
    init: HostInit,
    private readonly limits: ExecutorLimits,
  ) {
    this.worker = new Worker(runtimeFile('jsLoopWorker'), {
      workerData: init,
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryLimitMb },
      // Whatever escapes the in-worker capture still must not reach our stdout.
      stdout: true,
      stderr: true,
    });
    this.worker.stdout.on('data', (d: Buffer) => this.onOutput?.('stdout', d.toString()));
    this.worker.stderr.on('data', (d: Buffer) => this.onOutput?.('stderr', d.toString()));
    this.worker.on('error', (e) => (this.lastError = e));
    this.worker.on('message', (m: LoopWorkerMessage) => this.listener?.(m));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.alive = false;
        this.death = workerDeath(
          { timedOutAfterMs: this.timedOutAfterMs, error: this.lastError, exitCode: code },
          this.limits.memoryLimitMb,
        );
        resolve();
      }),
    );
    const created = epochNow();
    this.ready = new Promise<CpuSource>((resolve, reject) => {
      this.listener = (m) => {
        if (m.type === 'ready') {
          this.workerStartMs = epochNow() - created;
          resolve(m.cpuSource);
        }
        else if (m.type === 'loadError') reject(new LoadFailure(m.error));
      };
      void this.exited.then(() => reject(new LoadFailure(this.death!)));
    });
    this.ready.catch(() => undefined);
  }

  kill(timedOutAfterMs?: number): Promise<void> {
    if (timedOutAfterMs !== undefined && this.alive && this.timedOutAfterMs === undefined) this.timedOutAfterMs = timedOutAfterMs;
    void this.worker.terminate();
    return this.exited;
  }

  /** Warm-up calls until steady (warmup.ts); resolves undefined if the thread died meanwhile. */
  warm(policy: WarmupPolicy): Promise<{ warmup: WarmupResult; output?: CapturedOutput } | undefined> {
    return new Promise((resolve) => {
      const timeout = this.limits.callTimeoutMs;
      // One call may run past the time cap, and each call has its own timeout.
      const limit = policy.maxMs + (Number.isFinite(timeout) ? 2 * timeout : 0) + WATCHDOG_GRACE_MS;
      const watchdog = Number.isFinite(timeout) ? setTimeout(() => void this.kill(timeout), limit) : undefined;
      this.listener = (m) => {
        if (m.type !== 'warmed') return;
        clearTimeout(watchdog);
        resolve({ warmup: m.warmup, output: m.output });
      };
      void this.exited.then(() => {
        clearTimeout(watchdog);
        resolve(undefined);
      });
      this.post({ type: 'warm', policy });
    });
  }

  probe(index: number): Promise<ProbeEnd> {
    const startMs = epochNow();
    return new Promise((resolve) => {
      const timeout = this.limits.callTimeoutMs;
      const watchdog = Number.isFinite(timeout) ? setTimeout(() => void this.kill(timeout), timeout + WATCHDOG_GRACE_MS) : undefined;
      this.listener = (m) => {
        if (m.type !== 'probe') return;
        clearTimeout(watchdog);
        resolve({ ended: 'called', outcome: m.outcome, cpuSource: m.cpuSource, output: m.output });
      };
      void this.exited.then(() => {
        clearTimeout(watchdog);
        resolve({ ended: 'died', death: this.death!, startMs });
      });
      this.post({ type: 'probe', index });
    });
  }

  runSegment(plan: LoopPlan, collector: PointCollector): Promise<SegmentEnd> {
    return new Promise((resolve) => {
      const laneBuf = new SharedArrayBuffer(4 * plan.concurrency);
      const lanes = new Int32Array(laneBuf);
      // Each lane holds 0 when idle, else 1 + the ms (since originMs) its call started.
      const laneStart = (i: number): number => {
        const v = Atomics.load(lanes, i);
        return v > 0 ? plan.originMs + v - 1 : 0;
      };
      let progress: LoopProgress | undefined;
      let exact = false;
      let finished = false;
      const timeout = this.limits.callTimeoutMs;
      const period = Math.max(20, Math.min(250, timeout / 4));
      const watchdog = Number.isFinite(timeout)
        ? setInterval(() => {
            const now = epochNow();
            for (let i = 0; i < lanes.length; i++) {
              const start = laneStart(i);
              if (start > 0 && now - start > timeout + WATCHDOG_GRACE_MS) {
                void this.kill(timeout);
                return;
              }
            }
          }, period)
        : undefined;
      const finish = (end: SegmentEnd) => {
        if (finished) return;
        finished = true;
        clearInterval(watchdog);
        resolve(end);
      };
      this.listener = (m) => {
        if (m.type === 'batch') {
          for (let i = 0; i < m.startMs.length; i++) {
            if (m.counted[i]) collector.addSample(m.startMs[i], m.endMs[i], m.cpuMs[i], m.ok[i], m.runQueueMs?.[i]);
          }
          collector.addErrors(m.errors);
          if (m.output) collector.output.add(m.output);
          progress = m.progress;
          exact = m.atExit === true;
        } else if (m.type === 'done') {
          finish({ ended: 'done', progress: m.progress, eventLoopUtilization: m.eventLoopUtilization });
        }
      };
      void this.exited.then(() =>
        finish({ ended: 'died', death: this.death!, progress, exact, inFlightStarts: Array.from(lanes, (_v, i) => laneStart(i)).filter((t) => t > 0) }),
      );
      this.post({ type: 'run', plan, lanes: laneBuf });
    });
  }

  private post(m: LoopWorkerRequest): void {
    this.worker.postMessage(m);
  }
}

/**
 * The one event-loop thread that the probe, the sequential and the async executors share.
 * One thread, as in the user's own program: its code is compiled and warm once, so the
 * async points do not pay a second start-up and JIT warm-up out of the budget.
 */
export class LoopThreadSlot {
  host?: LoopWorkerHost;
  private cpuSource: CpuSource = 'unavailable';

  constructor(
    private readonly init: HostInit,
    private readonly limits: ExecutorLimits,
  ) {}

  /** Hands over a loaded thread (the probe's), to be reused while it lives. */
  adopt(host: LoopWorkerHost, cpuSource: CpuSource): void {
    if (this.host && this.host !== host) void this.host.kill();
    this.host = host;
    this.cpuSource = cpuSource;
  }

  get source(): CpuSource {
    return this.cpuSource;
  }

  /** A live, loaded thread: the current one, or a new one. */
  async live(signal: AbortSignal): Promise<LoopWorkerHost> {
    if (this.host?.alive) return this.host;
    const host = new LoopWorkerHost(this.init, this.limits);
    this.host = host;
    try {
      this.cpuSource = await raceAbort(host.ready, signal, () => host.kill());
    } catch (e) {
      if (e instanceof LoadFailure) {
        await host.kill();
        throw Errors.functionFailed(this.init.functionName, { ...e.info, count: 1 });
      }
      throw e;
    }
    return host;
  }

  async dispose(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    await host?.kill();
  }
}

export class JsLoopExecutor implements Executor {
  readonly maxConcurrency: number;
  readonly sharesWorkerOf?: 'sequential';
  private disposed = false;
  private coldStartReported = false;

  constructor(
    readonly kind: 'sequential' | 'async',
    private readonly slot: LoopThreadSlot,
    private readonly limits: ExecutorLimits,
  ) {
    this.maxConcurrency = kind === 'sequential' ? 1 : 1024;
    if (kind === 'async') this.sharesWorkerOf = 'sequential';
  }

  /** A live, loaded and warm thread; one not yet warm is warmed up by `policy` first. */
  private async ensureHost(signal: AbortSignal, policy: WarmupPolicy | undefined, collector: PointCollector): Promise<LoopWorkerHost> {
    const host = await this.slot.live(signal);
    // A warm-up of one call (a call that mostly waits: its setup only) was the probe's,
    // made on this thread already.
    if (!host.warmup && policy && isSetupOnly(policy) && host.firstCallMs != null) {
      host.warmup = { firstCallMs: host.firstCallMs, steadyCallMs: host.firstCallMs, calls: 1, elapsedMs: host.firstCallMs, steady: false, failed: false };
    }
    if (!host.warmup && policy && policy.maxCalls > 0) {
      host.onOutput = (stream, text) => collector.output.add(undefined, stream, text);
      const w = await raceAbort(host.warm(policy), signal, () => host.kill());
      if (w?.output) collector.output.add(w.output);
      // The probe made the thread's first call: that is the cold one.
      if (w) host.warmup = host.firstCallMs != null ? { ...w.warmup, firstCallMs: host.firstCallMs, calls: w.warmup.calls + 1 } : w.warmup;
      // The function ended the thread while warming up: the point shows it, a new thread goes on.
      if (!w && host.death) collector.addError(host.death);
    }
    // Only the first thread's start-up is the cold start (shared with the other loop
    // executor when both ran on it); a replacement is a recovery.
    if (!this.coldStartReported) collector.coldStart = coldStartOf(host.warmup ? [host.warmup] : [], host.workerStartMs);
    this.coldStartReported = true;
    return host.alive ? host : this.ensureHost(signal, undefined, collector);
  }

  async runPoint(req: PointRequest): Promise<PointSamples> {
    const { k, collector } = openPoint(this.kind, req, { disposed: this.disposed, maxConcurrency: this.maxConcurrency, maxOutputBytes: this.limits.maxOutputBytes });
    let host = await this.ensureHost(req.signal, req.warmup, collector);
    const origin = epochNow();
    let firstIndex = req.taskIndexStart;
    for (;;) {
      // After a dead thread, what is left of the point: calls still owed, errors still allowed.
      const plan: LoopPlan = {
        ...loopPlanOf(req, k, origin),
        minTasks: Math.max(0, req.minTasks - collector.taskOk.length),
        maxErrors: req.maxErrors - collector.countedFailures,
        firstIndex,
      };
      host.onOutput = (stream, text) => collector.output.add(undefined, stream, text);
      const end = await raceAbort(host.runSegment(plan, collector), req.signal, () => host.kill());
      if (end.ended === 'done') {
        if (this.kind === 'async') collector.eventLoopUtilization = end.eventLoopUtilization;
        break;
      }
      // The thread died mid-call: charge the death to the oldest call in flight, drop
      // the others (they were cut short, not failed), and go on with a fresh thread.
      const now = epochNow();
      const start = end.inFlightStarts.length ? Math.min(...end.inFlightStarts) : now;
      collector.add({ ok: false, startMs: start, endMs: now, cpuMs: NaN, error: end.death }, start - origin >= req.warmupMs);
      collector.abandoned += Math.max(0, end.inFlightStarts.length - 1);
      // Calls launched after the last batch are unknown unless it came from the exit
      // handler; skip K indices then so "$i" values are not reused.
      firstIndex = end.progress ? end.progress.nextIndex + (end.exact ? 0 : k) : firstIndex + k;
      if (collector.countedFailures >= req.maxErrors) break;
      // A window held open past its duration (windowUntilMs) goes on on the new thread too.
      if (!windowOpen(loopPlanOf(req, k, origin), now, collector.taskOk.length)) break;
      host = await this.ensureHost(req.signal, undefined, collector);
    }
    collector.cpuSource = this.slot.source;
    return collector.result(origin, req.warmupMs, epochNow());
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.slot.dispose();
  }
}
