// The fault table (docs/faults.md), at the level the user sees it: a whole profile run
// the way the CLI and the extension run it (profileInEngineProcess), on fixtures that
// misbehave on purpose, for JS threads, JS processes and Python. The fixtures take a
// `where` argument so the probe and the sequential baseline pass and the fault meets
// only the pool executors; rows where the fault hits the first call end in an error.
// Executor-level coverage of the same faults lives in jsExecutors.test.ts and
// pythonRuntime.test.ts; this file checks what reaches the report.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { profileInEngineProcess } from '../../src/engine/engineProcess';
import type { ProfileOptions } from '../../src/shared/options';
import type { Report } from '../../src/shared/report';
import {
  assertNoLeftovers,
  caveatText,
  errorsOf,
  JS_FAULTS,
  processTable,
  ProcessWatch,
  PY_FAULTS,
  rejection,
  runsOf,
  running,
} from './faultsSupport';

/** Small budgets, a 1 s call timeout and short ladders keep each row to a few seconds. */
const BASE: Partial<ProfileOptions> = {
  budgetMs: 2500,
  callTimeoutMs: 1000,
  memoryLimitMb: 128,
  maxConcurrency: { async: 2, thread: 2, process: 2 },
};
const POOLS: ProfileOptions['executors'] = ['thread', 'process'];

function profileOf(file: string, functionName: string, args: unknown[], over: Partial<ProfileOptions> = {}): Promise<Report> {
  return profileInEngineProcess({ file, functionName, args, ...BASE, ...over });
}

/** The one error kind and message every run of `executor` reported, with at least one failure. */
function failureOf(report: Report, executor: 'thread' | 'process') {
  const runs = runsOf(report, executor);
  assert.ok(runs.length > 0, `${executor} ran`);
  const errors = errorsOf(report, executor);
  assert.ok(errors.length > 0 && runs.every((r) => r.errors.count > 0), `${executor}: ${JSON.stringify(runs.map((r) => r.errors))}`);
  return errors[0];
}

/** A pool that failed on every call stops its ladder at the first point; the baseline is untouched. */
function assertStoppedEarly(report: Report, executor: 'thread' | 'process') {
  const runs = runsOf(report, executor);
  assert.equal(runs.length, 1, `${executor} ladder stopped at K=${runs.map((r) => r.concurrency)}`);
  assert.equal(runs[0].errors.rate, 1);
  assert.match(caveatText(report), new RegExp(`${executor} × \\d+: \\d+ calls failed; the ladder stopped there`));
  const seq = runsOf(report, 'sequential');
  assert.ok(seq[0].tasks > 0 && seq[0].errors.count === 0, 'the baseline did not meet the fault');
}

