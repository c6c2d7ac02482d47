// A TypeScript project whose imports go through tsconfig `paths` aliases and `baseUrl`,
// declared in a base config it `extends` (test/fixtures/tsproject). esbuild resolves them
// as tsc does; the loader must bundle what they reach instead of leaving it to Node,
// which refuses .ts files (ERR_UNKNOWN_FILE_EXTENSION, issue 13).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ProfileError } from '../../src/shared/errors';
import type { ExecutorLimits, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';
import { assertCleanPoints } from './cleanPoint';

const project = join(packageRoot(), 'test', 'fixtures', 'tsproject');
const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 8192 };

describe('tsconfig paths, baseUrl and extends', function () {
  this.timeout(60_000);
  let rt: TargetRuntime | undefined;
  afterEach(async () => {
    await rt?.dispose();
    rt = undefined;
  });

  it('bundles aliased imports so the probe and every executor run the function', async () => {
    rt = await createJsRuntime({ file: join(project, 'src', 'main.ts'), functionName: 'checked', args: [3] }, LIMITS);
    const probe = await rt.probe(new AbortController().signal);
    assert.equal(probe.error, undefined, JSON.stringify(probe.error));
    await assertCleanPoints(rt, ['sequential', 'thread', 'process']);
  });

  it('an alias that matches but reaches no file is a one-line bad-input error at its import', async () => {
    await assert.rejects(
      createJsRuntime({ file: join(project, 'src', 'broken.ts'), functionName: 'useCube', args: [2] }, LIMITS),
      (e: unknown) => e instanceof ProfileError && e.code === 'bad-input' && /Cannot resolve import "@util\/missing" in .*broken\.ts:2:/.test(e.message) && !e.message.includes('\n'),
    );
  });

  it('the CLI profiles the aliased function end to end', () => {
    const bin = join(packageRoot(), 'bin/workload-profiler.js');
    const r = spawnSync(process.execPath, [bin, 'profile', join(project, 'src', 'main.ts'), 'checked', '--args', '[3]', '--budget', '2', '--json', '--executors', 'sequential'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { target: { language: string }; runs: { errors: { count: number } }[] };
    assert.equal(report.target.language, 'typescript');
    assert.ok(report.runs.length > 0 && report.runs.every((run) => run.errors.count === 0));
  });
});
