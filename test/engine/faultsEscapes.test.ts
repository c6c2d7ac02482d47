// What escapes a process group or a heap limit (docs/faults.md): daemons that call
// setsid() or double-fork, found by the process tree and killed on completion, on a
// timeout and on cancel; and memory outside the JS heap (Buffers), stopped by the RSS
// cap. Executor-level cases run the pools in this process, with no engine process
// around, so only the per-child hooks (childGuard.ts) can be what kills the daemons;
// profile-level cases go through profileInEngineProcess as the CLI does.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { profileInEngineProcess } from '../../src/engine/engineProcess';
import type { Executor, ExecutorLimits, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import type { ProfileOptions } from '../../src/shared/options';
import { killGroup } from '../../src/engine/processGroups';
import { parseStat, ProcessTree, readStat } from '../../src/engine/processTree';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import type { ExecutorKind } from '../../src/shared/report';
import { FAULTS_DIR, rejection } from './faultsSupport';

const JS_ESCAPES = path.join(FAULTS_DIR, 'escapes.js');
const PY_ESCAPES = path.join(FAULTS_DIR, 'escapes.py');
const LIMITS: ExecutorLimits = { callTimeoutMs: 1500, memoryLimitMb: 256, maxOutputBytes: 8192 };

/** Running, not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  const s = readStat(pid);
  return s !== undefined && s.state !== 'Z';
}

/** The pids the fixtures wrote down in `dir`. */
function daemonPids(dir: string): { name: string; pid: number }[] {
  return readdirSync(dir).map((name) => ({ name, pid: Number(readFileSync(path.join(dir, name), 'utf8')) }));
}

/** Waits a moment for SIGKILLed processes to go, then asserts none of the daemons runs. */
async function assertDaemonsGone(dir: string, what: string, expectAtLeast: number): Promise<void> {
  const daemons = daemonPids(dir);
  assert.ok(daemons.length >= expectAtLeast, `${what}: the fixture started ${daemons.map((d) => d.name).join(', ')}`);
  let left = daemons.filter((d) => alive(d.pid));
  for (let i = 0; i < 20 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = daemons.filter((d) => alive(d.pid));
  }
  // Never leave one behind, even when the assertion fails.
  for (const d of left) process.kill(d.pid, 'SIGKILL');
  assert.deepEqual(left.map((d) => d.name), [], `${what}: daemons left running`);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wp-escapes-'));
  try {
    await fn(dir);
  } finally {
    for (const d of daemonPids(dir)) if (alive(d.pid)) process.kill(d.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function point(executor: Executor, concurrency: number, signal = new AbortController().signal) {
  return executor.runPoint({ concurrency, durationMs: 400, minTasks: 2, warmupMs: 0, taskIndexStart: 1, maxErrors: 50, signal });
}

/** Runs one point of `kind` on a fresh runtime, then disposes of everything. */
async function onePoint(runtime: TargetRuntime, kind: ExecutorKind, concurrency: number, signal?: AbortSignal): Promise<void> {
  const executor = runtime.createExecutor(kind);
  try {
    await point(executor, concurrency, signal).catch((e: Error) => {
      if (!signal?.aborted) throw e;
    });
  } finally {
    await executor.dispose();
    await runtime.dispose();
  }
}

/** A call that starts daemons and then hangs: the timeout kills it and its daemons, before the pool is disposed. */
async function timeoutKillsDaemons(runtime: TargetRuntime, kind: ExecutorKind, dir: string): Promise<void> {
  const executor = runtime.createExecutor(kind);
  try {
    const samples = await point(executor, 1);
    assert.equal(samples.errors[0]?.kind, 'timeout');
    await assertDaemonsGone(dir, 'after the call timed out', 2);
  } finally {
    await executor.dispose();
    await runtime.dispose();
  }
}

/** The same call, cancelled as soon as it has written down two daemons: the abort kills them. */
async function cancelKillsDaemons(runtime: TargetRuntime, kind: ExecutorKind, dir: string): Promise<void> {
  const ac = new AbortController();
  const waiting = setInterval(() => readdirSync(dir).length >= 2 && ac.abort(), 20);
  try {
    await onePoint(runtime, kind, 1, ac.signal);
  } finally {
    clearInterval(waiting);
  }
  assert.ok(ac.signal.aborted, 'cancelled mid-call');
  await assertDaemonsGone(dir, 'after cancel', 2);
}

describe('process tree: /proc parsing and tracking', function () {
  this.timeout(20_000);

  it('parses a stat line whose command name holds spaces and parentheses', () => {
    const line = '4242 (a) b (c) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615';
    assert.deepEqual(parseStat(line), { state: 'S', ppid: 17, start: 987654 });
    assert.equal(parseStat('garbage'), undefined);
  });

  it('finds a double-forked daemon by its tag and kills it; a pid whose start time changed is left alone', async function () {
    if (process.platform !== 'linux') this.skip();
    await withDir(async (dir) => {
      const tree = new ProcessTree();
      // The subshell starts the daemon and exits, so the daemon is reparented at once.
      const script = `(setsid sleep 302 </dev/null >/dev/null 2>&1 & echo $! > ${dir}/pid-double-fork); sleep 300`;
      const root = spawn('sh', ['-c', script], { env: tree.env(), stdio: 'ignore', detached: true });
      tree.watch(root.pid);
      try {
        for (let i = 0; i < 50 && !readdirSync(dir).length; i++) await new Promise((r) => setTimeout(r, 50));
        const [daemon] = daemonPids(dir);
        tree.sample();
        assert.ok(tree.seen.has(daemon.pid), 'the daemon was seen');
        assert.equal(readStat(daemon.pid)?.ppid === root.pid, false, 'it is not a child of the root');
        // A remembered pid with another start time is a different (recycled) process.
        tree.seen.set(process.pid, 1);
        assert.ok(tree.killAll() >= 2, 'the daemon and the root shell’s sleep were killed');
        assert.ok(alive(process.pid));
        await assertDaemonsGone(dir, 'killAll', 1);
      } finally {
        // killAll may have ended the whole group already (the shell exits once its sleep is killed).
        killGroup(root.pid!);
      }
    });
  });
});

describe('fault table: daemons that leave the process group', function () {
  this.timeout(60_000);
  this.slow(8000);
  before(function () {
    if (process.platform !== 'linux') this.skip(); // /proc
  });

  describe('JS child processes (executor level, no engine process)', () => {
    const runtime = (dir: string, fn: string) => createJsRuntime({ file: JS_ESCAPES, functionName: fn, args: [dir, 'process', '$i'] }, LIMITS);

    it('on completion: disposing of the pool kills them', () =>
      withDir(async (dir) => {
        await onePoint(await runtime(dir, 'daemonizesIn'), 'process', 2);
        await assertDaemonsGone(dir, 'after the process pool was disposed', 4);
      }));

    it('on a timeout: the killed child takes its daemons with it, before the pool is disposed', () =>
      withDir(async (dir) => timeoutKillsDaemons(await runtime(dir, 'daemonizesThenSpinsIn'), 'process', dir)));

    it('on cancel: aborting the point kills them', () => withDir(async (dir) => cancelKillsDaemons(await runtime(dir, 'daemonizesThenSpinsIn'), 'process', dir)));
  });

  describe('Python harness (executor level, no engine process)', () => {
    const runtime = (dir: string, fn: string, where: string) =>
      createPythonRuntime({ file: PY_ESCAPES, functionName: fn, args: [dir, where, '$i'] }, { ...LIMITS, memoryLimitMb: 512 });

    it('on completion: setsid and double-forked daemons from threads and pool workers are killed', () =>
      withDir(async (dir) => {
        await onePoint(await runtime(dir, 'daemonizes_in', 'pools'), 'thread', 2);
        await onePoint(await runtime(dir, 'daemonizes_in', 'pools'), 'process', 2);
        await assertDaemonsGone(dir, 'after the harnesses closed', 4);
        assert.ok(daemonPids(dir).some((d) => d.name.startsWith('pid-process-doublefork')), 'a pool worker double-forked');
      }));

    it('on a timeout: the killed harness takes its daemons with it', () =>
      withDir(async (dir) => timeoutKillsDaemons(await runtime(dir, 'daemonizes_then_sleeps_in', 'thread'), 'thread', dir)));

    it('on cancel: aborting the point kills them', () =>
      withDir(async (dir) => cancelKillsDaemons(await runtime(dir, 'daemonizes_then_sleeps_in', 'thread'), 'thread', dir)));
  });

  describe('whole profiles (engine process)', () => {
    const BASE: Partial<ProfileOptions> = { budgetMs: 2500, callTimeoutMs: 1000, memoryLimitMb: 256, maxConcurrency: { async: 2, thread: 2, process: 2 } };

    it('JS: daemons from the loop worker, thread-pool workers and children are all gone when the profile ends', () =>
      withDir(async (dir) => {
        const report = await profileInEngineProcess({ file: JS_ESCAPES, functionName: 'daemonizesIn', args: [dir, 'any', '$i'], ...BASE });
        assert.ok(report.runs.every((r) => r.errors.count === 0), JSON.stringify(report.runs.map((r) => r.errors)));
        const names = daemonPids(dir).map((d) => d.name);
        for (const where of ['loop', 'thread', 'process']) assert.ok(names.some((n) => n.startsWith(`pid-${where}-setsid`)), `a daemon from ${where}`);
        await assertDaemonsGone(dir, 'after the profile', 6);
      }));

    it('JS: a thread that daemonizes and hangs: the daemons are gone when the profile ends', () =>
      withDir(async (dir) => {
        const report = await profileInEngineProcess({ file: JS_ESCAPES, functionName: 'daemonizesThenSpinsIn', args: [dir, 'thread', '$i'], ...BASE, executors: ['thread'] });
        assert.equal(report.runs.find((r) => r.executor === 'thread')?.errors.samples[0]?.kind, 'timeout');
        await assertDaemonsGone(dir, 'after the profile', 2);
      }));

    it('JS: cancelling the profile kills them', () =>
      withDir(async (dir) => {
        const ac = new AbortController();
        const waiting = setInterval(() => readdirSync(dir).length >= 2 && ac.abort(), 20);
        try {
          const e = await rejection(
            profileInEngineProcess({ file: JS_ESCAPES, functionName: 'daemonizesThenSpinsIn', args: [dir, 'thread', '$i'], ...BASE, callTimeoutMs: 30_000, executors: ['thread'] }, { signal: ac.signal }),
          );
          assert.equal(e.code, 'cancelled');
        } finally {
          clearInterval(waiting);
        }
        await assertDaemonsGone(dir, 'after cancel', 2);
      }));

    it('Python: daemons from the harness, its threads and its pool workers are gone when the profile ends', () =>
      withDir(async (dir) => {
        const report = await profileInEngineProcess({ file: PY_ESCAPES, functionName: 'daemonizes_in', args: [dir, 'any', '$i'], ...BASE, memoryLimitMb: 512 });
        assert.ok(report.runs.every((r) => r.errors.count === 0), JSON.stringify(report.runs.map((r) => r.errors)));
        await assertDaemonsGone(dir, 'after the profile', 6);
      }));
  });
});