describe('fault table: JS (threads and processes)', function () {
  this.timeout(60_000);
  this.slow(8000);

  it('throws on every call: stops at the first call, naming the error and the user stack', async () => {
    const t0 = Date.now();
    const e = await rejection(profileOf(JS_FAULTS, 'alwaysThrows', [], { budgetMs: 10_000 }));
    assert.equal(e.code, 'function-failed');
    assert.match(e.message, /^alwaysThrows threw on its first call: RangeError: input is required$/);
    // The user's own lines, mapped through the bundle's source map (shared/bundleSourceMap.ts).
    assert.match(e.userError?.stack ?? '', /at checkInput \(.*faults\.js:28:\d+\)\n\s+at alwaysThrows \(.*faults\.js:34:\d+\)/);
    assert.ok(Date.now() - t0 < 8000, 'it did not run out the 10 s budget');
  });

  it('throws on every measured call: the profile fails with the error, not a made-up verdict', async () => {
    const e = await rejection(profileOf(JS_FAULTS, 'throwsIn', ['measured', '$i']));
    assert.equal(e.code, 'function-failed');
    assert.match(e.message, /throwsIn worked on its first call but failed on every measured call after it: TypeError: record \d has no id/);
    assert.match(e.userError?.stack ?? '', /at throwsIn \(.*faults\.js:38:\d+\)/);
  });

  it('throws on every call in the pools: each pool ladder stops early, the report names the error and its stack', async () => {
    const report = await profileOf(JS_FAULTS, 'throwsIn', ['pools', '$i'], { executors: POOLS });
    for (const kind of ['thread', 'process'] as const) {
      const e = failureOf(report, kind);
      assert.equal(e.kind, 'TypeError');
      assert.match(e.message, /^record \d has no id$/);
      assert.match(e.stack ?? '', /at throwsIn \(.*faults\.js:38:\d+\)/, kind);
      assertStoppedEarly(report, kind);
    }
    assert.match(caveatText(report), /thread ×\d+: \d+ of \d+ calls threw \(100%\), e\.g\. TypeError: record \d has no id; this run was left out of the verdict/);
  });

  it('throws what cannot be described, or a 5 MB message: described and clipped, no worker dies of it', async () => {
    const report = await profileOf(JS_FAULTS, 'throwsUndescribableIn', ['pools', '$i'], { executors: POOLS });
    for (const kind of ['thread', 'process'] as const) {
      const errors = errorsOf(report, kind);
      assert.ok(errors.length > 0, kind);
      assert.ok(errors.every((e) => e.kind === 'Error' || e.kind === 'thrown value'), JSON.stringify(errors.map((e) => e.kind)));
      assert.ok(errors.every((e) => e.message.length <= 1000 && (e.stack ?? '').length <= 4000), `${kind}: clipped`);
      assert.ok(!errors.some((e) => e.kind === 'crash'), `${kind}: ${JSON.stringify(errors.map((e) => e.message.slice(0, 80)))}`);
    }
    assert.ok(JSON.stringify(report).length < 256 * 1024);
  });

  it('throws on 1 call in 10: completes, counts the errors per run and notes the rate', async () => {
    const report = await profileOf(JS_FAULTS, 'throwsOneInTen', ['$i'], { executors: POOLS });
    for (const run of report.runs) {
      assert.ok(run.tasks >= 10, `${run.executor} ×${run.concurrency}: ${run.tasks} tasks`);
      assert.ok(run.errors.count > 0 && run.errors.rate > 0.03 && run.errors.rate < 0.25, `${run.executor} ×${run.concurrency}: ${JSON.stringify(run.errors)}`);
      assert.equal(run.errors.samples[0].message, 'every tenth call fails');
      assert.match(run.errors.samples[0].stack ?? '', /faults\.js:\d+/);
    }
    assert.ok(runsOf(report, 'thread').length && runsOf(report, 'process').length);
    assert.match(caveatText(report), /thread ×\d+: \d+ of \d+ calls threw \(\d+%\), e\.g\. Error: every tenth call fails\./);
    assert.ok(report.verdict.confidence < 0.99, 'failures lower the confidence');
  });

  it('never returns (a busy loop): the call timeout ends that thread or child; the report says "timed out after 1 s"', async () => {
    const report = await profileOf(JS_FAULTS, 'spinsIn', ['pools', '$i'], { executors: POOLS });
    const thread = failureOf(report, 'thread');
    assert.equal(thread.kind, 'timeout');
    assert.equal(thread.message, 'timed out after 1 s; its worker thread was ended');
    const proc = failureOf(report, 'process');
    assert.equal(proc.message, 'timed out after 1 s; its child process was killed');
    assert.match(caveatText(report), /calls failed \(100%\), e\.g\. timeout: timed out after 1 s/);
  });

  it('never returns (a promise that never settles): timed out the same way', async () => {
    const report = await profileOf(JS_FAULTS, 'neverResolvesIn', ['pools', '$i'], { executors: POOLS });
    assert.match(failureOf(report, 'thread').message, /^timed out after 1 s/);
    assert.match(failureOf(report, 'process').message, /^timed out after 1 s/);
  });

  it('never returns on its first call: the profile fails with the timeout', async () => {
    const e = await rejection(profileOf(JS_FAULTS, 'spinsIn', ['any', '$i']));
    assert.equal(e.code, 'function-failed');
    assert.match(e.message, /spinsIn threw on its first call: timeout: timed out after 1 s; its worker thread was ended/);
  });

  it('process.exit(1): only that worker or child ends, the profile goes on', async () => {
    const report = await profileOf(JS_FAULTS, 'exitsIn', ['pools', '$i'], { executors: POOLS });
    assert.deepEqual(
      { kind: failureOf(report, 'thread').kind, message: failureOf(report, 'thread').message },
      { kind: 'exit', message: 'process.exit(1) ended the worker thread' },
    );
    assert.equal(failureOf(report, 'process').message, 'process.exit(1) ended the child process');
  });

  it('allocates without bound: the memory cap stops it and the report says "out of memory"', async () => {
    const report = await profileOf(JS_FAULTS, 'allocatesIn', ['pools', '$i'], { executors: POOLS });
    const thread = failureOf(report, 'thread');
    assert.equal(thread.kind, 'out-of-memory');
    assert.match(thread.message, /^out of memory: the worker thread reached its 128 MB heap limit/);
    const proc = failureOf(report, 'process');
    assert.equal(proc.kind, 'out-of-memory');
    assert.match(proc.message, /^out of memory: the child process reached its 128 MB heap limit \(--max-old-space-size\)/);
  });

  it('a native crash in a child process: only that child dies, with its signal in the report', async () => {
    const report = await profileOf(JS_FAULTS, 'segfaultsIn', ['process', '$i'], { executors: ['process'] });
    const e = failureOf(report, 'process');
    assert.deepEqual({ kind: e.kind, message: e.message }, { kind: 'crash', message: 'the child process crashed (killed by SIGSEGV)' });
    assertStoppedEarly(report, 'process');
  });

  // A native crash in a worker thread, and memory outside the heap: faultsCrash.test.ts.

  it('prints megabytes: output is truncated per stream and kept; results and our stdout are untouched', async () => {
    const write = process.stdout.write;
    let leaked = 0;
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (/xxxxxxxx|eeeeeeee/.test(String(chunk))) leaked += String(chunk).length;
      return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }) as typeof process.stdout.write;
    let report: Report;
    try {
      report = await profileOf(JS_FAULTS, 'printsMegabytes', [], { executors: POOLS, maxOutputBytes: 32 * 1024 });
    } finally {
      process.stdout.write = write;
    }
    assert.equal(leaked, 0, 'nothing reached our stdout');
    for (const run of report.runs) assert.ok(run.tasks > 0 && run.errors.count === 0, `${run.executor} ×${run.concurrency}`);
    const out = report.output!;
    assert.equal(out.truncated, true);
    assert.ok(out.stdout.startsWith('xxxxxxxx') && out.stdout.length <= 32 * 1024, `stdout kept ${out.stdout.length}`);
    assert.ok(out.stderr.startsWith('eeeeeeee') && out.stderr.length <= 32 * 1024, 'stderr keeps its own share');
    assert.ok(JSON.stringify(report).length < 256 * 1024, 'the report stays small');
  });

  it('writes to fd 1 and 2 directly from a thread: kept as output, never mixed into the caller', async () => {
    const report = await profileOf(JS_FAULTS, 'writesRawFds', [], { executors: ['thread'] });
    assert.ok(report.runs.every((r) => r.errors.count === 0));
    assert.match(report.output?.stdout ?? '', /\{"raw":"fd 1 write"\}/);
    assert.match(report.output?.stderr ?? '', /raw fd 2 write/);
  });

  it('returns a huge or unclonable value (20 MB, a function, a socket, a symbol): with --discard-results nothing is shipped back, no error', async () => {
    for (const fn of ['returnsHugeAndUnclonable', 'resolvesUnclonable']) {
      const report = await profileOf(JS_FAULTS, fn, [], { executors: POOLS, budgetMs: 2000, returnResults: false });
      assert.ok(runsOf(report, 'thread').length && runsOf(report, 'process').length, fn);
      for (const run of report.runs) assert.ok(run.tasks > 0 && run.errors.count === 0, `${fn} ${run.executor}: ${JSON.stringify(run.errors)}`);
    }
  });

  it('returns an unclonable value while results come back (the default): threads and processes say it cannot be sent back and how to turn that off', async () => {
    const report = await profileOf(JS_FAULTS, 'returnsHugeAndUnclonable', [], { executors: POOLS, budgetMs: 2000 });
    // Neither postMessage nor the V8 serializer of a child's IPC can carry a function: the user's own pool would fail too.
    for (const [kind, where] of [['thread', 'a worker thread'], ['process', 'a child process']] as const) {
      const errors = errorsOf(report, kind);
      assert.ok(
        errors.some((e) => e.message.startsWith(`the result can't be sent back from ${where}: `) && e.message.endsWith('(use --discard-results if the results are never used)')),
        `${kind}: ${JSON.stringify(errors)}`,
      );
    }
    // The sequential baseline never ships a result: it is untouched.
    assert.equal(runsOf(report, 'sequential')[0].errors.count, 0);
  });

  it('returns 20 MB while results come back: processes ship it, and the report says what it cost', async () => {
    const report = await profileOf(JS_FAULTS, 'returnsHuge', [], { executors: ['process'], budgetMs: 2000 });
    for (const run of runsOf(report, 'process')) {
      assert.equal(run.errors.count, 0, JSON.stringify(run.errors));
      assert.ok((run.serialization?.bytesPerTask ?? 0) > 20 * 1024 * 1024, `process ships the 20 MB: ${JSON.stringify(run.serialization)}`);
    }
  });

  it('spawns children and timers that keep running: the end of the profile kills them all', () =>
    assertSpawnedAreKilled((dir) => profileOf(JS_FAULTS, 'spawnsAndLeaves', [dir, '$i'], { executors: POOLS, budgetMs: 2000 }), ['loop', 'thread', 'process']));

  it('writes the bundle 0600 in a 0700 per-run directory and removes it after the run', async () => {
    const { during, after } = await tmpDuringProfile({ file: JS_FAULTS, functionName: 'cpuBurn', args: [2], ...BASE, executors: ['thread'], budgetMs: 1500 });
    assert.deepEqual(during, [{ dir: 0o700, files: [['target.mjs', 0o600]] }]);
    assert.deepEqual(after, [], 'removed after the run');
  });
});

