import type { ChildProcess } from 'node:child_process';
// Shared by the fault-table tests: what "no orphans" means, measured from the outside
// with ps and /proc, plus small helpers to read reports.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ProfileError } from '../../src/shared/errors';
import { packageRoot } from '../../src/engine/paths';
import type { ErrorSample, ExecutorKind, Report, RunResult } from '../../src/shared/report';

export const FAULTS_DIR = path.join(packageRoot(), 'test', 'fixtures', 'faults');
export const JS_FAULTS = path.join(FAULTS_DIR, 'faults.js');
export const PY_FAULTS = path.join(FAULTS_DIR, 'faults.py');

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  stat: string;
  args: string;
}

export function processTable(): Proc[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,args='], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const rows: Proc[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m) rows.push({ pid: +m[1], ppid: +m[2], pgid: +m[3], stat: m[4], args: m[5] });
  }
  return rows;
}

/** Zombies have exited; they only wait for a parent (or init) to reap them. */
export const running = (p: Proc) => !p.stat.startsWith('Z');

export function descendantsOf(root: number, table = processTable()): Proc[] {
  const found: Proc[] = [];
  let frontier = new Set([root]);
  while (frontier.size) {
    const next = table.filter((p) => frontier.has(p.ppid) && p.args.split(/\s+/)[0] !== 'ps');
    found.push(...next);
    frontier = new Set(next.map((p) => p.pid));
  }
  return found;
}

/**
 * Watches the processes this test starts, directly or not: every descendant seen while
 * it runs is remembered with its process group, so that one reparented to init after
 * its parent died (an orphan) is still found afterwards.
 */
export class ProcessWatch {
  private readonly before = new Set(processTable().map((p) => p.pid));
  readonly pids = new Set<number>();
  readonly groups = new Set<number>();
  private timer: NodeJS.Timeout | undefined;

  start(everyMs = 100): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    return this;
  }

  sample(): void {
    for (const p of descendantsOf(process.pid)) {
      if (this.before.has(p.pid)) continue;
      this.pids.add(p.pid);
      // Our own group holds mocha and the shell: only groups our descendants lead count.
      if (p.pgid !== process.pid && p.pgid !== ownGroup()) this.groups.add(p.pgid);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Processes still running that were seen, or that sit in a group one of them led. */
  leftovers(extraPids: number[] = []): Proc[] {
    const watched = new Set([...this.pids, ...extraPids]);
    return processTable().filter((p) => running(p) && !this.before.has(p.pid) && (watched.has(p.pid) || this.groups.has(p.pgid)));
  }
}

let cachedGroup: number | undefined;
function ownGroup(): number {
  cachedGroup ??= processTable().find((p) => p.pid === process.pid)?.pgid ?? process.pid;
  return cachedGroup;
}

/** Waits until nothing is left (a killed process takes a moment to go), then asserts it. */
export async function assertNoLeftovers(watch: ProcessWatch, what: string, extraPids: number[] = []): Promise<void> {
  let left = watch.leftovers(extraPids);
  // Up to 6 s: an engine whose caller died gives its pools 5 s to stop before it kills its group.
  for (let i = 0; i < 60 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = watch.leftovers(extraPids);
  }
  assert.deepEqual(left.map((p) => `${p.pid} ${p.args}`), [], `${what}: processes left running`);
}

/** OS threads of this process (Linux). */
export function osThreads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
}

export function runsOf(report: Report, executor: ExecutorKind): RunResult[] {
  return report.runs.filter((r) => r.executor === executor);
}

/** Every error sample of an executor's runs. */
export function errorsOf(report: Report, executor: ExecutorKind): ErrorSample[] {
  return runsOf(report, executor).flatMap((r) => r.errors.samples);
}

export async function rejection(p: Promise<unknown>): Promise<ProfileError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProfileError, `expected a ProfileError, got ${(e as Error)?.stack ?? String(e)}`);
    return e;
  }
  assert.fail('expected the profile to fail');
}

export function caveatText(report: Report): string {
  return report.caveats.map((c) => c.message).join('\n');
}

/**
 * Resolves `settleMs` after the child's stderr (CLI progress) first matches `pattern`,
 * so a test can interrupt a profile in a known phase; rejects after `timeoutMs`.
 */
export function stderrReaches(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000, settleMs = 500): Promise<string> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => {
      clearInterval(check);
      reject(new Error(`never reached ${pattern}: ${stderr}`));
    }, timeoutMs);
    const check = setInterval(() => {
      if (pattern.test(stderr)) {
        clearInterval(check);
        clearTimeout(t);
        setTimeout(() => resolve(stderr), settleMs);
      }
    }, 20);
  });
}
