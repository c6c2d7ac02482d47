// Python "Class.staticmethod" / "Class.classmethod" profiled for real: loaded by the
// harness in its own process and in ProcessPoolExecutor workers (which resolve the dotted
// name themselves), and with "$i" spliced into a string argument.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { ExecutorLimits, TargetRuntime } from '../../src/engine/executorTypes';
import { packageRoot } from '../../src/engine/paths';
import { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
import type { ExecutorKind } from '../../src/shared/report';
import { assertCleanPoints } from './cleanPoint';

const fx = (name: string) => path.join(packageRoot(), 'test', 'fixtures', 'python', name);
const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 1024, maxOutputBytes: 64 * 1024 };

describe('Python static and class methods, profiled for real', function () {
  this.timeout(60_000);
  const runtimes: TargetRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.dispose()));
  });

  async function runtime(functionName: string, args: unknown[]): Promise<TargetRuntime> {
    const rt = await createPythonRuntime({ file: fx('shapes_methods.py'), functionName, args }, LIMITS);
    runtimes.push(rt);
    return rt;
  }

  const cases: [string, unknown[], ExecutorKind[]][] = [
    ['Geometry.area', [3, 4], ['sequential', 'thread', 'process']],
    ['Geometry.scaled', [5], ['sequential', 'process']],
    ['Geometry.later', [1], ['async']],
  ];
  for (const [name, args, kinds] of cases) {
    it(`${name} runs under ${kinds.join(', ')} with no error`, async () => {
      const rt = await runtime(name, args);
      assert.equal(rt.target.isAsync, name === 'Geometry.later');
      await assertCleanPoints(rt, kinds);
    });
  }

  it('an instance method is refused as needing an instance; an unknown name lists what can be profiled', async () => {
    await assert.rejects(runtime('Geometry.perimeter', [1, 2]), /"Geometry\.perimeter" in .*shapes_methods\.py is a method that needs an instance, not a function\./);
    await assert.rejects(runtime('Geometry.nope', []), /No top-level function "Geometry\.nope".*Geometry\.area, Geometry\.scaled, Geometry\.later/);
  });

  it('the CLI lists the methods and profiles one by its dotted name', () => {
    const bin = path.join(packageRoot(), 'bin/workload-profiler.js');
    const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
    const listed = run(['list', fx('shapes_methods.py'), '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((f) => f.name), ['Geometry.area', 'Geometry.scaled', 'Geometry.later']);
    const r = run(['profile', fx('shapes_methods.py'), 'Geometry.scaled', '--args', '[2]', '--budget', '2', '--json', '--executors', 'sequential']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { target: { function: string } }).target.function, 'Geometry.scaled');
  });
});
