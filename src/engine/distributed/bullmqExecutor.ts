// The distributed executor for JS/TS: the engine puts each call on a BullMQ queue in
// Redis and worker processes (src/hosted/bullWorker.ts) consume it, K jobs in flight
// at a time (the shared closed loop). Local workers are started as the ladder needs
// them; workers started elsewhere with `workload-profiler worker` count too.
import { Queue, QueueEvents } from 'bullmq';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { substituteIndex } from '../../shared/args';
import { Errors } from '../../shared/errors';
import type { Executor, ExecutorLimits, PointRequest, PointSamples } from '../executorTypes';
import { clampConcurrency, epochNow, runClosedLoop, type TaskOutcome } from '../../shared/closedLoop';
import { PointCollector } from '../js/pointCollector';
import type { HostInit } from '../../shared/jsProtocol';
import { runtimeFile } from '../paths';
import { bullSettings, type BullWorkerConfig } from '../../shared/distributed/bullProtocol';
import { DistributedTally, jsonBytes, type TaskTiming } from './distributedStats';
import type { DistributedOptions, JobPayload, JobResult } from '../../shared/distributed/distributedTypes';
import { DistributedBase } from './distributedBase';
import { runDistributedCrawl } from './distributedCrawl';
import { admittedItems, bullEnqueue, CRAWL_SCRIPT, crawlJobId, crawlScriptArgs } from '../../shared/distributed/crawlProtocol';
import type { CrawlRequest, CrawlResult } from '../../shared/queue/queueTypes';
import { trackWorker, type LocalWorker } from './localWorkers';
import { redisCommandUsec, redisOptions } from './redisServer';

/** Most jobs in flight the ladder may ask for: workers × concurrency per worker. */
export const MAX_DISTRIBUTED_SLOTS = 64;
const WORKER_READY_MS = 30_000;

interface Waiter {
  resolve: (r: { result?: JobResult; failed?: string; seenMs: number; bytes: number }) => void;
}

export class BullmqExecutor extends DistributedBase implements Executor {
  readonly maxConcurrency = MAX_DISTRIBUTED_SLOTS;
  private queue?: Queue;
  private events?: QueueEvents;
  private wantWorkers = 0;
  private readonly waiting = new Map<string, Waiter>();

  constructor(
    private readonly init: HostInit,
    limits: ExecutorLimits,
    opts: DistributedOptions = {},
  ) {
    super(init.functionName, limits, opts);
  }

