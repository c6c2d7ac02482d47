// The Python runtime's errors against the real python3: raises, sys.exit and os._exit,
// the memory cap, and bad input (syntax, import, missing names, files, interpreter), each
// one clear line.
import * as assert from 'node:assert/strict';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import { FIX, fx, LIMITS, point, rejects, withRuntime } from './pythonRuntimeSupport';

describe('python runtime: errors', function () {
  this.timeout(60_000);

  it('a raise becomes error samples with the traceback in the user file', async () => {
    await withRuntime('raises.py', 'parse_record', ['$i'], async (rt) => {
      const probe = await rt.probe(new AbortController().signal);
      assert.equal(probe.error?.kind, 'KeyError');
      assert.match(probe.error!.stack!, /raises\.py", line 3, in parse_record/);
      assert.doesNotMatch(probe.error!.stack!, /harness\.py/);
      for (const kind of ['sequential', 'thread', 'process'] as const) {
        const s = await point(rt, kind, 2, 300, { maxErrors: 5 });
        assert.ok(s.taskOk.length > 0 && s.taskOk.every((ok) => !ok), kind);
        assert.equal(s.errors[0].kind, 'KeyError', kind);
        assert.match(s.errors[0].stack ?? '', /raises\.py/, kind);
      }
    });
  });

  it('counts failures per (kind, message) and stops at maxErrors', async () => {
    await withRuntime('raises.py', 'fail_sometimes', ['$i'], async (rt) => {
      const s = await point(rt, 'thread', 2, 2000, { maxErrors: 6, warmupMs: 0 });
      const failed = s.taskOk.filter((ok) => !ok).length;
      assert.ok(failed >= 6 && failed <= 8, `failed ${failed}`);
      assert.ok(s.taskOk.some(Boolean), 'odd indexes succeed');
      assert.ok(s.errors.every((e) => e.kind === 'ValueError'));
      assert.equal(s.errors.reduce((n, e) => n + e.count, 0), failed);
    });
  });

  it('sys.exit in the function is reported as such and the run goes on', async () => {
    await withRuntime('exits.py', 'quit_now', [], async (rt) => {
      const probe = await rt.probe(new AbortController().signal);
      assert.equal(probe.error?.kind, 'exit');
      assert.match(probe.error!.message, /the function called sys\.exit\(1\)/);
      for (const kind of ['thread', 'process'] as const) {
        const s = await point(rt, kind, 2, 200, { maxErrors: 4 });
        assert.ok(s.taskOk.length >= 1, kind);
        assert.match(s.errors[0].message, /sys\.exit\(1\)/, kind);
      }
    });
  });

  it('os._exit ends the point with what was measured and an exit error', async () => {
    await withRuntime('exits.py', 'hard_exit', [], async (rt) => {
      const seq = await point(rt, 'sequential', 1, 200);
      assert.equal(seq.errors[0].kind, 'exit');
      assert.match(seq.errors[0].message, /exited with code 3/);
      const proc = await point(rt, 'process', 2, 200);
      assert.equal(proc.errors[0].kind, 'exit');
      assert.match(proc.errors[0].message, /worker process (exited with code 3|died while running the function)/);
    });
  });

  it('the memory cap turns a runaway allocation into an out-of-memory error', async function () {
    if (process.platform !== 'linux') this.skip(); // RLIMIT_AS is enforced on Linux only
    await withRuntime(
      'memory_hog.py',
      'hog',
      [2048],
      async (rt) => {
        const probe = await rt.probe(new AbortController().signal);
        assert.equal(probe.error?.kind, 'out-of-memory', JSON.stringify(probe.error));
        assert.match(probe.error!.message, /256 MB memory cap/);
        const s = await point(rt, 'process', 2, 200, { warmupMs: 0, maxErrors: 2 });
        assert.equal(s.errors[0]?.kind, 'out-of-memory', JSON.stringify(s.errors));
      },
      { ...LIMITS, memoryLimitMb: 256 },
    );
  });

  it('a syntax error is a bad-input error with file:line:col', async () => {
    const e = await rejects(createPythonRuntime({ file: fx('syntax_error.py'), functionName: 'fine', args: [] }, LIMITS));
    assert.equal(e.code, 'bad-input');
    assert.match(e.message, /^Syntax error in .*syntax_error\.py:5:\d+: /);
  });

  it('an exception at import is reported with its traceback', async () => {
    const e = await rejects(createPythonRuntime({ file: fx('import_error.py'), functionName: 'work', args: [] }, LIMITS));
    assert.equal(e.code, 'function-failed');
    assert.match(e.message, /Importing .*import_error\.py failed: JSONDecodeError/);
    assert.match(e.userError?.stack ?? '', /import_error\.py", line 8, in <module>/);
  });

  it('missing function, class, variable, missing file, directory, empty, wrong python: one clear line each', async () => {
    const nf = await rejects(createPythonRuntime({ file: fx('bindings.py'), functionName: 'nope', args: [] }, LIMITS));
    assert.match(nf.message, /No top-level function "nope" .* Top-level functions there: timed, scaled, big_result\./);
    const cls = await rejects(createPythonRuntime({ file: fx('bindings.py'), functionName: 'Worker', args: [] }, LIMITS));
    assert.match(cls.message, /"Worker" .* is a class, not a function/);
    const v = await rejects(createPythonRuntime({ file: fx('bindings.py'), functionName: 'LIMIT', args: [] }, LIMITS));
    assert.match(v.message, /is a variable/);
    const missing = await rejects(createPythonRuntime({ file: fx('absent.py'), functionName: 'f', args: [] }, LIMITS));
    assert.match(missing.message, /File not found/);
    const dir = await rejects(createPythonRuntime({ file: FIX, functionName: 'f', args: [] }, LIMITS));
    assert.match(dir.message, /is a directory/);
    const empty = await rejects(createPythonRuntime({ file: fx('sleepy.py'), functionName: 'f', args: [], sourceText: '  \n' }, LIMITS));
    assert.match(empty.message, /is empty/);
    const nopy = await rejects(
      createPythonRuntime({ file: fx('sleepy.py'), functionName: 'nap', args: [1], python: '/nonexistent/python3' }, LIMITS),
    );
    assert.equal(nopy.code, 'bad-input');
    assert.match(nopy.message, /No Python interpreter found \(tried \/nonexistent\/python3\).*--python/);
  });
});
