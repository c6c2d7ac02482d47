// The fault table's last row: the user cancels mid-run, or two profiles start at once.
// A cancel must leave zero orphan processes (listed with ps, grandchildren included) and,
// for an in-process profile, zero extra threads (/proc/self/status). The extension
// refuses a second profile while one runs: that is covered in the extension host by
// test/integration/extension.test.ts ("runs one profile at a time"); here two engine
// runs side by side must neither interleave their results nor leave anything behind.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { profileInEngineProcess } from '../../src/engine/engineProcess';
import type { ProfileFn, ProfileOptions } from '../../src/shared/options';
import { profile } from '../../src/engine/profile';
import type { ExecutorKind } from '../../src/shared/report';
import { packageRoot } from '../../src/engine/paths';
import { assertNoLeftovers, JS_FAULTS, osThreads, ProcessWatch, PY_FAULTS, rejection, stderrReaches } from './faultsSupport';

/** Long enough that the cancel always lands mid-ladder; caps keep each ladder short. */
const LONG: Partial<ProfileOptions> = { budgetMs: 8000, callTimeoutMs: 5000, memoryLimitMb: 256, maxConcurrency: { async: 2, thread: 2, process: 2 } };

/**
 * Starts a profile and aborts it once `executor` has been running for a moment and
 * `ready()` holds (e.g. its first child wrote its pid: a child takes a while to start
 * on a loaded machine).
 */
async function cancelDuring(run: ProfileFn, options: ProfileOptions, executor: ExecutorKind, ready: () => boolean = () => true) {
  const ac = new AbortController();
  let abortedAt = 0;
  let poll: NodeJS.Timeout | undefined;
  const done = run(options, {
    signal: ac.signal,
    onProgress: (e) => {
      if (e.phase === 'run' && e.executor === executor && !poll) {
        const reached = Date.now();
        poll = setInterval(() => {
          if (Date.now() - reached < 400 || (!ready() && Date.now() - reached < 10_000)) return;
          clearInterval(poll);
          abortedAt = Date.now();
          ac.abort();
        }, 20);
      }
    },
  });
  const e = await rejection(done).finally(() => clearInterval(poll));
  assert.ok(abortedAt > 0, `the profile reached ${executor} before it ended: ${e.message}`);
  assert.equal(e.code, 'cancelled', e.message);
  const tookMs = Date.now() - abortedAt;
  assert.ok(tookMs < 5000, `cancel took ${tookMs} ms`);
}

const wrote = (dir: string, prefix: string) => () => readdirSync(dir).some((f) => f.startsWith(prefix));

function pidsIn(dir: string): number[] {
  return readdirSync(dir).map((f) => Number(readFileSync(path.join(dir, f), 'utf8')));
}

