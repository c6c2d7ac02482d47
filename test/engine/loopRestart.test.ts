// The event-loop thread (sequential and async points) after the user's code ended it:
// a fresh thread takes over for what is left of the point, including a window held open
// past its duration (src/engine/js/loopWorkerExecutor.ts, PointRequest.windowUntilMs).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';

describe('the event-loop thread after a process.exit', function () {
  this.timeout(60_000);

  it('goes on on a fresh thread until windowUntilMs, not only until durationMs', async () => {
    const file = join(packageRoot(), 'test', 'fixtures', 'faults', 'faults.js');
    // 25 ms calls; task 9 ends the thread about 200 ms into a 100 ms window held open
    // for 1.5 s (60 calls' time, under the 80 that close a held window).
    const rt = await createJsRuntime({ file, functionName: 'exitsAt', args: [9, '$i', 25] }, { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 1000 });
    try {
      for (const kind of ['sequential', 'async'] as const) {
        const ex = rt.createExecutor(kind);
        try {
          const until = Date.now() + 1500;
          const s = await ex.runPoint({ concurrency: kind === 'async' ? 2 : 1, durationMs: 100, windowUntilMs: until, minTasks: 1, warmupMs: 0, taskIndexStart: 1, maxErrors: 50, signal: new AbortController().signal });
          const died = s.taskOk.indexOf(false);
          assert.ok(died >= 0, `${kind}: the exit was recorded as a failed call`);
          assert.match(s.errors[0]?.message ?? '', /process\.exit\(1\)/, `${kind}: ${JSON.stringify(s.errors)}`);
          const diedAt = s.taskEndMs[died];
          const after = s.taskStartMs.filter((t) => t > diedAt);
          assert.ok(after.length >= 10, `${kind}: ${after.length} calls on the fresh thread`);
          assert.ok(Math.max(...after) >= until - 300, `${kind}: the last call started ${Math.round(until - Math.max(...after))} ms before windowUntilMs`);
        } finally {
          await ex.dispose();
        }
      }
    } finally {
      await rt.dispose();
    }
  });
});
