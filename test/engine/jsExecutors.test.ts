// The four JS executors on real pools, threads and child processes. Timing checks are
// ratios with wide margins (a busy loop against a sleep), because the machine is a
// couple of shared cores; each point lasts well under a second.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileError } from '../../src/shared/errors';
import type { Executor, ExecutorLimits, PointRequest, PointSamples, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import type { ExecutorKind } from '../../src/shared/report';

const fx = (name: string) => join(packageRoot(), 'test', 'fixtures', 'js', name);
const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 8192 };

function request(concurrency: number, over: Partial<PointRequest> = {}): PointRequest {
  return {
    concurrency,
    durationMs: 600,
    minTasks: 3,
    warmupMs: 60,
    taskIndexStart: 0,
    maxErrors: 50,
    signal: new AbortController().signal,
    ...over,
  };
}

function throughput(s: PointSamples): number {
  return s.taskOk.length / ((s.endMs - s.startMs) / 1000);
}

/** Children of this process, from ps (what "no orphans" means), minus that ps itself. */
function childPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, comm]) => Number(pid) > 0 && comm !== 'ps')
    .map(([pid]) => Number(pid));
}

function osThreads(): number {
  if (process.platform !== 'linux') return 0;
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
}

/** Running (a killed process whose parent is gone may linger as a zombie until reaped). */
function alive(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  } catch {
    return false;
  }
}