describe('fault table: cancel and concurrent profiles', function () {
  this.timeout(90_000);
  this.slow(10_000);
  let dir: string;
  let watch: ProcessWatch;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wp-faults-cancel-'));
    watch = new ProcessWatch().start();
  });
  afterEach(() => {
    watch.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('JS: cancel during the process ladder leaves zero processes, grandchildren from threads and children included', async () => {
    await cancelDuring(profileInEngineProcess, { file: JS_FAULTS, functionName: 'spawnsAndLeaves', args: [dir, '$i'], ...LONG }, 'process', wrote(dir, 'pid-process-'));
    watch.stop();
    const spawned = readdirSync(dir);
    assert.ok(spawned.some((f) => f.startsWith('pid-thread-')) && spawned.some((f) => f.startsWith('pid-process-')), spawned.join());
    await assertNoLeftovers(watch, 'after cancel', pidsIn(dir));
  });

  it('the CLI killed outright (SIGKILL) mid-profile: its engine, children and grandchildren all go too', async () => {
    for (const [file, fn] of [[JS_FAULTS, 'spawnsAndLeaves'], [PY_FAULTS, 'spawns_and_leaves']]) {
      const sub = mkdtempSync(path.join(dir, 'kill-'));
      const cli = spawn(process.execPath, [path.join(packageRoot(), 'bin/workload-profiler.js'), 'profile', file, fn, '--args', JSON.stringify([sub, '$i']), '--budget', '8', '--max-processes', '2', '--max-threads', '2'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      await stderrReaches(cli, /process × /, 30_000, 400);
      cli.kill('SIGKILL');
      await new Promise((r) => cli.once('exit', r));
      watch.sample();
      await assertNoLeftovers(watch, `${fn}: after the CLI was killed`, pidsIn(sub));
    }
  });

  it('Python: cancel during the process ladder leaves zero processes', async () => {
    await cancelDuring(profileInEngineProcess, { file: PY_FAULTS, functionName: 'spawns_and_leaves', args: [dir, '$i'], ...LONG }, 'process', wrote(dir, 'pid-process-'));
    watch.stop();
    assert.ok(readdirSync(dir).some((f) => f.startsWith('pid-process-')));
    await assertNoLeftovers(watch, 'after cancel', pidsIn(dir));
  });

  it('in-process profile(): cancel during threads and during processes leaves zero extra threads and processes', async () => {
    await readFile(__filename); // libuv's pool starts on first use: make it part of the baseline
    const threadsBefore = osThreads();
    for (const executor of ['thread', 'process'] as const) {
      await cancelDuring(profile, { file: JS_FAULTS, functionName: 'cpuBurn', args: [5], ...LONG }, executor);
    }
    watch.stop();
    await assertNoLeftovers(watch, 'after cancel');
    let threads = osThreads();
    for (let i = 0; i < 30 && threads > threadsBefore; i++) {
      await new Promise((r) => setTimeout(r, 100));
      threads = osThreads();
    }
    assert.ok(threads <= threadsBefore, `OS threads ${threadsBefore} before, ${threads} after`);
  });

  it('two profiles at once run side by side without mixing results', async () => {
    const small: Partial<ProfileOptions> = { budgetMs: 2500, callTimeoutMs: 1000, executors: ['thread', 'process'], maxConcurrency: { thread: 2, process: 2 } };
    const [js, py] = await Promise.all([
      profileInEngineProcess({ file: JS_FAULTS, functionName: 'cpuBurn', args: [3], ...small }),
      profileInEngineProcess({ file: PY_FAULTS, functionName: 'raises_one_in_ten', args: ['$i'], ...small }),
    ]);
    assert.equal(js.target.function, 'cpuBurn');
    assert.equal(py.target.function, 'raises_one_in_ten');
    assert.ok(js.runs.every((r) => r.errors.count === 0), 'the JS report carries none of the Python errors');
    // 1 call in 10 fails: a run of few calls on a loaded machine may have none.
    assert.ok(py.runs.some((r) => r.errors.count > 0), JSON.stringify(py.runs.map((r) => [r.tasks, r.errors.count])));
    assert.ok(py.runs.every((r) => r.errors.samples.every((s) => s.kind === 'ValueError')), 'the Python report carries only its own errors');
    assert.equal(js.environment.python, undefined);
    assert.ok(py.environment.python);
    watch.stop();
    await assertNoLeftovers(watch, 'after both finished');
  });

  it('two profiles at once, both cancelled: zero processes left', async () => {
    const jsDir = path.join(dir, 'js');
    const pyDir = path.join(dir, 'py');
    for (const d of [jsDir, pyDir]) mkdirSync(d);
    await Promise.all([
      cancelDuring(profileInEngineProcess, { file: JS_FAULTS, functionName: 'spawnsAndLeaves', args: [jsDir, '$i'], ...LONG }, 'thread'),
      cancelDuring(profileInEngineProcess, { file: PY_FAULTS, functionName: 'spawns_and_leaves', args: [pyDir, '$i'], ...LONG }, 'thread'),
    ]);
    watch.stop();
    await assertNoLeftovers(watch, 'after both were cancelled', [...pidsIn(jsDir), ...pidsIn(pyDir)]);
  });
});