describe('fault table: Python (threads and processes)', function () {
  this.timeout(60_000);
  this.slow(8000);
  const py = (fn: string, args: unknown[], over: Partial<ProfileOptions> = {}) => profileOf(PY_FAULTS, fn, args, { memoryLimitMb: 256, ...over });

  it('raises on every call: fails at the first call with the traceback in the user file', async () => {
    const e = await rejection(py('always_raises', []));
    assert.equal(e.code, 'function-failed');
    assert.match(e.message, /^always_raises threw on its first call: ValueError: input is required$/);
    assert.match(e.userError?.stack ?? '', /faults\.py", line \d+, in always_raises\n[\s\S]*faults\.py", line \d+, in check_input/);
    assert.doesNotMatch(e.userError?.stack ?? '', /harness\.py/);
  });

  it('raises on every call in the pools: each pool ladder stops early, with the traceback', async () => {
    const report = await py('raises_in', ['pools', '$i'], { executors: POOLS });
    for (const kind of ['thread', 'process'] as const) {
      const e = failureOf(report, kind);
      assert.equal(e.kind, 'KeyError');
      assert.match(e.stack ?? '', /faults\.py", line \d+, in raises_in/);
      assertStoppedEarly(report, kind);
    }
  });

  it('raises an exception whose str() fails, or a 5 MB message: described and clipped, the harness goes on', async () => {
    const report = await py('raises_undescribable_in', ['pools', '$i'], { executors: POOLS });
    for (const kind of ['thread', 'process'] as const) {
      const errors = errorsOf(report, kind);
      assert.deepEqual([...new Set(errors.map((e) => e.kind))].sort(), ['Unprintable', 'ValueError'], kind);
      assert.ok(errors.some((e) => e.message === '<Unprintable: str() failed>'), JSON.stringify(errors.map((e) => e.message.slice(0, 60))));
      assert.ok(errors.every((e) => e.message.length <= 1000 && (e.stack ?? '').length <= 8100), `${kind}: clipped`);
    }
    assert.ok(JSON.stringify(report).length < 256 * 1024);
  });

  it('raises on 1 call in 10: completes with the error rate per run', async () => {
    const report = await py('raises_one_in_ten', ['$i'], { executors: POOLS });
    for (const run of report.runs) {
      assert.ok(run.errors.count > 0 && run.errors.rate > 0.03 && run.errors.rate < 0.25, `${run.executor} ×${run.concurrency}: ${JSON.stringify(run.errors)}`);
      assert.equal(run.errors.samples[0].message, 'every tenth call fails');
    }
    assert.match(caveatText(report), /calls threw \(\d+%\), e\.g\. ValueError: every tenth call fails\./);
  });

  it('never returns (while True: pass): the call timeout kills the process group; "timed out after 1 s"', async () => {
    const report = await py('spins_in', ['pools', '$i'], { executors: POOLS });
    for (const kind of ['thread', 'process'] as const) {
      const e = failureOf(report, kind);
      assert.deepEqual({ kind: e.kind, message: e.message }, { kind: 'timeout', message: 'timed out after 1 s; its Python process group was killed' });
    }
  });

  it('never returns on its first call: the profile fails with the timeout', async () => {
    const e = await rejection(py('sleeps_forever', []));
    assert.match(e.message, /sleeps_forever threw on its first call: timeout: timed out after 1 s/);
  });

  it('sys.exit(1) is caught and reported; os._exit(1) ends only that process', async () => {
    const soft = await py('sys_exits_in', ['pools', '$i'], { executors: POOLS });
    for (const kind of ['thread', 'process'] as const) assert.match(failureOf(soft, kind).message, /the function called sys\.exit\(1\)/);
    const hard = await py('hard_exits_in', ['pools', '$i'], { executors: POOLS });
    assert.match(failureOf(hard, 'thread').message, /^the Python process exited with code 1 while running the function/);
    // forkserver sometimes cannot tell a worker's exit code (it reports 255): then the message says so in general terms.
    assert.match(failureOf(hard, 'process').message, /^a worker process (exited with code 1 while running the function|died while running the function \(os\._exit, a crash)/);
    assert.ok(runsOf(hard, 'sequential')[0].tasks > 0);
  });

  it('allocates without bound: the rlimit cap raises MemoryError, reported as out of memory', async function () {
    if (process.platform !== 'linux') this.skip(); // RLIMIT_AS is enforced on Linux
    // Filling 256 MB took over the 1 s call timeout once, on a busy 2-core machine during
    // the full suite ('timeout' instead of 'out-of-memory'): this row is about the cap.
    const report = await py('allocates_in', ['pools', '$i'], { executors: POOLS, callTimeoutMs: 10_000 });
    for (const kind of ['thread', 'process'] as const) {
      const e = failureOf(report, kind);
      assert.equal(e.kind, 'out-of-memory');
      assert.match(e.message, /out of memory \(the 256 MB memory cap\)/);
    }
  });

  it('crashes natively (SIGSEGV, os.abort()): only that process dies, with its signal', async () => {
    const seg = await py('segfaults_in', ['thread', '$i'], { executors: ['thread'] });
    assert.deepEqual(
      { kind: failureOf(seg, 'thread').kind, message: failureOf(seg, 'thread').message },
      { kind: 'crash', message: 'the Python process was killed by SIGSEGV while running the function' },
    );
    const abort = await py('aborts_in', ['process', '$i'], { executors: ['process'] });
    assert.match(failureOf(abort, 'process').message, /^a worker process (was killed by SIGABRT|died) while running the function/);
    assert.ok(runsOf(abort, 'sequential')[0].tasks > 0);
  });

  it('prints megabytes and a fake protocol line to fd 1: truncated output, results intact', async () => {
    const report = await py('prints_megabytes', [], { executors: POOLS, maxOutputBytes: 32 * 1024 });
    for (const run of report.runs) assert.ok(run.tasks > 1 && run.errors.count === 0, `${run.executor} ×${run.concurrency}: ${run.tasks} tasks`);
    const out = report.output!;
    assert.equal(out.truncated, true);
    assert.ok(out.stdout.startsWith('xxxxxxxx') && Buffer.byteLength(out.stdout) <= 32 * 1024);
    assert.ok(out.stderr.startsWith('eeeeeeee') && Buffer.byteLength(out.stderr) <= 32 * 1024);
  });

  it('returns a huge, unpicklable value: threads drop it; process pools report that it cannot be pickled back', async () => {
    const report = await py('returns_huge_and_unpicklable', [], { executors: POOLS });
    assert.ok(runsOf(report, 'thread').every((r) => r.tasks > 0 && r.errors.count === 0));
    const e = failureOf(report, 'process');
    assert.equal(e.kind, 'PicklingError');
    assert.match(e.message, /^the result can't be pickled back from a process/);
  });

  it('spawns children and timer threads: the end of the profile kills them all', () =>
    assertSpawnedAreKilled((dir) => py('spawns_and_leaves', [dir, '$i'], { executors: POOLS, budgetMs: 2000 }), ['main', 'thread', 'process']));

  it('unsaved source goes to a 0600 file in a 0700 per-run directory, removed after the run', async () => {
    const { during, after } = await tmpDuringProfile({ file: PY_FAULTS, functionName: 'cpu_burn', args: [2], sourceText: readFileSync(PY_FAULTS, 'utf8'), ...BASE, executors: [], budgetMs: 1000 });
    // The interpreter may leave loose files of its own in TMPDIR; the per-run directory is ours.
    assert.deepEqual(during.filter((e) => 'dir' in e), [{ dir: 0o700, files: [['faults.py', 0o600]] }]);
    assert.deepEqual(after.filter((e) => 'dir' in e), [], 'removed after the run');
  });
});

/** PIDs the spawning fixtures wrote down, still running or not. */
function grandchildren(dir: string): number[] {
  const pids = readdirSync(dir).map((f) => Number(readFileSync(path.join(dir, f), 'utf8')));
  const table = processTable();
  // Only report the ones still running; the rest are the proof.
  return pids.filter((pid) => table.some((p) => p.pid === pid && running(p)));
}

/**
 * Profiles a fixture that starts children and timers which write their pids to a fresh
 * directory: each of `wheres` started one, and none is left running once the profile ends.
 */
async function assertSpawnedAreKilled(profile: (dir: string) => Promise<Report>, wheres: string[]): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wp-faults-spawn-'));
  const watch = new ProcessWatch().start();
  try {
    const report = await profile(dir);
    assert.ok(report.runs.every((r) => r.errors.count === 0), JSON.stringify(report.runs.map((r) => r.errors)));
    const spawned = readdirSync(dir);
    for (const where of wheres) assert.ok(spawned.some((f) => f.startsWith(`pid-${where}-`)), `a grandchild from ${where}`);
    watch.stop();
    await assertNoLeftovers(watch, 'after the profile', grandchildren(dir));
  } finally {
    watch.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A directory in TMPDIR with its mode and its files' modes, or a loose file with its mode. */
type TmpEntry = { dir: number; files: [string, number][] } | { file: string; mode: number };

function tmpEntries(root: string): TmpEntry[] {
  return readdirSync(root).map((name): TmpEntry => {
    const p = path.join(root, name);
    const mode = statSync(p).mode & 0o777;
    return statSync(p).isDirectory() ? { dir: mode, files: readdirSync(p).map((f): [string, number] => [f, statSync(path.join(p, f)).mode & 0o777]) } : { file: name, mode };
  });
}

/**
 * Profiles with TMPDIR at a fresh root (the engine process inherits it, so its temp files
 * land where only this test looks): what the root held once the runs had started (the
 * first look that finds a directory), and after the profile.
 */
async function tmpDuringProfile(options: Parameters<typeof profileInEngineProcess>[0]): Promise<{ during: TmpEntry[]; after: TmpEntry[] }> {
  const root = mkdtempSync(path.join(tmpdir(), 'wp-faults-tmp-'));
  const oldTmp = process.env.TMPDIR;
  process.env.TMPDIR = root;
  let during: TmpEntry[] = [];
  try {
    await profileInEngineProcess(options, {
      onProgress: (e) => {
        if (e.phase === 'run' && !during.some((x) => 'dir' in x)) during = tmpEntries(root);
      },
    });
    return { during, after: tmpEntries(root) };
  } finally {
    if (oldTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = oldTmp;
    rmSync(root, { recursive: true, force: true });
  }
}
