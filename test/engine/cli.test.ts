// The CLI as a user runs it: a real child process, real exit codes, real JSON.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import { SCHEMA_VERSION } from '../../src/shared/report';
import { stderrReaches } from './faultsSupport';

const root = packageRoot();
const bin = path.join(root, 'bin/workload-profiler.js');
const fixture = (name: string) => path.join(root, 'test/fixtures/verdict', name);

function cli(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout, cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** PIDs of every process whose command line mentions `marker`, other than ps/grep. */
function processesMentioning(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(marker) && !l.includes('ps -eo'));
}

describe('CLI', function () {
  this.timeout(90_000);

  it('prints a text report and writes the JSON contract with --out', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'wp-cli-')), 'report.json');
    const r = cli(['profile', fixture('timerWait.mjs'), 'timerWait', '--budget', '3', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /I\/O-bound|io-bound/i);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(report.schemaVersion, SCHEMA_VERSION);
    for (const key of ['target', 'environment', 'runs', 'timeline', 'verdict', 'recommendation']) assert.ok(key in report, key);
    for (const key of ['file', 'function', 'language', 'args']) assert.ok(key in report.target, key);
    for (const key of ['cores', 'platform', 'node', 'cpuModel', 'backgroundLoad']) assert.ok(key in report.environment, key);
    const run = report.runs[0];
    for (const key of ['executor', 'concurrency', 'tasks', 'wallMs', 'throughputPerSec', 'speedup', 'speedupCi', 'cpuMsPerTask', 'cpuRatio', 'coreUtilization', 'errors'])
      assert.ok(key in run, key);
    for (const key of ['intervalMs', 'cores', 'marks']) assert.ok(key in report.timeline, key);
    for (const key of ['kind', 'confidence', 'cpuRatio', 'reasons']) assert.ok(key in report.verdict, key);
    for (const key of ['executor', 'workers', 'expectedSpeedup', 'formulaWorkers', 'reason']) assert.ok(key in report.recommendation, key);
    assert.ok(report.timeline.cores.length >= 1 && report.timeline.cores[0].length > 10, 'a per-core timeline was sampled');
  });

  it('--json prints only JSON on stdout; progress goes to stderr', () => {
    const r = cli(['profile', fixture('busyLoop.js'), 'busyLoop', '--budget', '3', '--json', '--executors', 'sequential,thread']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual([...new Set(report.runs.map((x: { executor: string }) => x.executor))], ['sequential', 'thread']);
    assert.match(r.stderr, /thread/);
  });

  const badInputs: [string, string[], RegExp][] = [
    ['a missing file', ['profile', 'nope/missing.js', 'f'], /File not found/],
    ['a missing function', ['profile', fixture('busyLoop.js'), 'nope'], /No top-level function "nope".*busyLoop/],
    ['a directory', ['profile', fixture(''), 'f'], /directory/],
    ['args that are not JSON', ['profile', fixture('busyLoop.js'), 'busyLoop', '--args', '[1,'], /--args must be a JSON array/],
    ['args that are not an array', ['profile', fixture('busyLoop.js'), 'busyLoop', '--args', '{"a":1}'], /--args must be a JSON array/],
    ['a budget of 0', ['profile', fixture('busyLoop.js'), 'busyLoop', '--budget', '0'], /--budget must be a positive number/],
    ['a negative budget', ['profile', fixture('busyLoop.js'), 'busyLoop', '--budget', '-3'], /--budget must be a positive number/],
    ['an unknown executor', ['profile', fixture('busyLoop.js'), 'busyLoop', '--executors', 'fibers'], /Unknown executor fibers/],
  ];
  for (const [what, args, message] of badInputs) {
    it(`exits 2 with a one-line message on ${what}`, () => {
      const r = cli(args);
      assert.equal(r.code, 2, r.stderr);
      // Progress lines may precede it; the error itself is one line.
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0], message);
    });
  }

  it('exits 2 on a syntax error, naming the line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wp-cli-'));
    const file = path.join(dir, 'broken.ts');
    writeFileSync(file, 'export function f() {\n  return 1 +;\n}\n');
    const r = cli(['profile', file, 'f']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /broken\.ts:2/);
  });

  it('exits 3 and shows the user stack when the function throws on its first call', () => {
    const r = cli(['profile', fixture('throwsFirst.js'), 'alwaysThrows', '--budget', '3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /TypeError: input is required/);
    assert.match(r.stderr, /throwsFirst\.js:2/);
  });

  it('Ctrl-C exits 130 and leaves no worker or child process behind', async () => {
    const child = spawn(process.execPath, [bin, 'profile', fixture('busyLoop.js'), 'busyLoop', '--budget', '20', '--executors', 'sequential,process'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait until the process pool is running, then interrupt.
    await stderrReaches(child, /process × /);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 130, stderr);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(processesMentioning('jsChildWorker'), [], 'no child process survives the cancel');
    assert.deepEqual(processesMentioning(fixture('busyLoop.js')), []);
  });
});
