// 2. Fidelity: calibrated workloads whose ideal speedup is known from physics. The
// figure is the speedup the engine measures (its own throughput statistics, as a profile
// reports them) ÷ the ideal. Where a bare pool can run the same workload, its fidelity
// in the same run is given as the reference: it is what the hardware allows today.
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { barePiscinaPoint } from '../lib/barePools.mjs';
import { barePython } from '../lib/barePython.mjs';
import { loadEngine } from '../lib/engine.mjs';
import { engineOrThrow, figuresFor, measure } from '../lib/figure.mjs';
import { alternate, fixture, oursPoint, withRuntime } from '../lib/ours.mjs';
import { median } from '../lib/stats.mjs';

const require = createRequire(import.meta.url);
const cores = os.cpus().length;

export async function fidelitySection(ctx) {
  const reps = ctx.quick ? 1 : 3;
  const figures = [];
  const timer = {
    id: 'fidelity.js.timer',
    label: 'Timer wait 100 ms, async K=16: speedup ÷ 16',
    unit: 'x',
    target: { min: 0.95 },
    reference: (r) => `sequential ${median(r.map((x) => x.seq)).toFixed(2)}/s, async×16 ${median(r.map((x) => x.par)).toFixed(1)}/s; ideal 16× (physics)`,
  };
  const busy = {
    id: 'fidelity.js.cpu',
    label: `Busy loop, threads K=${cores} (cores): speedup ÷ ${cores}`,
    unit: 'x',
    target: { min: 0.9 },
    reference: (r) => `bare piscina ${median(r.map((x) => x.bare)).toFixed(2)}; ours ${median(r.map((x) => x.speedup)).toFixed(2)}× of ${cores}`,
  };
  const classic = ctx.quick ? { tasks: 40, threads: 10, seconds: 0.25 } : { tasks: 200, threads: 50, seconds: 1 };
  const idealWallMs = Math.ceil(classic.tasks / classic.threads) * classic.seconds * 1000;
  const idealSpeedup = classic.tasks / Math.ceil(classic.tasks / classic.threads);
  const py = {
    id: 'fidelity.py.sleep',
    label: `Python ${classic.tasks} × sleep(${classic.seconds}) on ${classic.threads} threads: speedup ÷ ${idealSpeedup}`,
    unit: 'x',
    target: { min: 0.95 },
    reference: (r) =>
      `ours ${(median(r.map((x) => x.oursMs)) / 1000).toFixed(2)} s, bare ThreadPoolExecutor(${classic.threads}) ${(median(r.map((x) => x.bareMs)) / 1000).toFixed(2)} s ` +
      `(fidelity ${median(r.map((x) => x.bare)).toFixed(2)}); ideal ${(idealWallMs / 1000).toFixed(2)} s`,
  };

  const seqWindow = ctx.quick ? 600 : 1500;
  const asyncWindow = ctx.quick ? 800 : 2500;
  const window = ctx.quick ? 600 : 1500;
  const warmupMs = ctx.quick ? 100 : 200;

  figures.push(
    ...(await figuresFor(ctx, [timer, busy], async (out) => {
      const js = engineOrThrow(await loadEngine('jsEngine'));
      const tp = (s) => js.throughputStats(s).throughputPerSec;

      await withRuntime(js, { file: fixture('timer.mjs'), functionName: 'timerWait', args: [100] }, async (rt) => {
        out.push(
          await measure(ctx, timer, reps, async () => {
            const seq = tp(await oursPoint(rt, 'sequential', { concurrency: 1, durationMs: seqWindow, warmupMs: 0 }));
            const par = tp(await oursPoint(rt, 'async', { concurrency: 16, durationMs: asyncWindow, warmupMs: 0 }));
            return { value: par / seq / 16, seq, par };
          }),
        );
      });

      // A fixed amount of work of about 10 ms, so a core lost to another process shows.
      const iterations = calibrate(10);
      await withRuntime(js, { file: fixture('busy.js'), functionName: 'busyWork', args: [iterations] }, async (rt) => {
        out.push(
          await measure(ctx, busy, reps, async (i) => {
            const ours = async () => {
              const seq = tp(await oursPoint(rt, 'sequential', { concurrency: 1, durationMs: window, warmupMs }));
              const par = tp(await oursPoint(rt, 'thread', { concurrency: cores, durationMs: window, warmupMs }));
              return par / seq;
            };
            const bare = async () => {
              const task = { fn: 'busyWork', arg: iterations };
              const one = tp({ ...(await barePiscinaPoint(1, task, { durationMs: window, warmupMs })), concurrency: 1 });
              const all = tp({ ...(await barePiscinaPoint(cores, task, { durationMs: window, warmupMs })), concurrency: cores });
              return all / one;
            };
            const [speedup, bareSpeedup] = await alternate(i, ours, bare);
            return { value: speedup / cores, speedup, bare: bareSpeedup / cores, iterations };
          }),
        );
      });
    })),
  );

  figures.push(
    ...(await figuresFor(ctx, [py], async (out) => {
      const pyEngine = engineOrThrow(await loadEngine('pythonEngine'));
      await withRuntime(pyEngine, { file: fixture('python/sleepy.py'), functionName: 'sleep_for', args: [classic.seconds] }, async (rt) => {
        out.push(
          await measure(ctx, py, reps, async (i) => {
            const ours = async () => {
              // durationMs 0 + minTasks: exactly `tasks` calls, K in flight, like pool.map.
              const s = await oursPoint(rt, 'thread', { concurrency: classic.threads, durationMs: 0, minTasks: classic.tasks, warmupMs: 0 });
              if (s.taskEndMs.length !== classic.tasks) throw new Error(`expected ${classic.tasks} tasks, the executor ran ${s.taskEndMs.length}`);
              return s.endMs - s.startMs;
            };
            const bare = async () =>
              (await barePython(rt.target.python, ['classic', '--threads', String(classic.threads), '--tasks', String(classic.tasks), '--seconds', String(classic.seconds)])).wallMs;
            const [oursMs, bareMs] = await alternate(i, ours, bare);
            return { value: idealWallMs / oursMs, oursMs, bareMs, bare: idealWallMs / bareMs };
          }),
        );
      });
    })),
  );
  return figures;
}

/** Iterations of busyWork that take about `ms` on this thread, once the JIT has warmed it. */
function calibrate(ms) {
  const { busyWork } = require('../fixtures/busy.js');
  let n = 100_000;
  busyWork(n);
  for (;;) {
    const t0 = performance.now();
    busyWork(n);
    const dt = performance.now() - t0;
    if (dt > 20 || n > 1e9) return Math.max(1, Math.round((n * ms) / dt));
    n *= 2;
  }
}
