// Shapes shared by the distributed executor's engine side (BullMQ, Celery), the worker
// runtimes that consume its queue, and the report. Plain JSON only: every one of these
// crosses Redis.

/** How the distributed executor is set up for one profile (CLI flags / extension settings). */
export interface DistributedOptions {
  /** An existing Redis (redis://host:port/db). Unset: we start our own redis-server on loopback. */
  redisUrl?: string;
  /** Jobs each local worker process runs at once (BullMQ `concurrency`, Celery `--concurrency`). Default 1. */
  concurrencyPerWorker?: number;
  /** Queue name; remote workers must use the same one. Default: derived from the function name. */
  queue?: string;
  /** Celery `--pool` of the local workers (prefork, threads, solo, ...). Default prefork. */
  celeryPool?: string;
  /** JS: run each job in a BullMQ sandboxed processor (a child process per job slot). */
  sandboxed?: boolean;
}

/** What one job carries to a worker. */
export interface JobPayload {
  /** Task index; "$i" in the args was already replaced by it. */
  index: number;
  args: unknown[];
  /** Epoch ms (sub-ms) when the engine put it on the queue. */
  enqueuedMs: number;
  /** Id of the profile point, so a worker's late result from an old point is ignored. */
  point: string;
}

/** What a worker hands back as the job's result (JSON in the result backend). */
export interface JobResult {
  ok: boolean;
  /** Epoch ms when the function started / returned, in the worker. */
  startMs: number;
  endMs: number;
  cpuMs: number;
  /** Worker that ran it: "<host>:<pid>". */
  worker: string;
  /** Attempt number (1 = first try); > 1 after a worker died mid-job. */
  attempt: number;
  error?: { kind: string; message: string; stack?: string };
  /** JSON of the function's return value, or a note when it is not JSON-serialisable. */
  value?: string;
}

/** Per-run figures of the distributed executor (RunResult.distributed). Means per counted task. */
export interface DistributedRunStats {
  /** Worker processes consuming the queue during the point: local ones plus those that joined. */
  workers: number;
  /** Of those, workers started elsewhere (`workload-profiler worker`). */
  remoteWorkers: number;
  concurrencyPerWorker: number;
  /** Enqueue → a worker starts the function. */
  queueWaitMs: number;
  /** The function's own run time in the worker. */
  runMs: number;
  /** Worker finishes → the engine sees the result. */
  resultLatencyMs: number;
  /** JSON bytes of the job plus its result, per task. */
  bytesPerTask: number;
  /** Redis's own command time per task (INFO commandstats): the serial part of the queue. */
  brokerMsPerTask?: number;
  /** Jobs run again because the worker running them died (stalled-job handling / acks_late). */
  retries: number;
  engine: 'bullmq' | 'celery';
  /** Redis used: "own" (started for this profile) or the host:port given. */
  redis: string;
}

/** A worker announces itself under this key prefix, with a short TTL it keeps refreshing. */
export const WORKER_KEY_PREFIX = 'workload-profiler:workers:';
/** Seconds a worker's announcement lives without a refresh. */
export const WORKER_TTL_S = 5;

export interface WorkerAnnouncement {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** True for workers the profiler started itself; false for `workload-profiler worker`. */
  local: boolean;
  /** The profile that started it (local workers only). */
  owner?: string;
}

/** The default queue name: the same on every machine for the same function. */
export function defaultQueueName(functionName: string): string {
  return `workload-profiler.${functionName.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}
