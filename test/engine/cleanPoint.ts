// One short measured point that must come out clean: the check the loader suites
// (tsconfig paths, Python methods) make under every executor a target supports.
import * as assert from 'node:assert/strict';
import type { TargetRuntime } from '../../src/engine/executorTypes';
import type { ExecutorKind } from '../../src/shared/report';

/** Under each kind: K=2 for 300 ms, no error, and at least 3 calls made. */
export async function assertCleanPoints(rt: TargetRuntime, kinds: ExecutorKind[]): Promise<void> {
  for (const kind of kinds) {
    const ex = rt.createExecutor(kind);
    try {
      const s = await ex.runPoint({ concurrency: 2, durationMs: 300, minTasks: 3, warmupMs: 0, taskIndexStart: 0, maxErrors: 20, signal: new AbortController().signal });
      assert.deepEqual(s.errors, [], `${kind}: ${JSON.stringify(s.errors)}`);
      assert.ok(s.taskOk.length >= 3, kind);
    } finally {
      await ex.dispose();
    }
  }
}
