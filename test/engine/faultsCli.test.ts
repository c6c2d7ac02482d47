// The fault table through the CLI, as a user runs it: real exit codes, a --json stdout
// that stays parseable whatever the function prints, Ctrl-C, and the bad-input cases
// cli.test.ts does not cover (binary and empty files, classes, variables, Python).
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import { assertNoLeftovers, FAULTS_DIR, JS_FAULTS, ProcessWatch, PY_FAULTS, stderrReaches } from './faultsSupport';

const root = packageRoot();
const bin = path.join(root, 'bin/workload-profiler.js');
const SMALL = ['--budget', '2.5', '--timeout', '1', '--max-threads', '2', '--max-processes', '2', '--max-async', '2'];

function cli(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout, cwd: root, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The error itself is one line (progress lines may come before it). */
function errorLine(stderr: string): string {
  const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, stderr);
  return errors[0];
}

describe('fault table: CLI', function () {
  this.timeout(90_000);
  this.slow(8000);

  describe('bad input: one line and exit 2', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'wp-faults-cli-'));
      writeFileSync(path.join(dir, 'binary.js'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x66]));
      writeFileSync(path.join(dir, 'binary.py'), Buffer.from('def f():\n    return 1\n\x00\x00\x01', 'latin1'));
      writeFileSync(path.join(dir, 'empty.js'), '');
      writeFileSync(path.join(dir, 'empty.py'), '\n   \n');
      mkdirSync(path.join(dir, 'folder.py'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const shapes = (ext: string) => path.join(FAULTS_DIR, `shapes.${ext}`);
    const cases: [string, () => string[], RegExp][] = [
      ['a binary .js file', () => [path.join(dir, 'binary.js'), 'f'], /binary\.js is not a text source file\.$/],
      ['an empty .js file', () => [path.join(dir, 'empty.js'), 'f'], /empty\.js is empty: there is no function to profile\.$/],
      ['a JS class', () => [shapes('js'), 'Shape'], /"Shape" in .*shapes\.js is a class, not a function\. Point at a top-level function\.$/],
      ['a JS variable', () => [shapes('js'), 'answer'], /"answer" in .*shapes\.js is a variable, not a function/],
      ['a missing Python file', () => [path.join(dir, 'absent.py'), 'f'], /File not found: .*absent\.py/],
      ['a missing Python function', () => [shapes('py'), 'perimeter'], /No top-level function "perimeter" in .*shapes\.py\. Top-level functions there: area\.$/],
      ['a directory named .py', () => [path.join(dir, 'folder.py'), 'f'], /folder\.py is a directory, not a source file/],
      ['a binary .py file', () => [path.join(dir, 'binary.py'), 'f'], /binary\.py is not a text source file\.$/],
      ['an empty .py file', () => [path.join(dir, 'empty.py'), 'f'], /empty\.py is empty/],
      ['a Python class', () => [shapes('py'), 'Shape'], /"Shape" in .*shapes\.py is a class, not a function/],
      ['a Python variable', () => [shapes('py'), 'ANSWER'], /"ANSWER" in .*shapes\.py is a variable, not a function/],
      ['Python args that are not an array', () => [shapes('py'), 'area', '--args', '5'], /--args must be a JSON array.*got a number/],
      ['a Python budget of 0', () => [shapes('py'), 'area', '--budget', '0'], /--budget must be a positive number of seconds, got "0"/],
      ['a negative Python budget', () => [shapes('py'), 'area', '--budget', '-2'], /--budget must be a positive number of seconds, got "-2"/],
      ['a timeout of 0', () => [shapes('js'), 'area', '--timeout', '0'], /--timeout must be a positive number of seconds/],
    ];
    for (const [what, args, message] of cases) {
      it(what, () => {
        const r = cli(['profile', ...args()]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(errorLine(r.stderr), message);
        assert.equal(r.stdout, '');
      });
    }
  });

  it('exits 3 with the traceback when a Python function raises on its first call', () => {
    const r = cli(['profile', PY_FAULTS, 'always_raises', ...SMALL]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorLine(r.stderr), /always_raises threw on its first call: ValueError: input is required/);
    assert.match(r.stderr, /faults\.py", line \d+, in check_input/);
  });

  it('exits 3 when every measured call fails, instead of printing a verdict', () => {
    const r = cli(['profile', JS_FAULTS, 'throwsIn', '--args', '["measured","$i"]', ...SMALL, '--json']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorLine(r.stderr), /failed on every measured call after it: TypeError/);
    assert.equal(r.stdout, '', 'no report on stdout');
  });

  it('a native crash in a worker thread: the CLI survives it and exits 3 with what happened', () => {
    const r = cli(['profile', JS_FAULTS, 'segfaultsIn', '--args', '["any","$i"]', ...SMALL]);
    assert.equal(r.signal, null, 'the CLI itself was not killed');
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorLine(r.stderr), /segfaultsIn took down the profiler's engine process on its first call: it was killed by SIGSEGV/);
  });

  it('a native crash in a thread-pool worker mid-profile: exit 0, a report with the crash in the thread row', () => {
    const r = cli(['profile', JS_FAULTS, 'segfaultsIn', '--args', '["thread","$i"]', ...SMALL]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /thread crashed the engine process; going on without it/);
    // Breadth first: the thread pool's first point is K = cores.
    assert.match(r.stdout, /^\s+thread\s+\d+\s+0\s+0\.00\s.*1 \(100%\)/m);
    assert.match(r.stdout, /thread × \d+: segfaultsIn took down the profiler's engine process \(it was killed by SIGSEGV\)\./);
    assert.match(r.stdout, /^Recommendation: (?!.*threads?\b)/m);
  });

  it('process.exit in the pools: the CLI keeps running and prints a complete report', () => {
    const r = cli(['profile', JS_FAULTS, 'exitsIn', '--args', '["pools","$i"]', ...SMALL, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(report.runs.some((x: { errors: { samples: { message: string }[] } }) => x.errors.samples.some((s) => s.message === 'process.exit(1) ended the child process')));
  });

  for (const [fn, file] of [['printsMegabytes', JS_FAULTS], ['writesRawFds', JS_FAULTS], ['prints_megabytes', PY_FAULTS]] as const) {
    it(`--json stdout is only the report when ${fn} floods stdout, stderr and raw fds`, () => {
      const r = cli(['profile', file, fn, ...SMALL, '--json']);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const report = JSON.parse(r.stdout); // throws if anything else reached stdout
      assert.equal(report.target.function, fn);
      assert.ok(r.stdout.length < 512 * 1024, `stdout ${r.stdout.length} bytes`);
      assert.ok(r.stderr.length < 64 * 1024, `stderr ${r.stderr.length} bytes: progress only`);
      assert.ok(report.output && (report.output.stdout || report.output.stderr), 'the output is kept in the report');
    });
  }

  it('Ctrl-C during a Python profile exits 130 and leaves no Python process behind', async () => {
    const watch = new ProcessWatch().start(50);
    const child = spawn(process.execPath, [bin, 'profile', PY_FAULTS, 'cpu_burn', '--args', '[5]', '--budget', '10', '--executors', 'thread,process'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      await stderrReaches(child, /process × /, 40_000);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      assert.equal(code, 130, stderr);
      assert.match(stderr, /Profile cancelled/);
    } finally {
      watch.stop();
      child.kill('SIGKILL');
    }
    await assertNoLeftovers(watch, 'after Ctrl-C');
  });
});
