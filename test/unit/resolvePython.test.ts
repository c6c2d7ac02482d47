// The interpreter check (resolvePython): one start of the interpreter gives its version
// and, when it is new enough, the harness's interpreter facts. The real python3 for the
// answer itself; small stand-in executables for interpreters this machine does not have
// (a Python 2, one whose standard library is broken), to check each gets its own error.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePython } from '../../src/engine/python/resolvePython';
import { ProfileError } from '../../src/shared/errors';

describe('resolvePython', function () {
  this.timeout(30_000);
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wp-python-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** An executable that prints `stdout`, `stderr` and exits with `code`, whatever its arguments. */
  function standIn(name: string, stdout: string, stderr = '', code = 0): string {
    const file = join(dir, name);
    writeFileSync(`${file}.out`, stdout);
    writeFileSync(`${file}.err`, stderr);
    writeFileSync(file, `#!/bin/sh\ncat '${file}.out'\ncat '${file}.err' >&2\nexit ${code}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it("answers with the machine's python3: its real binary, version, GIL and start method", async () => {
    const py = await resolvePython('python3');
    assert.match(py.version, /^3\.\d+\.\d+$/);
    assert.ok(py.executable.startsWith('/'), py.executable);
    assert.equal(typeof py.gilEnabled, 'boolean');
    assert.ok(['fork', 'forkserver', 'spawn'].includes(py.startMethod), py.startMethod);
    assert.equal(py.requested, 'python3');
  });

  it("is not fooled by a project's own json.py in the current directory", async () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'json.py'), 'raise ImportError("the project\'s own json.py")\n');
    const cwd = process.cwd();
    process.chdir(project);
    try {
      const py = await resolvePython('/usr/bin/python3');
      assert.match(py.version, /^3\.\d+\.\d+$/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('names an interpreter that is too old, with its version', async () => {
    const old = standIn('python2', '2.7.18');
    await assert.rejects(resolvePython(old), (e: unknown) => e instanceof ProfileError && e.code === 'bad-input' && e.message.includes('Python 2.7.18') && e.message.includes('3.9 or later'));
  });

  it("says when a new enough interpreter cannot load the harness, with the interpreter's own reason", async () => {
    const broken = standIn('python-broken', '3.11.4', "ModuleNotFoundError: No module named 'multiprocessing'", 1);
    await assert.rejects(
      resolvePython(broken),
      (e: unknown) =>
        e instanceof ProfileError && e.code === 'bad-input' && e.message.includes('Python 3.11.4') && e.message.includes("No module named 'multiprocessing'") && e.message.includes('--python'),
    );
  });

  it('says no interpreter was found when the path does not run', async () => {
    await assert.rejects(resolvePython(join(dir, 'no-such-python')), (e: unknown) => e instanceof ProfileError && e.message.startsWith('No Python interpreter found'));
  });
});