describe('JS executors', function () {
  this.timeout(60_000);
  let runtimes: TargetRuntime[] = [];

  async function runtime(file: string, functionName: string, args: unknown[], limits: Partial<ExecutorLimits> = {}): Promise<TargetRuntime> {
    const rt = await createJsRuntime({ file: fx(file), functionName, args }, { ...LIMITS, ...limits });
    runtimes.push(rt);
    return rt;
  }

  async function point(rt: TargetRuntime, kind: ExecutorKind, req: PointRequest): Promise<PointSamples> {
    const ex: Executor = rt.createExecutor(kind);
    try {
      return await ex.runPoint(req);
    } finally {
      await ex.dispose();
    }
  }

  afterEach(async () => {
    await Promise.all(runtimes.map((r) => r.dispose()));
    runtimes = [];
  });

  it('returns well-formed samples with absolute timestamps and the CPU source', async () => {
    const rt = await runtime('cpu.js', 'busy', [5]);
    const before = performance.timeOrigin + performance.now();
    for (const kind of rt.executorKinds()) {
      const s = await point(rt, kind, request(kind === 'sequential' ? 1 : 2, { durationMs: 300 }));
      assert.equal(s.executor, kind);
      assert.ok(s.taskOk.length >= 3, `${kind}: ${s.taskOk.length} tasks`);
      assert.equal(s.taskStartMs.length, s.taskOk.length);
      assert.equal(s.taskEndMs.length, s.taskOk.length);
      assert.equal(s.taskCpuMs.length, s.taskOk.length);
      assert.ok(s.taskStartMs.every((t) => t >= before && t >= s.startMs - 1), `${kind}: starts inside the window`);
      assert.ok(s.taskEndMs.every((t, i) => t >= s.taskStartMs[i] && t <= s.endMs + 1), `${kind}: ends inside the window`);
      assert.ok(s.taskOk.every(Boolean));
      assert.deepEqual(s.errors, []);
      assert.equal(s.cpuSource, kind === 'process' ? 'process.cpuUsage' : process.platform === 'linux' ? 'thread-schedstat' : s.cpuSource);
      // A busy loop spends most of its wall time on the CPU (shared cores: wide margin).
      const cpu = s.taskCpuMs.reduce((a, b) => a + b, 0);
      const wall = s.taskEndMs.reduce((a, e, i) => a + e - s.taskStartMs[i], 0);
      assert.ok(cpu / wall > 0.4 && cpu / wall < 1.3, `${kind}: cpu/wall ${(cpu / wall).toFixed(2)}`);
    }
  });

  it('skips warm-up tasks and keeps "$i" counting from taskIndexStart', async () => {
    const rt = await runtime('failures.ts', 'throwsOneInTen', ['$i']);
    const s = await point(rt, 'sequential', request(1, { durationMs: 200, warmupMs: 0, taskIndexStart: 100, maxErrors: 1000 }));
    // Index 103, 113, ... throw: one in ten of the counted tasks fail, each named.
    const failed = s.taskOk.filter((ok) => !ok).length;
    assert.ok(failed >= 1 && Math.abs(failed / s.taskOk.length - 0.1) < 0.02, `${failed} of ${s.taskOk.length}`);
    assert.equal(s.errors.reduce((a, e) => a + e.count, 0), failed);
    const first = s.errors.find((e) => e.message === 'task 103 failed');
    assert.ok(first, JSON.stringify(s.errors.slice(0, 3)));
    assert.match(first.stack ?? '', /failures\.ts:7:\d+/);
  });

  it('busy loop: threads K=2 beat sequential by > 1.5x, async K=4 stays < 1.3x', async function () {
    this.retries(2); // two shared cores: one neighbour's burst can eat a point
    const rt = await runtime('cpu.js', 'busy', [10]);
    const seq = throughput(await point(rt, 'sequential', request(1, { durationMs: 800 })));
    const thr = throughput(await point(rt, 'thread', request(2, { durationMs: 800 })));
    const asy = throughput(await point(rt, 'async', request(4, { durationMs: 800 })));
    assert.ok(thr / seq > 1.5, `threads ${thr.toFixed(1)}/s vs sequential ${seq.toFixed(1)}/s`);
    assert.ok(asy / seq < 1.3, `async ${asy.toFixed(1)}/s vs sequential ${seq.toFixed(1)}/s`);
  });

  it('20 ms sleep: async K=8 beats sequential by > 4x, with low event-loop utilisation', async function () {
    this.retries(2);
    const rt = await runtime('sleep.mjs', 'sleep', [20]);
    const seq = throughput(await point(rt, 'sequential', request(1)));
    const s = await point(rt, 'async', request(8));
    assert.ok(throughput(s) / seq > 4, `async ${throughput(s).toFixed(1)}/s vs sequential ${seq.toFixed(1)}/s`);
    assert.ok(s.eventLoopUtilization !== undefined && s.eventLoopUtilization < 0.5, `elu ${s.eventLoopUtilization}`);
    const cpu = s.taskCpuMs.reduce((a, b) => a + b, 0) / s.taskCpuMs.length;
    assert.ok(cpu < 5, `a sleep costs little CPU per task: ${cpu} ms`);
  });

  it('Atomics.wait: async does not help (~1x), threads scale', async function () {
    this.retries(2);
    const rt = await runtime('atomicsWait.js', 'blockingWait', [20]);
    const seq = throughput(await point(rt, 'sequential', request(1)));
    const asy = throughput(await point(rt, 'async', request(4)));
    const thr = throughput(await point(rt, 'thread', request(4)));
    assert.ok(asy / seq < 1.3, `async ${asy.toFixed(1)}/s vs sequential ${seq.toFixed(1)}/s`);
    assert.ok(thr / seq > 2.5, `threads ${thr.toFixed(1)}/s vs sequential ${seq.toFixed(1)}/s`);
  });

  it('per-call timeout: a call that never returns is killed in every executor', async () => {
    for (const fn of ['neverReturns', 'neverResolves']) {
      const rt = await runtime('failures.ts', fn, [], { callTimeoutMs: 400 });
      for (const kind of rt.executorKinds()) {
        const s = await point(rt, kind, request(kind === 'sequential' ? 1 : 2, { durationMs: 100, minTasks: 1, warmupMs: 0, maxErrors: 1 }));
        const timeout = s.errors.find((e) => e.kind === 'timeout');
        assert.ok(timeout, `${fn} ${kind}: ${JSON.stringify(s.errors)}`);
        assert.match(timeout.message, /^timed out after 0\.4 s/);
        assert.ok(s.taskOk.length >= 1 && s.taskOk.every((ok) => !ok));
      }
    }
  });

  it('process.exit kills only that worker or child; the point goes on with a replacement', async () => {
    const rt = await runtime('failures.ts', 'exitsSometimes', ['$i']);
    for (const kind of rt.executorKinds()) {
      const s = await point(rt, kind, request(kind === 'sequential' ? 1 : 2, { durationMs: 400, warmupMs: 0, maxErrors: 4 }));
      const exit = s.errors.find((e) => e.kind === 'exit');
      assert.ok(exit, `${kind}: ${JSON.stringify(s.errors)}`);
      assert.match(exit.message, /process\.exit\(3\) ended the (worker thread|child process)/);
      assert.ok(s.taskOk.filter(Boolean).length >= 2, `${kind}: calls after the exit still ran`);
    }
  });

  it('memory cap: unbounded allocation is reported as out of memory (threads and processes)', async () => {
    const rt = await runtime('failures.ts', 'allocatesForever', [], { memoryLimitMb: 64 });
    for (const kind of ['thread', 'process'] as const) {
      const s = await point(rt, kind, request(1, { durationMs: 50, minTasks: 1, warmupMs: 0, maxErrors: 1 }));
      assert.equal(s.errors[0]?.kind, 'out-of-memory', `${kind}: ${JSON.stringify(s.errors)}`);
      assert.match(s.errors[0].message, /out of memory/);
    }
  });

  it('a native crash in a child is reported with its signal', async () => {
    const rt = await runtime('failures.ts', 'crashes', []);
    const s = await point(rt, 'process', request(1, { durationMs: 50, minTasks: 1, warmupMs: 0, maxErrors: 1 }));
    assert.equal(s.errors[0]?.kind, 'crash');
    assert.match(s.errors[0].message, /SIGSEGV/);
  });

  it('captures user output, truncated, without writing to our stdout', async () => {
    const rt = await runtime('prints.js', 'printsLots', [16]);
    const write = process.stdout.write;
    let leaked = '';
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (String(chunk).includes('xxxxxxxxxx')) leaked += String(chunk);
      return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      for (const kind of rt.executorKinds()) {
        const s = await point(rt, kind, request(kind === 'sequential' ? 1 : 2, { durationMs: 150 }));
        assert.ok(s.output, kind);
        assert.equal(s.output.truncated, true, kind);
        assert.ok(s.output.stdout.startsWith('xxxxxxxxxx'), kind);
        assert.ok(s.output.stdout.length <= LIMITS.maxOutputBytes && s.output.stderr.length <= LIMITS.maxOutputBytes, kind);
        assert.match(s.output.stderr, /to stderr/, `${kind}: stderr keeps its own share`);
        assert.ok(s.taskOk.every(Boolean), kind);
      }
    } finally {
      process.stdout.write = write;
    }
    assert.equal(leaked, '', 'user prints never reach our stdout');
  });

  it('a timer a call leaves behind fires between tasks on a busy pool thread', async () => {
    // A thread blocked in Atomics.wait between tasks (piscina's default) never turns its
    // event loop while tasks keep coming, so such a timer would wait for the pool to idle.
    const rt = await runtime('leavesTimer.js', 'leavesTimer', []);
    const s = await point(rt, 'thread', request(2, { durationMs: 300 }));
    assert.ok(s.taskOk.length > 20 && s.taskOk.every(Boolean));
    assert.match(s.output?.stdout ?? '', /timer fired \(\d+\)/);
  });

  it('abort ends every worker and child at once, grandchildren included, and rejects with cancelled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wp-spawn-'));
    try {
      const before = childPids();
      for (const kind of ['process', 'thread', 'async'] as const) {
        const sub = join(dir, kind);
        mkdirSync(sub);
        const rt = await runtime('spawns.js', 'spawnsAndHangs', [sub, '$i']);
        const ac = new AbortController();
        const ex = rt.createExecutor(kind);
        const started = ex.runPoint(request(3, { signal: ac.signal, durationMs: 5000 }));
        await new Promise((r) => setTimeout(r, 700));
        ac.abort();
        await assert.rejects(started, (e: unknown) => e instanceof ProfileError && e.code === 'cancelled');
        await rt.dispose();
      }
      const spawned = (kind: string) =>
        readdirSync(join(dir, kind)).map((f) => Number(readFileSync(join(dir, kind, f), 'utf8')));
      const fromProcesses = spawned('process');
      assert.equal(fromProcesses.length, 3, 'each child started its grandchild');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(fromProcesses.filter(alive), [], 'the process groups took the grandchildren with them');
      // Threads share our process and cannot own a process group: what they spawned is
      // a direct child of ours. Nothing else may be left.
      const fromThreads = [...spawned('thread'), ...spawned('async')];
      const leftover = childPids().filter((p) => !before.includes(p));
      for (const pid of leftover) {
        assert.ok(fromThreads.includes(pid), `leftover child ${pid} was not spawned by user code`);
        process.kill(pid, 'SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dispose leaves no child processes and no extra threads behind', async () => {
    await readFile(__filename); // start libuv's pool first, so it is in the baseline
    const threadsBefore = osThreads();
    const before = childPids();
    const rt = await runtime('cpu.js', 'busy', [2]);
    for (const kind of rt.executorKinds()) rt.createExecutor(kind);
    const execs = (['process', 'thread', 'async'] as const).map((k) => rt.createExecutor(k));
    await Promise.all(execs.map((ex) => ex.runPoint(request(3, { durationMs: 200 }))));
    assert.ok(childPids().length >= before.length + 3, 'the process pool is running');
    await rt.dispose();
    const left = childPids().filter((p) => !before.includes(p));
    assert.deepEqual(left, [], left.length ? execFileSync('ps', ['-o', 'pid,stat,args', '-p', left.join(',')], { encoding: 'utf8' }) : '');
    if (process.platform === 'linux') {
      await new Promise((r) => setTimeout(r, 100));
      // Each worker thread brings several OS threads; a leaked one would show.
      assert.ok(osThreads() <= threadsBefore + 2, `threads ${threadsBefore} -> ${osThreads()}`);
    }
  });
});
