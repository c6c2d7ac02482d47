// The distributed executor for Python: Celery with Redis as broker and result backend.
// A driver process (python/celery_worker.py drive) runs each point's closed loop with
// send_task and the result backend's pub/sub; local Celery workers (their own --pool
// and --concurrency) consume the queue, and remote ones started with
// `workload-profiler worker` count too. Needs celery and redis in the chosen interpreter.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { ExecutorUnavailable, ProfileError } from '../../shared/errors';
import type { Executor, ExecutorLimits, PointRequest, PointSamples } from '../executorTypes';
import { clampConcurrency, epochNow } from '../../shared/closedLoop';
import { PointCollector } from '../js/pointCollector';
import { pythonFile } from '../paths';
import { DistributedTally } from './distributedStats';
import type { DistributedOptions, JobResult } from '../../shared/distributed/distributedTypes';
import { CRAWL_SCRIPT } from '../../shared/distributed/crawlProtocol';
import type { CrawlRequest, CrawlResult } from '../../shared/queue/queueTypes';
import type { CpuSource } from '../../shared/report';
import { DistributedBase } from './distributedBase';
import { runDistributedCrawl } from './distributedCrawl';
import { killGroup, trackWorker, type LocalWorker } from './localWorkers';
import { redisCommandUsec, redisOptions } from './redisServer';

export interface CeleryTarget {
  sourcePath: string;
  displayPath: string;
  functionName: string;
  sysPath: string[];
  python: string;
  args: unknown[];
  cwd: string;
}

const MAX_SLOTS = 64;
const PY_ENV = { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };

/** One line on what to install when celery or redis cannot be imported by `python`. */
export function checkCelery(python: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(python, [pythonFile('celery_worker.py'), 'check'], { timeout: 30_000 }, (err) => {
      if (!err) return resolve();
      reject(
        new ExecutorUnavailable(
          `Celery is not importable in ${python}, so the distributed executor cannot run Python: pip install "celery[redis]" there (Debian: sudo apt-get install -y python3-celery python3-redis, then --python /usr/bin/python3).`,
        ),
      );
    });
  });
}

export interface CeleryWorkerOptions {
  file: string;
  sourcePath?: string;
  functionName: string;
  python?: string;
  sysPath?: string[];
  redisUrl: string;
  queue: string;
  concurrency: number;
  pool?: string;
  local: boolean;
  owner?: string;
  limits: ExecutorLimits;
  cwd?: string;
}

/** Starts one Celery worker process (its own group) and waits until it consumes the queue. */
export async function startCeleryWorker(o: CeleryWorkerOptions): Promise<LocalWorker> {
  const python = o.python ?? 'python3';
  if (!o.local) await checkCelery(python);
  const cfg = {
    sourcePath: o.sourcePath ?? o.file,
    displayPath: o.file,
    function: o.functionName,
    sysPath: o.sysPath ?? [path.dirname(o.file)],
    redisUrl: o.redisUrl,
    queue: o.queue,
    concurrency: o.concurrency,
    pool: o.pool ?? 'prefork',
    local: o.local,
    owner: o.owner,
    callTimeoutMs: o.limits.callTimeoutMs,
    // Queue mode: the script that admits the items a crawl task finds (crawlProtocol.ts).
    crawlScript: CRAWL_SCRIPT,
  };
  const proc = spawn(python, [pythonFile('celery_worker.py'), 'worker', JSON.stringify(cfg)], {
    detached: true,
    cwd: o.cwd ?? path.dirname(o.file),
    stdio: ['ignore', o.local ? 'pipe' : 'inherit', 'pipe'],
    env: { ...process.env, ...PY_ENV },
  });
  const w = trackWorker(proc, { readyTimeoutMs: 60_000, what: 'a Celery worker', readyOnStderr: /CELERY-WORKER-READY/ });
  if (!o.local) proc.stderr?.pipe(process.stderr);
  return w;
}

export class CeleryExecutor extends DistributedBase implements Executor {
  readonly maxConcurrency = MAX_SLOTS;
  private driver?: ChildProcess;
  private driverLines: ((line: string | undefined) => void)[] = [];

