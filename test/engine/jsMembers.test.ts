// Members and CommonJS exports profiled for real: loaded in worker threads and child
// processes, called on their owner (`this` works), and through the CLI by dotted name.
// Also the "$i" rule end to end: the function sees "user-<n>".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutorLimits, PointRequest, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import type { ExecutorKind } from '../../src/shared/report';

const fx = (name: string) => join(packageRoot(), 'test', 'fixtures', 'members', name);
const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 8192 };

function request(over: Partial<PointRequest> = {}): PointRequest {
  return { concurrency: 2, durationMs: 300, minTasks: 3, warmupMs: 0, taskIndexStart: 0, maxErrors: 50, signal: new AbortController().signal, ...over };
}

describe('JS members and CommonJS exports, profiled for real', function () {
  this.timeout(60_000);
  const runtimes: TargetRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.dispose()));
  });

  async function runtime(file: string, functionName: string, args: unknown[]): Promise<TargetRuntime> {
    const rt = await createJsRuntime({ file: fx(file), functionName, args }, LIMITS);
    runtimes.push(rt);
    return rt;
  }

  async function okCalls(rt: TargetRuntime, kind: ExecutorKind): Promise<number> {
    const ex = rt.createExecutor(kind);
    try {
      const s = await ex.runPoint(request());
      assert.deepEqual(s.errors, [], `${kind}: ${JSON.stringify(s.errors)}`);
      return s.taskOk.length;
    } finally {
      await ex.dispose();
    }
  }

  const cases: [string, string, unknown[], ExecutorKind[]][] = [
    ['yaml.cjs', 'dumpYaml', [50], ['sequential', 'thread', 'process']],
    ['yaml.cjs', 'nested', [2], ['sequential', 'process']],
    ['yaml.cjs', 'legacy', [1], ['thread']],
    ['exportsProps.js', 'double', [4], ['sequential', 'process']],
    ['exportsProps.js', 'later', [1], ['async']],
    ['parser.ts', 'Parser.parse', ['1,2,3'], ['sequential', 'thread', 'process']],
    ['parser.ts', 'api.scale', [3], ['sequential', 'process']],
    ['parser.ts', 'api.fetchLater', [1], ['async']],
  ];
  for (const [file, name, args, kinds] of cases) {
    it(`${file} ${name} runs under ${kinds.join(', ')} with no error`, async () => {
      const rt = await runtime(file, name, args);
      const probe = await rt.probe(new AbortController().signal);
      assert.equal(probe.error, undefined, JSON.stringify(probe.error));
      for (const k of kinds) assert.ok((await okCalls(rt, k)) >= 3, k);
    });
  }

  it('an instance method is refused as needing an instance; an unknown name lists what can be profiled', async () => {
    await assert.rejects(runtime('parser.ts', 'Parser.describe', []), /"Parser\.describe" in .*parser\.ts is a method that needs an instance, not a function\./);
    await assert.rejects(runtime('parser.ts', 'Parser.nope', []), /No top-level function "Parser\.nope".*Parser\.parse, Parser\.tokens, api\.scale, api\.add, api\.fetchLater/);
  });

  it('"$i" inside a string reaches the function as user-<n> (probe and every executor)', async () => {
    const rt = await runtime('echoUser.js', 'echoUser', ['user-$i']);
    const probe = await rt.probe(new AbortController().signal);
    assert.equal(probe.error, undefined, JSON.stringify(probe.error));
    assert.equal(probe.output?.stdout.trim(), 'user-0');
    for (const kind of ['sequential', 'thread', 'process'] as ExecutorKind[]) {
      const ex = rt.createExecutor(kind);
      try {
        const s = await ex.runPoint(request({ taskIndexStart: 40, concurrency: 1 }));
        assert.deepEqual(s.errors, [], `${kind}: ${JSON.stringify(s.errors)}`);
        assert.ok(s.taskOk.length >= 3);
        const seen = (s.output?.stdout ?? '').split('\n').filter(Boolean);
        assert.ok(seen.length > 0 && seen.every((l) => /^user-\d+$/.test(l) && Number(l.slice(5)) >= 40), `${kind}: ${seen.slice(0, 5).join(' ')}`);
      } finally {
        await ex.dispose();
      }
    }
  });

  it('the CLI profiles a dotted name and lists members', () => {
    const bin = join(packageRoot(), 'bin/workload-profiler.js');
    const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
    const listed = run(['list', fx('parser.ts'), '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const names = (JSON.parse(listed.stdout) as { name: string }[]).map((f) => f.name);
    assert.deepEqual(names, ['Parser.parse', 'Parser.tokens', 'api.scale', 'api.add', 'api.fetchLater']);
    const r = run(['profile', fx('parser.ts'), 'api.scale', '--args', '[4]', '--budget', '2', '--json', '--executors', 'sequential,thread']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { target: { function: string }; runs: { errors: { count: number } }[] };
    assert.equal(report.target.function, 'api.scale');
    assert.ok(report.runs.length > 0 && report.runs.every((run) => run.errors.count === 0));
  });
});
