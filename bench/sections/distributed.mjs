// 7. Distributed executor (BullMQ on our own redis-server): what the queue costs per
// task against the local process pool for an empty task, both one call at a time in the
// same run; and its fidelity at 4 workers against the ideal speedup, for a 50 ms timer
// (ideal 4×) and for CPU work (ideal min(4, cores)×). Without redis-server the rows say so.
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { usPerTask } from '../lib/closedLoop.mjs';
import { loadEngine } from '../lib/engine.mjs';
import { engineOrThrow, figuresFor, measure, unavailable } from '../lib/figure.mjs';
import { alternate, fixture, oursPoint, withRuntime } from '../lib/ours.mjs';
import { median } from '../lib/stats.mjs';

const WORKERS = 4;
const cores = os.cpus().length;

export async function distributedSection(ctx) {
  const reps = ctx.quick ? 1 : 3;
  const window = ctx.quick ? 800 : 2000;
  const warmupMs = ctx.quick ? 150 : 300;
  const overhead = {
    id: 'distributed.js.overhead',
    label: 'BullMQ queue ÷ process pool, overhead per task (K=1, empty task)',
    unit: 'x',
    target: null,
    reference: (r) => `queue ${median(r.map((x) => x.distUs)).toFixed(0)} µs/task, process pool ${median(r.map((x) => x.procUs)).toFixed(0)} µs/task`,
  };
  const sleep = {
    id: 'distributed.js.sleep',
    label: `BullMQ ${WORKERS} workers, 50 ms timer: speedup ÷ ${WORKERS}`,
    unit: 'x',
    target: { min: 0.9 },
    reference: (r) => `speedup ${median(r.map((x) => x.speedup)).toFixed(2)}× of ideal ${WORKERS}×`,
  };
  const ideal = Math.min(WORKERS, cores);
  const cpu = {
    id: 'distributed.js.cpu',
    label: `BullMQ ${WORKERS} workers, CPU work: speedup ÷ ${ideal} (cores)`,
    unit: 'x',
    target: { min: 0.8 },
    reference: (r) => `speedup ${median(r.map((x) => x.speedup)).toFixed(2)}× of ideal ${ideal}× on ${cores} cores`,
  };
  try {
    execFileSync('redis-server', ['--version']);
  } catch {
    const why = 'redis-server not installed (apt-get install -y redis-server)';
    return [overhead, sleep, cpu].map((s) => unavailable(ctx, s, why));
  }
  const figures = [];
  figures.push(
    ...(await figuresFor(ctx, [overhead, sleep, cpu], async (out) => {
      const js = engineOrThrow(await loadEngine('jsEngine'));
      const tp = (s) => s.taskEndMs.length / ((s.endMs - s.startMs) / 1000);
      const plan = (k) => ({ concurrency: k, durationMs: window, warmupMs });

      await withRuntime(js, { file: fixture('empty.js'), functionName: 'empty', args: [] }, async (rt) => {
        out.push(
          await measure(ctx, overhead, reps, async (i) => {
            const [distUs, procUs] = await alternate(
              i,
              async () => usPerTask(await oursPoint(rt, 'distributed', plan(1))),
              async () => usPerTask(await oursPoint(rt, 'process', plan(1))),
            );
            return { value: distUs / procUs, distUs, procUs };
          }),
        );
      });
      await withRuntime(js, { file: fixture('timer.mjs'), functionName: 'timerWait', args: [50] }, async (rt) => {
        out.push(
          await measure(ctx, sleep, reps, async () => {
            const seq = tp(await oursPoint(rt, 'sequential', plan(1)));
            const par = tp(await oursPoint(rt, 'distributed', plan(WORKERS)));
            return { value: par / seq / WORKERS, speedup: par / seq };
          }),
        );
      });
      // About 20 ms of fixed CPU work per call on this machine.
      const { busyWork } = await import(fixture('busy.js'));
      const t0 = performance.now();
      busyWork(2_000_000);
      const iterations = Math.max(100_000, Math.round((2_000_000 * 20) / Math.max(1, performance.now() - t0)));
      await withRuntime(js, { file: fixture('busy.js'), functionName: 'busyWork', args: [iterations] }, async (rt) => {
        out.push(
          await measure(ctx, cpu, reps, async () => {
            const seq = tp(await oursPoint(rt, 'sequential', plan(1)));
            const par = tp(await oursPoint(rt, 'distributed', plan(WORKERS)));
            return { value: par / seq / ideal, speedup: par / seq };
          }),
        );
      });
    })),
  );
  return figures;
}
