// The process executor: a pool of child processes (processPool.ts) grown to the largest
// K so far, one call per task, driven by the shared closed loop from the caller's side
// (so exactly K calls are in flight). New children load the bundle and warm up before
// the window opens; results come back over IPC; a child that dies is replaced.
import type { Executor, ExecutorLimits, PointRequest, PointSamples } from '../executorTypes';
import { Errors } from '../../shared/errors';
import { raceAbort } from './abort';
import { epochNow, loopPlanOf, runClosedLoop } from '../../shared/closedLoop';
import { openPoint, PointCollector } from './pointCollector';
import { ChildLoadFailure, ChildProcessPool, type TaskResult } from './processPool';
import type { HostInit } from '../../shared/jsProtocol';
import { coldStartOf } from '../../shared/warmup';
import type { WarmupPolicy } from '../../shared/report';

export class JsProcessExecutor implements Executor {
  readonly kind = 'process' as const;
  private pool?: ChildProcessPool;
  private disposed = false;
  private coldStartReported = false;
  private serializationSeen: PointSamples['serialization'];

  constructor(
    private readonly init: HostInit,
    private readonly limits: ExecutorLimits,
    readonly maxConcurrency: number,
  ) {}

  private async ensurePool(k: number, signal: AbortSignal, policy: WarmupPolicy | undefined, collector: PointCollector): Promise<ChildProcessPool> {
    const pool = (this.pool ??= new ChildProcessPool(this.init, this.limits));
    try {
      const grown = await raceAbort(pool.grow(k, policy), signal, () => this.dispose());
      for (const d of grown.deaths) collector.addError(d);
      if (grown.started > 0 && !this.coldStartReported) {
        collector.coldStart = coldStartOf(grown.warmups, grown.startMs);
        this.coldStartReported = true;
      }
    } catch (e) {
      if (e instanceof ChildLoadFailure) {
        await this.dispose();
        throw Errors.functionFailed(this.init.functionName, { ...e.info, count: 1 });
      }
      throw e;
    }
    return pool;
  }

  async runPoint(req: PointRequest): Promise<PointSamples> {
    const { k, collector } = openPoint('process', req, { disposed: this.disposed, maxConcurrency: this.maxConcurrency, maxOutputBytes: this.limits.maxOutputBytes });
    const pool = await this.ensurePool(k, req.signal, req.warmup, collector);
    pool.onOutput = (stream, text) => collector.output.add(undefined, stream, text);
    const origin = epochNow();
    const outcomeOf = (r: TaskResult) => {
      if (r.output) collector.output.add(r.output);
      if (r.wire) collector.addWire(r.wire.ms, r.wire.bytes);
      return r.outcome;
    };
    const loop = runClosedLoop(
      loopPlanOf(req, k, origin),
      (index) => pool.run(index).then(outcomeOf),
      (o, _i, counted) => collector.add(o, counted),
    );
    try {
      await raceAbort(loop, req.signal, () => {
        collector.abandoned += k;
        return this.dispose();
      });
    } catch (e) {
      if (e instanceof ChildLoadFailure) throw Errors.functionFailed(this.init.functionName, { ...e.info, count: 1 });
      throw e;
    } finally {
      pool.onOutput = () => undefined;
    }
    collector.cpuSource = pool.cpuSource;
    const samples = collector.result(origin, req.warmupMs, epochNow(), this.serializationSeen);
    this.serializationSeen = samples.serialization;
    return samples;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}
