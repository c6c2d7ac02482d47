// Shared by the distributed executor's tests: a point request, and what "nothing left"
// means for Redis servers and queue workers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor, PointRequest, TargetRuntime } from '../../src/engine/executorTypes';
import type { CrawlRequest, CrawlResult } from '../../src/shared/queue/queueTypes';
import { ProfileError } from '../../src/shared/errors';
import type { Report, RunResult } from '../../src/shared/report';
import { packageRoot } from '../../src/engine/paths';

export const DIST_FX = (name: string) => join(packageRoot(), 'test', 'fixtures', 'distributed', name);

export function request(concurrency: number, over: Partial<PointRequest> = {}): PointRequest {
  return { concurrency, durationMs: 600, minTasks: 3, warmupMs: 100, taskIndexStart: 0, maxErrors: 50, signal: new AbortController().signal, ...over };
}

/** Pids of redis-servers and queue workers this test process started (pgrep -P walks only children, so check by parent chain). */
export function ourQueueProcesses(): string[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const rows = out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ pid: +m[1], ppid: +m[2], stat: m[3], args: m[4] }));
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows) {
      if (!mine.has(r.pid) && mine.has(r.ppid)) {
        mine.add(r.pid);
        grew = true;
      }
    }
  }
  return rows
    .filter((r) => mine.has(r.pid) && r.pid !== process.pid && !r.stat.startsWith('Z'))
    .filter((r) => /redis-server|bullWorker|celery|celery_worker/.test(r.args))
    .map((r) => `${r.pid} ${r.args}`);
}

export function alive(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  } catch {
    return false;
  }
}

/** Waits up to 5 s for every Redis and worker this process started to be gone. */
export async function assertNothingLeft(what: string, pids: number[] = []): Promise<void> {
  let left: string[] = [];
  for (let i = 0; i < 50; i++) {
    left = [...ourQueueProcesses(), ...pids.filter(alive).map((p) => `${p} (watched)`)];
    if (!left.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(left, [], `${what}: processes left running`);
}

/** Detached workers are reparented to init when orphaned: also look for them system-wide by queue name. */
export function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number).filter((p) => p !== process.pid);
  } catch {
    return [];
  }
}

/** Whether `cmd args` runs here (redis-server --version, python3 -c "import celery"). */
export function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasRedis = (): boolean => works('redis-server', ['--version']);

/** Pages reachable from the seeds by breadth-first search, how many links found a page already found, and the depth (seed = 1). */
export function reachable(seeds: number[], links: (p: number) => number[]): { pages: number[]; duplicates: number; depth: number } {
  const depth = new Map<number, number>();
  const queue: number[] = [];
  let duplicates = 0;
  for (const s of seeds) {
    if (depth.has(s)) duplicates++;
    else {
      depth.set(s, 1);
      queue.push(s);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    for (const q of links(queue[i])) {
      if (depth.has(q)) duplicates++;
      else {
        depth.set(q, depth.get(queue[i])! + 1);
        queue.push(q);
      }
    }
  }
  return { pages: [...depth.keys()].sort((a, b) => a - b), duplicates, depth: Math.max(...depth.values()) };
}

/**
 * The depths a concurrent crawl recorded form a discovery tree: seeds at depth 1, every
 * other item one deeper than the item that found it. A page takes the depth of the path
 * that reached it first, which with several workers need not be the shortest one, so
 * the deepest item is at least the breadth-first depth, not equal to it.
 */
export function assertDiscoveryDepths(items: { id: number; parent: number; depth: number }[], seeds: number, bfsDepth: number): void {
  const byId = new Map(items.map((r) => [r.id, r]));
  for (const r of items) {
    if (r.parent === -1) assert.equal(r.depth, 1, `seed ${r.id} at depth 1`);
    else assert.equal(r.depth, byId.get(r.parent)!.depth + 1, `item ${r.id} one deeper than its parent ${r.parent}`);
  }
  assert.equal(items.filter((r) => r.parent === -1).length, seeds);
  const deepest = Math.max(...items.map((r) => r.depth));
  assert.ok(deepest >= bfsDepth && deepest <= items.length, `deepest item ${deepest}: at least the breadth-first depth ${bfsDepth}`);
}

/** Pages a crawl visited, from the log every worker appends to: sorted, repeats kept. */
export function visits(log: string): number[] {
  return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

/** Waits up to `ms` for `file` to hold a pid (a fixture's "kill me" marker) and returns it. */
export async function waitForPid(file: string, ms = 30_000): Promise<number> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    try {
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid > 0) return pid;
    } catch {
      /* not yet */
    }
  }
  assert.fail(`no pid in ${file} within ${ms / 1000} s`);
}