  constructor(
    private readonly target: CeleryTarget,
    limits: ExecutorLimits,
    opts: DistributedOptions = {},
  ) {
    super(target.functionName, limits, opts);
  }

  protected async setupOnce(signal: AbortSignal): Promise<void> {
    await checkCelery(this.target.python);
    const redis = await this.connect(signal, 'its Celery workers were stopped', () => this.stopProcesses());
    if (this.disposed) return;
    this.probe = new Redis(redisOptions(redis.url));
    this.probe.on('error', () => undefined);
    const cfg = { redisUrl: redis.url, queue: this.queueName, callTimeoutMs: this.limits.callTimeoutMs, crawlScript: CRAWL_SCRIPT };
    const driver = spawn(this.target.python, [pythonFile('celery_worker.py'), 'drive', JSON.stringify(cfg)], {
      detached: true,
      cwd: this.target.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...PY_ENV },
    });
    this.driver = driver;
    const w = trackWorker(driver, { readyTimeoutMs: 1, what: 'the Celery driver' });
    void w.exited.then(() => {
      for (const r of this.driverLines.splice(0)) r(undefined);
    });
    let buf = '';
    driver.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.driverLines.shift()?.(line);
      }
    });
    // Old jobs of a killed profile on the user's Redis would run first and skew the wait.
    await this.probe.del(this.queueName);
  }

  /** One command to the driver, one JSON line back (undefined if the driver exited). */
  private ask(cmd: object): Promise<string | undefined> {
    const reply = new Promise<string | undefined>((resolve) => this.driverLines.push(resolve));
    this.driver!.stdin!.write(JSON.stringify(cmd) + '\n');
    return reply;
  }

  private spawnWorker(): Promise<LocalWorker> {
    return startCeleryWorker({
      file: this.target.displayPath,
      sourcePath: this.target.sourcePath,
      functionName: this.target.functionName,
      python: this.target.python,
      sysPath: this.target.sysPath,
      redisUrl: this.redis!.url,
      queue: this.queueName,
      concurrency: this.cpw,
      pool: this.opts.celeryPool,
      local: true,
      owner: this.owner,
      limits: this.limits,
      cwd: this.target.cwd,
    });
  }

  protected async resize(n: number): Promise<void> {
    const extra = this.workers.splice(n);
    await Promise.all(extra.map((w) => w.kill()));
    const started: Promise<LocalWorker>[] = [];
    for (let i = this.workers.length; i < n; i++) started.push(this.spawnWorker());
    const fresh = await Promise.all(started);
    this.workers.push(...fresh);
    try {
      await Promise.all(this.workers.map((w) => w.ready));
    } catch (e) {
      if (this.lost) throw this.lost;
      throw new ProfileError('function-failed', `A Celery worker for ${this.target.functionName} did not start: ${(e as Error).message}`);
    }
    // A worker that died (killed, crashed) is replaced at the next point; its job was requeued (acks_late).
    this.workers = this.workers.filter((w) => w.alive());
  }

  async runPoint(req: PointRequest): Promise<PointSamples> {
    const k = clampConcurrency(req.concurrency, this.maxConcurrency);
    const { remote, localWorkers } = await this.ready(k, req.signal);
    const jobTimeoutMs = this.limits.callTimeoutMs * 2 + 15_000;
    const cmd = { ...req, signal: undefined, concurrency: k, args: this.target.args, point: randomUUID(), jobTimeoutMs };
    const usec0 = await redisCommandUsec(this.probe!).catch(() => NaN);
    const line = await this.guard(this.ask(cmd), req.signal);
    if (line === undefined) throw this.lost ?? new ProfileError('internal', 'The Celery driver process exited in the middle of a point.');
    const r = JSON.parse(line) as { originMs: number; tasks: DriverTask[] };
    const usec1 = await redisCommandUsec(this.probe!).catch(() => NaN);
    const samples = this.toSamples(r, k, req.warmupMs, localWorkers, remote.length);
    if (Number.isFinite(usec1 - usec0) && r.tasks.length) samples.distributed!.brokerMsPerTask = Math.round((usec1 - usec0) / r.tasks.length) / 1000;
    return samples;
  }

  /** Queue mode: one crawl from the seeds; the Celery workers put the items they find back on this queue. */
  async crawl(req: CrawlRequest): Promise<CrawlResult> {
    const k = clampConcurrency(req.concurrency, this.maxConcurrency);
    const { remote, localWorkers } = await this.ready(k, req.signal);
    const timeoutMs = Math.min(this.limits.callTimeoutMs, 60_000);
    return runDistributedCrawl(
      {
        probe: this.probe!,
        guard: (p) => this.guard(p, req.signal),
        // The seeds' keys must be Python's canonical JSON, as the workers' are: the driver admits them.
        seed: async (job, seeds) => {
          const line = await this.ask({ type: 'seed', job, seeds });
          if (line === undefined) throw this.lost ?? new ProfileError('internal', 'The Celery driver process exited while seeding a crawl.');
          return (JSON.parse(line) as { admitted: number }).admitted;
        },
        purge: async () => void (await this.probe!.del(this.queueName)),
        cpuSource: this.cpuSource(),
        // A call in flight at the deadline may take the call timeout; a task whose worker
        // vanished whole comes back after the Redis transport's visibility timeout.
        graceMs: 2 * timeoutMs + 12_000,
        maxOutputBytes: this.limits.maxOutputBytes,
        stats: { workers: localWorkers + remote.length, remoteWorkers: remote.length, concurrencyPerWorker: this.cpw, engine: 'celery', redis: this.redis!.label },
      },
      req,
      k,
    );
  }

  private cpuSource(): CpuSource {
    return this.opts.celeryPool && this.opts.celeryPool !== 'prefork' && this.opts.celeryPool !== 'solo' ? 'unavailable' : 'time.thread_time_ns';
  }

  private toSamples(r: { originMs: number; tasks: DriverTask[] }, k: number, warmupMs: number, localWorkers: number, remoteWorkers: number): PointSamples {
    const collector = new PointCollector('distributed', k, this.limits.maxOutputBytes);
    collector.cpuSource = this.cpuSource();
    const tally = new DistributedTally();
    for (const t of r.tasks) {
      const res = t.result;
      if (!res) {
        collector.add({ ok: false, startMs: t.enqueuedMs, endMs: t.seenMs, cpuMs: NaN, error: { kind: t.failed === 'timeout' ? 'timeout' : 'job-failed', message: t.failed ?? 'failed' } }, t.counted);
        continue;
      }
      collector.add({ ok: res.ok, startMs: res.startMs, endMs: res.endMs, cpuMs: res.cpuMs, ...(res.error ? { error: res.error } : {}) }, t.counted);
      if (t.counted) tally.add({ enqueuedMs: t.enqueuedMs, startMs: res.startMs, endMs: res.endMs, seenMs: t.seenMs, bytes: t.bytes, attempt: res.attempt }, res.worker);
    }
    const samples = collector.result(r.originMs, warmupMs, epochNow());
    samples.distributed = tally.result({ workers: localWorkers + remoteWorkers, remoteWorkers, concurrencyPerWorker: this.cpw, engine: 'celery', redis: this.redis!.label });
    return samples;
  }

  private async stopProcesses(): Promise<void> {
    const all = this.workers;
    this.workers = [];
    if (this.driver?.pid && this.driver.exitCode === null) killGroup(this.driver.pid);
    await Promise.all(all.map((w) => w.kill()));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.stopWatching();
    await this.setupSettled();
    await this.stopProcesses();
    if (this.probe) {
      // Leave no queue or attempt counters behind on the user's Redis.
      await Promise.race([this.probe.del(this.queueName).catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
      this.probe.disconnect();
    }
    await this.redis?.stop();
  }
}

interface DriverTask {
  index: number;
  counted: boolean;
  enqueuedMs: number;
  seenMs: number;
  bytes: number;
  result?: JobResult;
  failed?: string;
}
