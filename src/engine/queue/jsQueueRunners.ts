// The JS queue runners. sequential / async: the in-loop queue of a worker thread
// (hosted/jsQueueLoopWorker.ts), K items in flight on its event loop. thread: a piscina
// pool of K threads fed by the engine's queue. process: K child processes fed the same
// way. Each crawl starts from the seeds with a fresh frontier.
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { Errors } from '../../shared/errors';
import type { ExecutorLimits } from '../executorTypes';
import { runtimeFile } from '../paths';
import type { CpuSource, ExecutorKind } from '../../shared/report';
import { raceAbort } from '../js/abort';
import { epochNow } from '../../shared/closedLoop';
import { workerDeath } from '../js/deaths';
import { POOL_THREAD_OPTIONS } from '../js/poolThreadOptions';
import { toErrorInfo, type ErrorInfo } from '../../shared/errorInfo';
import type { HostInit } from '../../shared/jsProtocol';
import type { QueuePoolResult, QueuePoolTask } from '../../shared/queue/queueChildProtocol';
import { CrawlRecorder, dispatch } from '../../shared/queue/crawlRecorder';
import { Frontier, type QueuedItem } from '../../shared/queue/frontier';
import { QueueChildLoadFailure, QueueChildPool } from './queueChildPool';
import type { CrawlRequest, CrawlResult, LoopCrawlMessage, LoopCrawlStart, QueueRunner } from '../../shared/queue/queueTypes';

/** A hung call gets this long past the timeout before its thread is ended. */
const WATCHDOG_GRACE_MS = 250;

const loadFailed = (name: string, info: ErrorInfo) => Errors.functionFailed(name, { ...info, count: 1 });

/** The in-loop queue. A worker that dies mid-crawl is replaced and resumes from the engine's mirror. */
export class JsLoopQueueRunner implements QueueRunner {
  readonly maxConcurrency = 4096;
  private live = new Set<Worker>();

  constructor(readonly kind: 'sequential' | 'async', private readonly init: HostInit, private readonly limits: ExecutorLimits) {}

