// Shared by the Python runtime suites (pythonRuntime*.test.ts): a runtime on a fixture
// that is always disposed, one measured point, a speedup against sequential with retries
// for a shared machine, the harness's process groups (for the clean-up checks), and the
// rejection a bad input must give.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureBackgroundLoad } from '../../src/engine/cpuSampler';
import { ProfileError } from '../../src/shared/errors';
import type { ExecutorLimits, PointSamples, TargetRuntime } from '../../src/engine/executorTypes';
import type { ExecutorKind } from '../../src/shared/report';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { pythonFile } from '../../src/engine/paths';

export const FIX = path.resolve(__dirname, '../../../test/fixtures/python');
export const fx = (name: string) => path.join(FIX, name);
export const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 1024, maxOutputBytes: 64 * 1024 };

export async function withRuntime<T>(
  file: string,
  functionName: string,
  args: unknown[],
  fn: (rt: TargetRuntime) => Promise<T>,
  limits: ExecutorLimits = LIMITS,
): Promise<T> {
  const rt = await createPythonRuntime({ file: fx(file), functionName, args }, limits);
  try {
    return await fn(rt);
  } finally {
    await rt.dispose();
  }
}

export async function point(
  rt: TargetRuntime,
  kind: ExecutorKind,
  concurrency: number,
  durationMs = 600,
  extra: { signal?: AbortSignal; minTasks?: number; warmupMs?: number; maxErrors?: number } = {},
): Promise<PointSamples> {
  const ex = rt.createExecutor(kind);
  try {
    return await ex.runPoint({
      concurrency,
      durationMs,
      minTasks: extra.minTasks ?? 2,
      warmupMs: extra.warmupMs ?? 100,
      taskIndexStart: 1,
      maxErrors: extra.maxErrors ?? 20,
      signal: extra.signal ?? new AbortController().signal,
    });
  } finally {
    await ex.dispose();
  }
}

export const throughput = (s: PointSamples) => (s.taskEndMs.length / Math.max(1, s.endMs - s.startMs)) * 1000;

export async function speedup(rt: TargetRuntime, kind: ExecutorKind, k: number, durationMs = 700): Promise<number> {
  // Sequential before and after, so a change in background load mid-test evens out.
  const seq1 = await point(rt, 'sequential', 1, durationMs / 2);
  const par = await point(rt, kind, k, durationMs);
  const seq2 = await point(rt, 'sequential', 1, durationMs / 2);
  assert.equal(seq1.errors.length + par.errors.length + seq2.errors.length, 0, JSON.stringify([seq1.errors, par.errors]));
  return throughput(par) / ((throughput(seq1) + throughput(seq2)) / 2);
}

/**
 * The machine may be shared with other jobs, so a physics check gets up to three tries.
 * A check that needs `freeCores` idle cores (CPU running in parallel) is skipped, not
 * failed, when other processes were keeping those cores busy: then the claim can't be
 * tested here, and the message says so.
 */
export async function eventually(
  ctx: Mocha.Context,
  what: string,
  measure: () => Promise<number>,
  pass: (x: number) => boolean,
  freeCores = 0,
): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const x = await measure();
    if (pass(x)) return;
    seen.push(`${x.toFixed(2)}×`);
  }
  if (freeCores > 0) {
    const load = await measureBackgroundLoad(500);
    const free = os.cpus().length - load.busyCores;
    if (free < freeCores) {
      console.warn(`      (${what}: measured ${seen.join(', ')} with only ${free.toFixed(1)} idle cores; skipped)`);
      ctx.skip();
    }
  }
  assert.fail(`${what}: measured ${seen.join(', ')}`);
}

/** PIDs of processes (zombies aside) in the given process groups. */
export function livePidsInGroups(pgids: Set<number>): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=']).toString();
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && pgids.has(Number(f[1])) && !f[2].startsWith('Z'))
    .map((f) => Number(f[0]));
}

/**
 * Process groups led by this checkout's harness (`<repo>/python/harness.py serve`) right
 * now. The path, not just the name: another checkout's tests on the same machine start
 * harnesses of their own, which are not ours to count.
 */
export function harnessGroups(): Set<number> {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args=']).toString();
  const serve = `${pythonFile('harness.py')} serve`;
  const groups = new Set<number>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m && m[3].includes(serve) && m[1] === m[2]) groups.add(Number(m[2]));
  }
  return groups;
}

export async function rejects(p: Promise<unknown>): Promise<ProfileError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProfileError, `expected a ProfileError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}