/** A crawl from page 0 of the crawler fixtures, K in flight, a minute before its deadline. */
export function crawlRequest(k: number, over: Partial<CrawlRequest> = {}): CrawlRequest {
  return { concurrency: k, seeds: [0], dedupe: true, maxItems: 2000, deadlineMs: Date.now() + 60_000, signal: new AbortController().signal, ...over };
}

/** A distributed executor (BullMQ or Celery) as the queue-mode tests use it. */
export type CrawlingExecutor = Executor & { crawl(r: CrawlRequest): Promise<CrawlResult>; readonly localWorkerPids: number[]; readonly endpoint?: { pid?: number } };

/**
 * Mocha hooks for the crawler fixtures: a fresh directory per test with CRAWL_LOG (the
 * visit log) and CRAWL_DIR (markers) pointing into it; `executor(...)` opens a runtime
 * with `open` and returns its distributed executor. After each test: the runtime
 * disposed, the directory removed, and no Redis or worker left running.
 */
export function useCrawlRuntime<A extends unknown[]>(open: (...a: A) => Promise<TargetRuntime>): { executor(...a: A): Promise<CrawlingExecutor>; dir(): string; log(): string } {
  let dir = '';
  let rt: TargetRuntime | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wp-crawl-'));
    process.env.CRAWL_LOG = join(dir, 'visits.log');
    process.env.CRAWL_DIR = dir;
  });
  afterEach(async () => {
    await rt?.dispose();
    rt = undefined;
    delete process.env.CRAWL_LOG;
    delete process.env.CRAWL_DIR;
    rmSync(dir, { recursive: true, force: true });
    await assertNothingLeft('after the test');
  });
  return {
    executor: async (...a) => {
      rt = await open(...a);
      return rt.createExecutor('distributed') as CrawlingExecutor;
    },
    dir: () => dir,
    log: () => join(dir, 'visits.log'),
  };
}

/**
 * Kills our redis-server while the crawl's page 4 hangs (the `dies` fixtures): the crawl
 * must fail within seconds with the one-line error (`message`), and leave no Redis and
 * no worker running.
 */
export async function killRedisMidCrawl(
  ex: CrawlingExecutor,
  marker: string,
  message: RegExp,
): Promise<void> {
  const crawl = ex.crawl(crawlRequest(2));
  await waitForPid(marker);
  const pids = [...ex.localWorkerPids, ex.endpoint!.pid!];
  process.kill(ex.endpoint!.pid!, 'SIGKILL');
  const t0 = Date.now();
  await assert.rejects(crawl, (e: unknown) => e instanceof ProfileError && message.test(e.message));
  assert.ok(Date.now() - t0 < 10_000, 'nothing hung');
  await ex.dispose();
  await assertNothingLeft('after Redis died', pids);
}

/** A queue-mode report of the crawler fixtures: 150 pages, and every distributed row drained them with one idle share per job slot. */
export function assertDistributedCrawl(report: Report, engine: 'bullmq' | 'celery'): RunResult[] {
  assert.equal(report.queue!.itemsProcessed, 150);
  const dist = report.runs.filter((r) => r.executor === 'distributed');
  assert.ok(dist.length >= 1, JSON.stringify(report.caveats));
  for (const r of dist) {
    assert.equal(r.tasks, 150);
    assert.equal(r.drained, true);
    assert.equal(r.idleShare?.length, r.concurrency);
    assert.equal(r.distributed!.engine, engine);
  }
  return dist;
}

/** The link graph of test/fixtures/distributed/crawler.js (crawler.py has the same one). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const crawlerLinks = (require(DIST_FX('crawler.js')) as { links(p: number): number[] }).links;

/** The flaky fixtures: every ninth page fails its first call, is retried once, succeeds, and is recorded once. */
export function assertRetriedOnce(c: CrawlResult, log: string): void {
  assert.equal(c.items.length, 150);
  const retried = c.items.filter((r) => r.attempts === 2);
  assert.ok(retried.length > 0 && retried.every((r) => r.ok), `retried: ${retried.length}`);
  assert.match(c.note ?? '', new RegExp(`^${retried.length} items? retried after a failed attempt`));
  assert.deepEqual(visits(log), reachable([0], crawlerLinks).pages);
}
