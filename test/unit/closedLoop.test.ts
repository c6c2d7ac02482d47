// The closed loop's launch rule for calls that block their thread: the loop worker runs
// async lanes on one thread, so a synchronous call holds every other lane until it ends.
import assert from 'node:assert/strict';
import { epochNow, runClosedLoop, type LoopPlan, type TaskOutcome } from '../../src/shared/closedLoop';
import { eventLoopYielder } from '../../src/hosted/lib/hostSetup';

/** Holds the thread for `ms`, as Atomics.wait or execSync would. */
function block(ms: number): void {
  const until = epochNow() + ms;
  while (epochNow() < until) {
    /* spin */
  }
}

const plan = (concurrency: number, durationMs: number): LoopPlan => ({
  concurrency,
  originMs: epochNow(),
  durationMs,
  warmupMs: 0,
  minTasks: 1,
  maxErrors: 100,
  firstIndex: 0,
});

describe('closed loop', () => {
  it('lanes of a blocking call start only while the window is open, when the loop turns between launches', async () => {
    // 16 lanes of a 20 ms blocking call against a 100 ms window: they start one after
    // another, so only about six fit. Before the loop turned ahead of the window check,
    // every lane passed the check while another blocked, and all 16 ran (320 ms).
    const blockingTask = async (): Promise<TaskOutcome> => {
      const startMs = epochNow();
      block(20);
      return { ok: true, startMs, endMs: epochNow(), cpuMs: 20 };
    };
    const p = await runClosedLoop(plan(16, 100), blockingTask, () => {}, { pace: eventLoopYielder(30) });
    assert.ok(p.launched >= 2 && p.launched <= 10, `launched ${p.launched} of 16 lanes`);
  });

  it('lanes of a call that yields all start at once', async () => {
    const starts: number[] = [];
    const waitingTask = async (): Promise<TaskOutcome> => {
      const startMs = epochNow();
      starts.push(startMs);
      await new Promise((r) => setTimeout(r, 30));
      return { ok: true, startMs, endMs: epochNow(), cpuMs: 0 };
    };
    const p = await runClosedLoop(plan(16, 50), waitingTask, () => {}, { pace: eventLoopYielder(30) });
    assert.ok(p.launched >= 16, `launched ${p.launched}`);
    // The first 16 launches are the 16 lanes, all before any call ended.
    assert.ok(Math.max(...starts.slice(0, 16)) - starts[0] < 25, `lane starts spread over ${Math.max(...starts.slice(0, 16)) - starts[0]} ms`);
  });
});
