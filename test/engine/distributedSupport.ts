// Shared by the distributed executor's tests: a point request, and what "nothing left"
// means for Redis servers and queue workers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PointRequest } from '../../src/engine/executorTypes';
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

/** Pages a crawl visited, from the log every worker appends to: sorted, repeats kept. */
export function visits(log: string): number[] {
  return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}
