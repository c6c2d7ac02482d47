// One crawl item on a BullMQ worker (in the worker process, or in a sandboxed processor):
// call the user's function with the item, then let the crawl script admit what it found
// (dedupe and the cap, atomically in Redis) and put the admitted items back on the same
// queue. A failed first attempt goes back on the queue for its one retry; the attempt
// count includes the times BullMQ handed the job out again after a worker died, so a
// job whose worker died twice is failed without a third call.
import type { Redis } from 'ioredis';
import { epochNow } from '../../../shared/closedLoop';
import { admittedItems, CRAWL_SCRIPT, crawlJobId, crawlScriptArgs, type CrawlEventRecord, type CrawlJob } from '../../../shared/distributed/crawlProtocol';
import { MAX_ATTEMPTS } from '../../../shared/queue/frontier';
import type { ItemTaskResult } from '../../../shared/queue/queueTypes';
import type { CpuClock } from '../cpuClock';
import type { UserFunction } from '../targetHost';
import { callItem } from './callItem';

export interface CrawlJobContext {
  fn: UserFunction;
  clock?: CpuClock;
  callTimeoutMs: number;
  redis: Redis;
  /** Puts jobs on the crawl's queue (BullMQ Queue.addBulk with these ids). */
  enqueue(jobs: { id: string; data: CrawlJob }[]): Promise<unknown>;
  worker: string;
  /** CPU per job is exact only when the worker runs one job at a time. */
  exactCpu: boolean;
}

function step(ctx: CrawlJobContext, job: CrawlJob, mode: 'final' | 'attempt', ev: CrawlEventRecord, found: unknown[] = []): Promise<unknown> {
  return ctx.redis.eval(CRAWL_SCRIPT, 4, ...crawlScriptArgs(mode, job, ev, found));
}

/**
 * Runs one crawl job. `started` is how many times the queue has handed this job out
 * (BullMQ attemptsStarted); `slot` is the job slot inside the worker.
 */
export async function runCrawlJob(ctx: CrawlJobContext, job: CrawlJob, started: number, slot: number, bytes: number): Promise<void> {
  const redelivered = started > 1;
  const attempt = job.attempt + Math.max(0, started - 1);
  const base = { id: job.id, parent: job.parent, depth: job.depth, enqueuedMs: job.enqueuedMs, attempt, redelivered, worker: ctx.worker, slot, bytes };
  const now = epochNow();
  if (now >= job.deadlineMs) {
    await step(ctx, job, 'final', { ...base, startMs: now, endMs: now, ok: false, final: true, skipped: true, cpuMs: null, found: 0 });
    return;
  }
  let r: ItemTaskResult;
  if (attempt > MAX_ATTEMPTS) {
    r = { ok: false, startMs: now, endMs: now, cpuMs: NaN, found: [], error: { kind: 'worker-died', message: `the worker running it died on each of its ${MAX_ATTEMPTS} attempts` } };
  } else {
    r = await callItem(ctx.fn, job.item, ctx.callTimeoutMs, ctx.clock);
  }
  const ev: CrawlEventRecord = {
    ...base,
    startMs: r.startMs,
    endMs: r.endMs,
    ok: r.ok,
    final: r.ok || attempt >= MAX_ATTEMPTS,
    cpuMs: ctx.exactCpu && Number.isFinite(r.cpuMs) ? r.cpuMs : null,
    found: r.found.length,
    ...(r.error ? { error: { kind: r.error.kind, message: r.error.message, ...(r.error.stack ? { stack: r.error.stack } : {}) } } : {}),
  };
  if (!ev.final) {
    // The retry goes on the queue after the event: the engine sees the failed attempt first.
    await step(ctx, job, 'attempt', ev);
    const retry: CrawlJob = { ...job, attempt: attempt + 1, enqueuedMs: epochNow() };
    await ctx.enqueue([{ id: crawlJobId(job.crawl, job.id, retry.attempt), data: retry }]);
    return;
  }
  const admitted = admittedItems(await step(ctx, job, 'final', ev, r.found));
  if (!admitted?.length) return;
  const at = epochNow();
  await ctx.enqueue(
    admitted.map((a) => ({
      id: crawlJobId(job.crawl, a.id, 1),
      data: { ...job, id: a.id, item: a.item, parent: job.id, depth: job.depth + 1, enqueuedMs: at, attempt: 1 },
    })),
  );
}

/** The lowest free job slot of a worker, so each concurrent job has a stable index for idle shares. */
export class JobSlots {
  private readonly used = new Set<number>();
  take(): number {
    let s = 0;
    while (this.used.has(s)) s++;
    this.used.add(s);
    return s;
  }
  give(s: number): void {
    this.used.delete(s);
  }
}
