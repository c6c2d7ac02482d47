// `workload-profiler worker`: queue workers for a function on any machine that can reach
// the Redis of a profile. They are the same worker processes a profile starts locally
// (BullMQ for JS/TS, Celery for Python), announced as remote so the profile counts them.
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { createJsRuntime } from '../js/jsRuntime';
import { runtimeFile } from '../paths';
import type { ExecutorLimits } from '../executorTypes';
import type { BullWorkerConfig } from '../../shared/distributed/bullProtocol';
import { startCeleryWorker } from './celeryExecutor';
import { defaultQueueName } from '../../shared/distributed/distributedTypes';
import { trackWorker, type LocalWorker } from './localWorkers';
import { useExistingRedis } from './redisServer';

export interface RemoteWorkerOptions {
  file: string;
  functionName: string;
  redisUrl: string;
  /** Worker processes on this machine. */
  workers: number;
  /** Jobs each runs at once. */
  concurrency: number;
  queue?: string;
  python?: string;
  celeryPool?: string;
  /** JS: BullMQ sandboxed processors. */
  sandboxed?: boolean;
  limits: ExecutorLimits;
}

export interface RemoteWorkers {
  pids: number[];
  /** Resolves when every worker has exited (they only exit when stopped or on error). */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export async function startRemoteWorkers(o: RemoteWorkerOptions): Promise<RemoteWorkers> {
  await useExistingRedis(o.redisUrl);
  const queue = o.queue ?? defaultQueueName(o.functionName);
  let workers: LocalWorker[];
  let cleanup: () => Promise<void> = async () => undefined;
  if (path.extname(o.file).toLowerCase() === '.py') {
    workers = [];
    for (let i = 0; i < o.workers; i++) {
      workers.push(await startCeleryWorker({ file: path.resolve(o.file), functionName: o.functionName, python: o.python, redisUrl: o.redisUrl, queue, concurrency: o.concurrency, pool: o.celeryPool, local: false, limits: o.limits }));
    }
  } else {
    const rt = await createJsRuntime({ file: o.file, functionName: o.functionName, args: [] }, o.limits);
    cleanup = () => rt.dispose();
    const cfg: BullWorkerConfig = {
      redisUrl: o.redisUrl,
      queue,
      bundlePath: rt.target.bundlePath!,
      functionName: o.functionName,
      concurrency: o.concurrency,
      callTimeoutMs: o.limits.callTimeoutMs,
      local: false,
      ...(o.sandboxed ? { sandboxed: true } : {}),
    };
    workers = Array.from({ length: o.workers }, () =>
      trackWorker(fork(runtimeFile('bullWorker'), [JSON.stringify(cfg)], { detached: true, stdio: ['ignore', 'inherit', 'pipe', 'ipc'], execArgv: [`--max-old-space-size=${o.limits.memoryLimitMb}`] }), {
        readyTimeoutMs: 30_000,
        what: 'a BullMQ worker',
      }),
    );
  }
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (e) {
    await Promise.all(workers.map((w) => w.kill()));
    await cleanup();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // SIGTERM first: a worker finishes its running job instead of leaving it to the stalled-job check.
      for (const w of workers) if (w.alive()) w.proc.kill('SIGTERM');
      const t = setTimeout(() => void Promise.all(workers.map((w) => w.kill())), 5000);
      await Promise.all(workers.map((w) => w.exited));
      clearTimeout(t);
      await cleanup();
    })());
  return { pids: workers.map((w) => w.proc.pid!), exited: Promise.all(workers.map((w) => w.exited)).then(() => undefined), stop };
}
