// A BullMQ worker process: consumes the profile's queue and runs the user's function
// for each job, loaded like every other executor does (targetHost.loadTargetFunction on
// the esbuild bundle). Started by the engine for its local workers (forked, config in
// argv, "ready" over IPC) and by `workload-profiler worker` on any machine that can
// reach the Redis. Each job's result carries the worker-side timings; the engine
// measures the rest (queue wait, result latency) around them.
import { Queue, Worker, type Job } from 'bullmq';
import { Redis as IORedis } from 'ioredis';
import * as os from 'node:os';
import { join } from 'node:path';
import { processCpuClock } from './lib/cpuClock';
import { toErrorInfo } from '../shared/errorInfo';
import { callTarget, loadTargetFunction, type UserFunction } from './lib/targetHost';
import { lowerThisThreadPriority } from './lib/userPriority';
import { WORKER_KEY_PREFIX, WORKER_TTL_S, type JobPayload, type JobResult, type WorkerAnnouncement } from '../shared/distributed/distributedTypes';
import { bullSettings, type BullWorkerConfig, type BullWorkerMessage } from '../shared/distributed/bullProtocol';
import { bullEnqueue, CRAWL_JOB_NAME, type CrawlJob } from '../shared/distributed/crawlProtocol';
import { JobSlots, runCrawlJob, type CrawlJobContext } from './lib/queue/crawlJob';

const cfg = JSON.parse(process.argv[2] ?? '{}') as BullWorkerConfig;
const send = (m: BullWorkerMessage) => process.send?.(m);
const id = `${os.hostname()}:${process.pid}`;
let worker: Worker | undefined;
let announce: NodeJS.Timeout | undefined;
let connection: IORedis | undefined;

if (process.send) {
  // Forked by the engine: if it goes away (even by SIGKILL) the IPC channel closes, and
  // this worker's whole group goes with it.
  process.on('disconnect', () => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void shutdown(0));

async function shutdown(code: number): Promise<void> {
  clearInterval(announce);
  // Give a running job a moment to finish; a remote worker stopped with Ctrl-C should not
  // leave half its jobs to the stalled-job checker.
  const closing = worker?.close().catch(() => undefined);
  await Promise.race([closing, new Promise((r) => setTimeout(r, 2000))]);
  await connection?.del(WORKER_KEY_PREFIX + cfg.queue + ':' + id).catch(() => undefined);
  connection?.disconnect();
  process.exit(code);
}

/** The user's function, wrapped to keep its last return value (callTarget drops it). */
function keepingValue(fn: UserFunction, box: { value?: unknown }): UserFunction {
  return (...a) => {
    const r = fn(...a) as unknown;
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
      return (r as PromiseLike<unknown>).then((v) => (box.value = v));
    }
    box.value = r;
    return r;
  };
}

function serialise(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value);
  } catch (e) {
    return JSON.stringify(`[not JSON-serialisable: ${(e as Error).message}]`);
  }
}

async function main(): Promise<void> {
  lowerThisThreadPriority();
  let fn: UserFunction;
  try {
    fn = await loadTargetFunction(cfg.bundlePath, cfg.functionName);
  } catch (e) {
    const error = toErrorInfo(e);
    send({ type: 'loadError', error });
    process.stderr.write(`error: loading ${cfg.functionName} failed: ${error.kind}: ${error.message}\n`);
    process.exit(3);
  }
  // Loaded here even when jobs run sandboxed: a module that fails to load is reported
  // once, at start-up, instead of failing every job.
  const clock = processCpuClock();
  const settings = bullSettings(cfg.callTimeoutMs);
  connection = new IORedis(cfg.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  if (cfg.sandboxed) process.env.WORKLOAD_BULL_SANDBOX = JSON.stringify({ bundlePath: cfg.bundlePath, functionName: cfg.functionName, callTimeoutMs: cfg.callTimeoutMs, redisUrl: cfg.redisUrl, queue: cfg.queue });
  // Queue mode: crawl items put their found items back on this same queue.
  const slots = new JobSlots();
  let crawl: CrawlJobContext | undefined;
  const crawlItem = async (job: Job<CrawlJob>): Promise<void> => {
    crawl ??= { fn, clock, callTimeoutMs: cfg.callTimeoutMs, redis: connection!, enqueue: bullEnqueue(new Queue(cfg.queue, { connection: connection! })), worker: id, exactCpu: cfg.concurrency === 1 };
    const slot = slots.take();
    try {
      await runCrawlJob(crawl, job.data, job.attemptsStarted ?? 1, slot, Buffer.byteLength(JSON.stringify(job.data)));
    } finally {
      slots.give(slot);
    }
  };
  const inProcess = async (job: Job<JobPayload>): Promise<JobResult | void> => {
    if (job.name === CRAWL_JOB_NAME) return crawlItem(job as unknown as Job<CrawlJob>);
    const box: { value?: unknown } = {};
    const o = await callTarget(keepingValue(fn, box), job.data.args, job.data.index, cfg.callTimeoutMs, clock);
    const result: JobResult = {
      ok: o.ok,
      startMs: o.startMs,
      endMs: o.endMs,
      // Process CPU counts every job in flight: exact only one job at a time.
      cpuMs: cfg.concurrency === 1 ? o.cpuMs : NaN,
      worker: id,
      attempt: Math.max(1, job.attemptsStarted ?? 1),
    };
    if (o.error) result.error = { kind: o.error.kind, message: o.error.message, ...(o.error.stack ? { stack: o.error.stack } : {}) };
    const value = o.ok ? serialise(box.value) : undefined;
    if (value !== undefined) result.value = value;
    return result;
  };
  worker = new Worker(cfg.queue, cfg.sandboxed ? join(__dirname, 'bullSandbox.js') : inProcess, { connection, concurrency: cfg.concurrency, ...settings });
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  const me: WorkerAnnouncement = { id, host: os.hostname(), pid: process.pid, concurrency: cfg.concurrency, local: cfg.local, ...(cfg.owner ? { owner: cfg.owner } : {}) };
  const key = WORKER_KEY_PREFIX + cfg.queue + ':' + id;
  const beat = () => connection!.set(key, JSON.stringify(me), 'EX', WORKER_TTL_S).catch(() => undefined);
  await beat();
  announce = setInterval(beat, 1000);
  send({ type: 'ready', id });
  if (!cfg.local) process.stderr.write(`worker ${id}: running ${cfg.functionName} from queue ${cfg.queue}, ${cfg.concurrency} at a time\n`);
}

void main().catch((e) => {
  process.stderr.write(`error: worker ${id} failed: ${(e as Error).message}\n`);
  process.exit(1);
});