  async crawl(req: CrawlRequest): Promise<CrawlResult> {
    const k = this.kind === 'sequential' ? 1 : req.concurrency;
    const mirror = new Frontier(req.dedupe, req.maxItems);
    const recorder = new CrawlRecorder(k, this.init.maxOutputBytes);
    let cpuSource: CpuSource = 'unavailable';
    let startMs = 0;
    let resume: LoopCrawlStart['resume'];
    for (;;) {
      const inFlight = new Map<number, { q: QueuedItem; lane: number; at: number }>();
      const worker = new Worker(runtimeFile('jsQueueLoopWorker'), {
        workerData: this.init,
        resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryLimitMb },
        stdout: true,
        stderr: true,
      });
      this.live.add(worker);
      worker.stdout.on('data', (d: Buffer) => recorder.output.add(undefined, 'stdout', d.toString()));
      worker.stderr.on('data', (d: Buffer) => recorder.output.add(undefined, 'stderr', d.toString()));
      let lastError: Error | undefined;
      let timedOut = false;
      worker.on('error', (e) => (lastError = e));
      const outcome = await raceAbort(
        new Promise<'done' | 'died' | ErrorInfo>((resolve) => {
          const watchdog = Number.isFinite(this.limits.callTimeoutMs)
            ? setInterval(() => {
                for (const f of inFlight.values()) {
                  if (epochNow() - f.at > this.limits.callTimeoutMs + WATCHDOG_GRACE_MS) {
                    timedOut = true;
                    void worker.terminate();
                  }
                }
              }, 100)
            : undefined;
          worker.on('message', (m: LoopCrawlMessage) => {
            if (m.type === 'loadError') resolve(m.error);
            else if (m.type === 'ready') {
              cpuSource = m.cpuSource;
              const seedMs = epochNow();
              if (!resume) {
                startMs = seedMs;
                for (const s of req.seeds) mirror.offer(s, -1, 1, seedMs);
              }
              const start: LoopCrawlStart & { seedMs: number } = { type: 'crawl', concurrency: k, dedupe: req.dedupe, maxItems: req.maxItems, deadlineMs: req.deadlineMs, seedMs, ...(resume ? { resume } : { seeds: req.seeds }) };
              worker.postMessage(start);
            } else if (m.type === 'events') {
              if (m.output) recorder.output.add(m.output);
              for (const e of m.events) {
                if (e.t === 's') {
                  const q = mirror.take();
                  if (!q || q.id !== e.id) {
                    // Cannot happen while both sides run the same Frontier; stop rather than guess.
                    void worker.terminate();
                    return resolve({ kind: 'internal', message: `queue mirror out of step: expected item ${q?.id}, the worker started ${e.id}` });
                  }
                  q.attempts++;
                  inFlight.set(e.id, { q, lane: e.lane, at: e.at });
                } else {
                  const f = inFlight.get(e.id)!;
                  inFlight.delete(e.id);
                  recorder.settle(mirror, f.q, f.lane, e);
                }
              }
            } else if (m.type === 'done') {
              if (m.output) recorder.output.add(m.output);
              clearInterval(watchdog);
              resolve('done');
            }
          });
          worker.once('exit', (code) => {
            clearInterval(watchdog);
            // The calls in flight died with the thread: each gets its retry, or fails.
            const death = workerDeath({ timedOutAfterMs: timedOut ? this.limits.callTimeoutMs : undefined, error: lastError, exitCode: code }, this.limits.memoryLimitMb);
            const now = epochNow();
            for (const f of inFlight.values()) recorder.settle(mirror, f.q, f.lane, { ok: false, startMs: f.at, endMs: now, cpuMs: NaN, found: [], error: death });
            inFlight.clear();
            resolve('died');
          });
        }),
        req.signal,
        () => worker.terminate(),
      ).finally(() => {
        this.live.delete(worker);
        void worker.terminate();
      });
      if (outcome === 'done') break;
      if (outcome !== 'died') throw loadFailed(this.init.functionName, outcome);
      if (!startMs) throw loadFailed(this.init.functionName, { kind: 'exit', message: 'the worker thread ended before it loaded the module' });
      if (mirror.depth === 0 || epochNow() >= req.deadlineMs) break;
      resume = mirror.exportState();
    }
    const endMs = recorder.items.reduce((m, r) => Math.max(m, r.endMs), startMs);
    return recorder.result(mirror, this.kind, k, startMs, endMs, mirror.depth === 0, cpuSource);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.live].map((w) => w.terminate()));
    this.live.clear();
  }
}

/** A piscina pool of K threads fed by the engine's queue, one item per task. */
export class JsThreadQueueRunner implements QueueRunner {
  readonly kind = 'thread' as const;
  readonly maxConcurrency = 256;
  private pools = new Set<Piscina>();
  private destroying = new WeakMap<Piscina, Promise<void>>();

  constructor(private readonly init: HostInit, private readonly limits: ExecutorLimits) {}

  private destroy(pool: Piscina): Promise<void> {
    // Once per pool: a second destroy() lets piscina restart a thread nobody ends.
    let p = this.destroying.get(pool);
    if (!p) this.destroying.set(pool, (p = pool.destroy().catch(() => undefined)));
    this.pools.delete(pool);
    return p;
  }

