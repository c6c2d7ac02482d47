// The two pieces of the pool executors' per-call path that hold logic of their own: the
// one watchdog timer that replaced a timer per call, and the split of a thread's CPU
// readings over the calls between them. The executors themselves are covered on real
// pools in test/engine (jsExecutors, pointContract, faults).
import assert from 'node:assert/strict';
import { CallWatchdog } from '../../src/engine/js/callWatchdog';
import { chargeCpu, type ThreadCpu } from '../../src/engine/js/threadCpu';
import { epochNow } from '../../src/shared/closedLoop';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pool dispatch', () => {
  describe('CallWatchdog', () => {
    /** Calls in flight by deadline; the sweep ends the overdue ones and returns the next deadline. */
    function harness() {
      const running = new Map<string, number>();
      const ended: string[] = [];
      /** How long after its deadline each call was ended (never negative). */
      const lateMs: number[] = [];
      let sweeps = 0;
      const dog = new CallWatchdog((now) => {
        sweeps++;
        let next = Infinity;
        for (const [id, deadline] of running) {
          if (deadline <= now) {
            running.delete(id);
            ended.push(id);
            lateMs.push(now - deadline);
          } else next = Math.min(next, deadline);
        }
        return next;
      });
      const start = (id: string, timeoutMs: number) => {
        const deadline = epochNow() + timeoutMs;
        running.set(id, deadline);
        dog.watch(deadline);
      };
      return { dog, running, ended, lateMs, start, sweeps: () => sweeps };
    }

    it('ends an overrunning call at its deadline, not before, and only that one', async () => {
      const h = harness();
      h.start('stuck', 60);
      h.start('quick', 60);
      h.running.delete('quick'); // finished at once: the watchdog needs no word of it
      await sleep(400);
      assert.deepEqual(h.ended, ['stuck']);
      assert.ok(h.lateMs[0] >= 0, `ended ${h.lateMs[0]} ms after its deadline`);
      h.dog.stop();
    });

    it('re-arms for the next deadline still pending, so later calls are ended too', async () => {
      const h = harness();
      h.start('first', 40);
      await sleep(10);
      h.start('second', 150);
      await sleep(500);
      assert.deepEqual(h.ended, ['first', 'second']);
      // One sweep per deadline (plus at most one early firing each), not one per call.
      assert.ok(h.sweeps() <= 4, `${h.sweeps()} sweeps`);
      h.dog.stop();
    });

    it('never sweeps once stopped, and ignores calls without a timeout', async () => {
      const h = harness();
      h.start('no timeout', Infinity);
      h.start('stuck', 30);
      h.dog.stop();
      await sleep(200);
      assert.deepEqual(h.ended, []);
      assert.equal(h.sweeps(), 0);
    });
  });

  describe('chargeCpu', () => {
    it('charges each read call the CPU up to the next reading on its thread', () => {
      const threads = new Map<number, ThreadCpu>();
      const cpu = [NaN, NaN, NaN];
      chargeCpu(threads, 1, 100, 0, cpu);
      chargeCpu(threads, 2, 500, 1, cpu); // another thread's clock is never mixed in
      chargeCpu(threads, 1, 104, 2, cpu);
      assert.deepEqual(cpu, [4, NaN, NaN]);
    });

    it('splits the CPU between two readings evenly over the calls started between them', () => {
      const threads = new Map<number, ThreadCpu>();
      const cpu = [NaN, NaN, NaN, NaN, NaN];
      chargeCpu(threads, 1, 10, 0, cpu);
      chargeCpu(threads, 1, NaN, 1, cpu); // no reading: started within a millisecond of the last
      chargeCpu(threads, 1, NaN, -1, cpu); // not counted (warm-up window): shares the CPU, owns no sample
      chargeCpu(threads, 1, NaN, 2, cpu);
      chargeCpu(threads, 1, 12, 3, cpu);
      assert.deepEqual(cpu.slice(0, 3), [0.5, 0.5, 0.5]);
      // The last reading's calls keep their own figure until a next reading comes.
      assert.ok(Number.isNaN(cpu[3]));
    });

    it('leaves calls before a thread first reads its clock, and a clock that went back, unknown', () => {
      const threads = new Map<number, ThreadCpu>();
      const cpu = [NaN, NaN, NaN, NaN];
      chargeCpu(threads, 1, NaN, 0, cpu);
      chargeCpu(threads, 1, 50, 1, cpu);
      chargeCpu(threads, 1, 40, 2, cpu);
      chargeCpu(threads, 1, 45, 3, cpu);
      assert.ok(Number.isNaN(cpu[0]) && Number.isNaN(cpu[1]), JSON.stringify(cpu));
      assert.equal(cpu[2], 5);
    });
  });
});
