// What the BullMQ and the Celery executors share: the Redis they use and its watcher, the
// workers that announced themselves from elsewhere, how many local workers a point of K
// jobs in flight needs, and the race of a point (or a crawl) against Redis going away
// and against cancel. Each engine adds its own clients, workers and protocol.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ProfileError } from '../../shared/errors';
import { defaultQueueName, WORKER_KEY_PREFIX, type DistributedOptions, type WorkerAnnouncement } from '../../shared/distributed/distributedTypes';
import { raceAbort, throwIfAborted } from '../js/abort';
import type { ExecutorLimits } from '../executorTypes';
import type { LocalWorker } from './localWorkers';
import { openRedis, watchRedis, type RedisEndpoint } from './redisServer';

export abstract class DistributedBase {
  readonly kind = 'distributed' as const;
  protected redis?: RedisEndpoint;
  protected probe?: Redis;
  protected workers: LocalWorker[] = [];
  protected readonly owner = randomUUID();
  protected readonly queueName: string;
  /** Jobs each local worker runs at once. */
  protected readonly cpw: number;
  protected lost?: ProfileError;
  protected disposed = false;
  private readonly lostListeners = new Set<(e: ProfileError) => void>();
  private stopWatch?: () => void;

  private setupDone?: Promise<void>;

  constructor(
    functionName: string,
    protected readonly limits: ExecutorLimits,
    protected readonly opts: DistributedOptions,
  ) {
    this.queueName = opts.queue ?? defaultQueueName(functionName);
    this.cpw = Math.max(1, Math.floor(opts.concurrencyPerWorker ?? 1));
  }

  /** Opens Redis (connect()) and the engine's clients; run once, on the first point or crawl. */
  protected abstract setupOnce(signal: AbortSignal): Promise<void>;
  /** Exactly `n` local workers, all ready. */
  protected abstract resize(n: number): Promise<void>;

  /** Set up once, then local workers for K jobs in flight beside the remote ones. */
  protected async ready(k: number, signal: AbortSignal): Promise<{ remote: WorkerAnnouncement[]; localWorkers: number }> {
    if (this.disposed) throw new Error('distributed executor used after dispose()');
    throwIfAborted(signal);
    await this.guard((this.setupDone ??= this.setupOnce(signal)), signal);
    if (this.lost) throw this.lost;
    const plan = await this.plan(k);
    try {
      await this.guard(this.resize(plan.localWorkers), signal);
    } catch (e) {
      // Workers cannot start without Redis: say that, not "the worker exited".
      if (this.lost) throw this.lost;
      throw e;
    }
    return plan;
  }

  /** For dispose(): waits for a setup still under way, whatever its outcome. */
  protected async setupSettled(): Promise<void> {
    await this.setupDone?.catch(() => undefined);
  }

  /** Redis in use (tests and the report). */
  get endpoint(): RedisEndpoint | undefined {
    return this.redis;
  }

  get localWorkerPids(): number[] {
    return this.workers.map((w) => w.proc.pid!).filter(Boolean);
  }

  abstract dispose(): Promise<void>;

  /**
   * Opens Redis (ours or the user's) and watches it. When it goes away, the error says
   * so and what was stopped (`stopped`), `stop` ends the processes at once, and every
   * point or crawl waiting on it fails instead of hanging.
   */
  protected async connect(signal: AbortSignal, stopped: string, stop: () => Promise<void>): Promise<RedisEndpoint> {
    const redis = (this.redis = await openRedis(this.opts.redisUrl, signal));
    this.stopWatch = watchRedis(redis, (why) => {
      const where = redis.label === 'own' ? `127.0.0.1:${redis.port} (started by the profiler)` : redis.label;
      this.lost = new ProfileError('bad-input', `Redis at ${where} went away in the middle of the distributed run (${why}); ${stopped}. Check the server and profile again.`);
      void stop();
      for (const l of this.lostListeners) l(this.lost);
    });
    return redis;
  }

  protected stopWatching(): void {
    this.stopWatch?.();
  }

  /** Workers started elsewhere (`workload-profiler worker`) that announced themselves on this queue. */
  protected async remoteWorkers(): Promise<WorkerAnnouncement[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.probe!.scan(cursor, 'MATCH', `${WORKER_KEY_PREFIX}${this.queueName}:*`, 'COUNT', 200);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (!keys.length) return [];
    const values = await this.probe!.mget(keys);
    return values.flatMap((v) => {
      try {
        const a = v ? (JSON.parse(v) as WorkerAnnouncement) : undefined;
        return a && !a.local ? [a] : [];
      } catch {
        return [];
      }
    });
  }

  /** For K jobs in flight: the remote workers' slots first, local workers for the rest. */
  protected async plan(k: number): Promise<{ remote: WorkerAnnouncement[]; localWorkers: number }> {
    const remote = await this.remoteWorkers();
    const remoteSlots = remote.reduce((n, a) => n + Math.max(1, a.concurrency), 0);
    return { remote, localWorkers: Math.ceil(Math.max(0, k - remoteSlots) / this.cpw) };
  }

  /** Rejects with the Redis-lost error when (or if already) Redis went away. */
  protected lostSignal(): { promise: Promise<never>; done: () => void } {
    let listener: ((e: ProfileError) => void) | undefined;
    const promise = new Promise<never>((_, reject) => {
      if (this.lost) return reject(this.lost);
      listener = reject;
      this.lostListeners.add(reject);
    });
    promise.catch(() => undefined);
    return { promise, done: () => listener && this.lostListeners.delete(listener) };
  }

  /**
   * Settles like `p` unless Redis goes away first (then: dispose, and the lost error) or
   * the profile is cancelled (then: dispose, and Errors.cancelled()).
   */
  protected async guard<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
    const lost = this.lostSignal();
    try {
      return await raceAbort(Promise.race([p, lost.promise]), signal, () => this.dispose());
    } catch (e) {
      if (this.lost) {
        await this.dispose();
        throw this.lost;
      }
      throw e;
    } finally {
      lost.done();
    }
  }
}
