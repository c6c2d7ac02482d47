// A BullMQ sandboxed processor: with `--sandboxed`, each of a worker's `concurrency`
// slots runs jobs in a child process of its own that BullMQ forks (dist/hosted/main.js,
// BullMQ's own sandbox host, bundled next to this file). The child loads the user's
// function like every other executor. CPU-bound calls then run in parallel inside one
// worker, and the worker's event loop stays free to renew its job locks.
import * as os from 'node:os';
import { processCpuClock } from './lib/cpuClock';
import { callTarget, loadTargetFunction, type UserFunction } from './lib/targetHost';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobPayload, JobResult } from '../shared/distributed/distributedTypes';
import { bullEnqueue, CRAWL_JOB_NAME, type CrawlJob } from '../shared/distributed/crawlProtocol';
import { runCrawlJob, type CrawlJobContext } from './lib/queue/crawlJob';

interface SandboxConfig {
  bundlePath: string;
  functionName: string;
  callTimeoutMs: number;
  redisUrl: string;
  queue: string;
}

const cfg = JSON.parse(process.env.WORKLOAD_BULL_SANDBOX ?? '{}') as SandboxConfig;
const clock = processCpuClock();
let loaded: Promise<UserFunction> | undefined;

let crawl: CrawlJobContext | undefined;

export default async function processJob(job: { id?: string; name?: string; data: JobPayload; attemptsStarted?: number; attemptsMade?: number }): Promise<JobResult | void> {
  const fn = await (loaded ??= loadTargetFunction(cfg.bundlePath, cfg.functionName));
  if (job.name === CRAWL_JOB_NAME) {
    // Queue mode: this child is one job slot of its worker, with its own Redis connection.
    if (!crawl) {
      const redis = new Redis(cfg.redisUrl, { maxRetriesPerRequest: null });
      redis.on('error', () => undefined);
      crawl = { fn, clock, callTimeoutMs: cfg.callTimeoutMs, redis, enqueue: bullEnqueue(new Queue(cfg.queue, { connection: redis })), worker: `${os.hostname()}:${process.pid}`, exactCpu: true };
    }
    const data = job.data as unknown as CrawlJob;
    return runCrawlJob(crawl, data, job.attemptsStarted ?? (job.attemptsMade ?? 0) + 1, 0, Buffer.byteLength(JSON.stringify(data)));
  }
  let value: unknown;
  const keep: UserFunction = (...a) => {
    const r = fn(...a) as unknown;
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') return (r as PromiseLike<unknown>).then((v) => (value = v));
    value = r;
    return r;
  };
  const o = await callTarget(keep, job.data.args, job.data.index, cfg.callTimeoutMs, clock);
  const result: JobResult = {
    ok: o.ok,
    startMs: o.startMs,
    endMs: o.endMs,
    // One job at a time in this process: its CPU clock is this job's.
    cpuMs: o.cpuMs,
    worker: `${os.hostname()}:${process.pid}`,
    attempt: Math.max(1, job.attemptsStarted ?? (job.attemptsMade ?? 0) + 1),
  };
  if (o.error) result.error = { kind: o.error.kind, message: o.error.message, ...(o.error.stack ? { stack: o.error.stack } : {}) };
  if (o.ok && value !== undefined) {
    try {
      result.value = JSON.stringify(value);
    } catch (e) {
      result.value = JSON.stringify(`[not JSON-serialisable: ${(e as Error).message}]`);
    }
  }
  return result;
}