  protected async setupOnce(signal: AbortSignal): Promise<void> {
    const redis = await this.connect(signal, 'its local workers were stopped', () => this.killWorkers());
    if (this.disposed) return;
    const connection = redisOptions(redis.url);
    this.queue = new Queue(this.queueName, { connection });
    this.events = new QueueEvents(this.queueName, { connection });
    this.probe = new Redis(connection);
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.probe.on('error', () => undefined);
    this.events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, { returnvalue }));
    this.events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, { failedReason }));
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
    // Waiting jobs left by an earlier profile that was killed would run first and skew the wait.
    await this.queue.drain(true);
  }

  private settle(jobId: string, e: { returnvalue?: unknown; failedReason?: string }): void {
    const w = this.waiting.get(jobId);
    if (!w) return;
    this.waiting.delete(jobId);
    const seenMs = epochNow();
    if (e.failedReason !== undefined) return w.resolve({ failed: e.failedReason, seenMs, bytes: jsonBytes(e.failedReason) });
    const raw = e.returnvalue;
    const result = (typeof raw === 'string' ? JSON.parse(raw) : raw) as JobResult;
    w.resolve({ result, seenMs, bytes: jsonBytes(raw) });
  }

  private spawnWorker(): LocalWorker {
    const cfg: BullWorkerConfig = {
      redisUrl: this.redis!.url,
      queue: this.queueName,
      bundlePath: this.init.bundlePath,
      functionName: this.init.functionName,
      concurrency: this.cpw,
      callTimeoutMs: this.limits.callTimeoutMs,
      local: true,
      owner: this.owner,
      ...(this.opts.sandboxed ? { sandboxed: true } : {}),
    };
    const proc = fork(runtimeFile('bullWorker'), [JSON.stringify(cfg)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [`--max-old-space-size=${this.limits.memoryLimitMb}`],
    });
    const w = trackWorker(proc, { readyTimeoutMs: WORKER_READY_MS, what: 'a BullMQ worker' });
    // A worker that dies (killed, out of memory) is replaced, as the process pool does:
    // its job comes back through the stalled-job check of the workers still running.
    void w.exited.then(() => {
      const i = this.workers.indexOf(w);
      if (i < 0 || this.disposed || this.lost) return;
      if (i < this.wantWorkers) this.workers[i] = this.spawnWorker();
      else this.workers.splice(i, 1);
    });
    return w;
  }

  protected async resize(n: number): Promise<void> {
    this.wantWorkers = n;
    const extra = this.workers.splice(n);
    await Promise.all(extra.map((w) => w.kill()));
    while (this.workers.length < n) this.workers.push(this.spawnWorker());
    try {
      await Promise.all(this.workers.map((w) => w.ready));
    } catch (e) {
      throw Errors.functionFailed(this.init.functionName, { kind: 'WorkerStart', message: (e as Error).message, count: 1 });
    }
  }

  async runPoint(req: PointRequest): Promise<PointSamples> {
    const k = clampConcurrency(req.concurrency, this.maxConcurrency);
    const { remote, localWorkers } = await this.ready(k, req.signal);

    const point = randomUUID();
    const collector = new PointCollector('distributed', k, this.limits.maxOutputBytes);
    collector.cpuSource = this.cpw === 1 || this.opts.sandboxed ? 'process.cpuUsage' : 'unavailable';
    const tally = new DistributedTally();
    const timings = new Map<number, { t: TaskTiming; worker?: string }>();
    const settings = bullSettings(this.limits.callTimeoutMs);
    // A job can wait out a dead worker's lock and the stalled check before it runs again.
    const jobTimeoutMs = this.limits.callTimeoutMs + settings.lockDuration + settings.stalledInterval + 5000;
    let allTasks = 0;
    const usec0 = await redisCommandUsec(this.probe!).catch(() => NaN);
    const origin = epochNow();

    const runTask = async (index: number): Promise<TaskOutcome> => {
      const jobId = `${point}-${index}`;
      const payload: JobPayload = { index, args: substituteIndex(this.init.args, index), enqueuedMs: epochNow(), point };
      const done = new Promise<Parameters<Waiter['resolve']>[0]>((resolve) => this.waiting.set(jobId, { resolve }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), jobTimeoutMs)));
      await this.queue!.add('call', payload, { jobId, removeOnComplete: true, removeOnFail: true, attempts: 1 });
      const r = await Promise.race([done, timeout]);
      clearTimeout(timer);
      this.waiting.delete(jobId);
      if (!r) {
        return { ok: false, startMs: payload.enqueuedMs, endMs: epochNow(), cpuMs: NaN, error: { kind: 'timeout', message: `no result within ${Math.round(jobTimeoutMs / 1000)} s of enqueueing` } };
      }
      if (!r.result) {
        return { ok: false, startMs: payload.enqueuedMs, endMs: r.seenMs, cpuMs: NaN, error: { kind: 'job-failed', message: r.failed ?? 'failed' } };
      }
      const res = r.result;
      timings.set(index, {
        t: { enqueuedMs: payload.enqueuedMs, startMs: res.startMs, endMs: res.endMs, seenMs: r.seenMs, bytes: jsonBytes(payload) + r.bytes, attempt: res.attempt },
        worker: res.worker,
      });
      const o: TaskOutcome = { ok: res.ok, startMs: res.startMs, endMs: res.endMs, cpuMs: res.cpuMs ?? NaN };
      if (res.error) o.error = res.error;
      return o;
    };

    const loop = runClosedLoop(
      { concurrency: k, originMs: origin, durationMs: req.durationMs, warmupMs: req.warmupMs, minTasks: req.minTasks, maxErrors: req.maxErrors, firstIndex: req.taskIndexStart },
      runTask,
      (o, index, counted) => {
        collector.add(o, counted);
        allTasks++;
        const t = timings.get(index);
        timings.delete(index);
        if (counted && t) tally.add(t.t, t.worker);
      },
    );
    await this.guard(loop, req.signal);
    const samples = collector.result(origin, req.warmupMs, epochNow());
    const usec1 = await redisCommandUsec(this.probe!).catch(() => NaN);
    samples.distributed = tally.result({
      ...(Number.isFinite(usec1 - usec0) && allTasks > 0 ? { brokerMsPerTask: Math.round((usec1 - usec0) / allTasks) / 1000 } : {}),
      workers: localWorkers + remote.length,
      remoteWorkers: remote.length,
      concurrencyPerWorker: this.cpw,
      engine: 'bullmq',
      redis: this.redis!.label,
    });
    return samples;
  }

  /** Queue mode: one crawl from the seeds; the workers put the items they find back on this queue. */
  async crawl(req: CrawlRequest): Promise<CrawlResult> {
    const k = clampConcurrency(req.concurrency, this.maxConcurrency);
    const { remote, localWorkers } = await this.ready(k, req.signal);
    const settings = bullSettings(this.limits.callTimeoutMs);
    const enqueue = bullEnqueue(this.queue!);
    return runDistributedCrawl(
      {
        probe: this.probe!,
        guard: (p) => this.guard(p, req.signal),
        seed: async (t, seeds) => {
          const admitted = admittedItems(await this.probe!.eval(CRAWL_SCRIPT, 4, ...crawlScriptArgs('seed', t, undefined, seeds))) ?? [];
          const at = epochNow();
          await enqueue(admitted.map((a) => ({ id: crawlJobId(t.crawl, a.id, 1), data: { ...t, id: a.id, item: a.item, enqueuedMs: at } })));
          return admitted.length;
        },
        purge: () => this.queue!.drain(true),
        cpuSource: this.cpw === 1 || this.opts.sandboxed ? 'process.cpuUsage' : 'unavailable',
        // A call in flight at the deadline may take the call timeout, and one whose worker
        // died waits out its lock and the stalled-job check before it runs again.
        graceMs: Math.min(this.limits.callTimeoutMs, 60_000) + settings.lockDuration + settings.stalledInterval + 2000,
        maxOutputBytes: this.limits.maxOutputBytes,
        stats: { workers: localWorkers + remote.length, remoteWorkers: remote.length, concurrencyPerWorker: this.cpw, engine: 'bullmq', redis: this.redis!.label },
      },
      req,
      k,
    );
  }

  private async killWorkers(): Promise<void> {
    this.wantWorkers = 0;
    const all = this.workers;
    this.workers = [];
    await Promise.all(all.map((w) => w.kill()));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.stopWatching();
    await this.killWorkers();
    for (const w of this.waiting.values()) w.resolve({ failed: 'cancelled', seenMs: epochNow(), bytes: 0 });
    this.waiting.clear();
    await this.setupSettled();
    const clients = [this.events, this.queue].filter((c): c is QueueEvents | Queue => !!c);
    // close() waits for Redis, and so can disconnect() while its client is reconnecting
    // to a dead server: neither may hold up the clean-up for more than a second.
    const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000).unref())]);
    const closed = await within(Promise.allSettled(clients.map((c) => c.close())));
    if (!closed) await within(Promise.allSettled(clients.map((c) => c.disconnect())));
    this.probe?.disconnect();
    await this.redis?.stop();
  }
}