  async crawl(req: CrawlRequest): Promise<CrawlResult> {
    const k = req.concurrency;
    const pool = new Piscina<QueuePoolTask, QueuePoolResult>({
      filename: runtimeFile('jsQueuePoolWorker'),
      ...POOL_THREAD_OPTIONS,
      maxThreads: k,
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryLimitMb },
      workerData: this.init,
    });
    this.pools.add(pool);
    const recorder = new CrawlRecorder(k, this.init.maxOutputBytes);
    pool.on('error', () => undefined); // a thread dying between items has no item to fail
    try {
      // Every thread loads the bundle before the seeds go in: start-up is not crawl time.
      const barrier = new SharedArrayBuffer(4);
      const warm = Promise.all(Array.from({ length: k }, () => pool.run({ type: 'warm', barrier, parties: k })));
      let cpuSource: CpuSource = 'unavailable';
      try {
        const w = await raceAbort(warm, req.signal, () => this.destroy(pool));
        if (w[0]?.type === 'warm') cpuSource = w[0].cpuSource;
      } catch (e) {
        if ((e as { code?: string }).code === 'cancelled') throw e;
        throw loadFailed(this.init.functionName, toErrorInfo(e));
      }
      const frontier = new Frontier(req.dedupe, req.maxItems);
      const startMs = epochNow();
      for (const s of req.seeds) frontier.offer(s, -1, 1, startMs);
      const run = async (_slot: number, q: QueuedItem) => {
        const ac = new AbortController();
        const timeout = this.limits.callTimeoutMs;
        let timedOut = false;
        const timer = Number.isFinite(timeout) ? setTimeout(() => ((timedOut = true), ac.abort()), timeout) : undefined;
        const at = epochNow();
        try {
          const r = await pool.run({ type: 'item', item: q.item }, { signal: ac.signal });
          if (r.type !== 'item') throw new Error('unexpected warm-up reply');
          if (r.output) recorder.output.add(r.output);
          return r;
        } catch (e) {
          // Aborted (timeout) or the thread died mid-item (process.exit, crash, out of memory).
          // piscina reports a thread's exit as a plain Error with the code in its message.
          const exit = /worker exited with code: (-?\d+)/.exec((e as Error)?.message ?? '');
          const error = workerDeath(
            timedOut ? { timedOutAfterMs: timeout } : exit ? { exitCode: Number(exit[1]) } : { error: e as Error },
            this.limits.memoryLimitMb,
          );
          return { ok: false, startMs: at, endMs: epochNow(), cpuMs: NaN, found: [], error };
        } finally {
          clearTimeout(timer);
        }
      };
      const drained = await raceAbort(dispatch(req, frontier, recorder, run), req.signal, () => this.destroy(pool));
      const endMs = recorder.items.reduce((m, r) => Math.max(m, r.endMs), startMs);
      return recorder.result(frontier, 'thread', k, startMs, endMs, drained, cpuSource);
    } finally {
      await this.destroy(pool);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.pools].map((p) => this.destroy(p)));
  }
}

/** K child processes fed by the engine's queue. */
export class JsProcessQueueRunner implements QueueRunner {
  readonly kind = 'process' as const;
  readonly maxConcurrency = 64;
  private pools = new Set<QueueChildPool>();

  constructor(private readonly init: HostInit, private readonly limits: ExecutorLimits) {}

  async crawl(req: CrawlRequest): Promise<CrawlResult> {
    const k = req.concurrency;
    const recorder = new CrawlRecorder(k, this.init.maxOutputBytes);
    const pool = new QueueChildPool(this.init, this.limits, (s, t) => recorder.output.add(undefined, s, t));
    this.pools.add(pool);
    try {
      try {
        await raceAbort(pool.start(k), req.signal, () => pool.destroy());
      } catch (e) {
        if (e instanceof QueueChildLoadFailure) throw loadFailed(this.init.functionName, e.info);
        throw e;
      }
      const frontier = new Frontier(req.dedupe, req.maxItems);
      const startMs = epochNow();
      for (const s of req.seeds) frontier.offer(s, -1, 1, startMs);
      const run = async (slot: number, q: QueuedItem) => {
        const r = await pool.run(slot, q.item);
        if (r.output) recorder.output.add(r.output);
        return r;
      };
      let drained: boolean;
      try {
        drained = await raceAbort(dispatch(req, frontier, recorder, run), req.signal, () => pool.destroy());
      } catch (e) {
        if (e instanceof QueueChildLoadFailure) throw loadFailed(this.init.functionName, e.info);
        throw e;
      }
      const endMs = recorder.items.reduce((m, r) => Math.max(m, r.endMs), startMs);
      return recorder.result(frontier, 'process', k, startMs, endMs, drained, pool.cpuSource);
    } finally {
      this.pools.delete(pool);
      await pool.destroy();
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.pools].map((p) => p.destroy()));
    this.pools.clear();
  }
}

export function createJsQueueRunner(kind: ExecutorKind, init: HostInit, limits: ExecutorLimits): QueueRunner {
  if (kind === 'sequential' || kind === 'async') return new JsLoopQueueRunner(kind, init, limits);
  if (kind === 'thread') return new JsThreadQueueRunner(init, limits);
  return new JsProcessQueueRunner(init, limits);
}
