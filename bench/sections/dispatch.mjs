// 1. Dispatch overhead: empty tasks through our executors (every measurement on) and
// through the bare pool each one is built on, same size, same closed loop, same run.
// Repetitions alternate which goes first (lib/ours.mjs alternate()).
import { barePiscinaPoint, bareForkPoint } from '../lib/barePools.mjs';
import { barePython } from '../lib/barePython.mjs';
import { usPerTask } from '../lib/closedLoop.mjs';
import { loadEngine } from '../lib/engine.mjs';
import { engineOrThrow, figuresFor, measure } from '../lib/figure.mjs';
import { alternate, fixture, oursPoint, withRuntime } from '../lib/ours.mjs';
import { median } from '../lib/stats.mjs';

/** The size the reference numbers were taken at (raw piscina, 2 threads). */
const K = 2;

export async function dispatchSection(ctx) {
  const plan = { durationMs: ctx.quick ? 400 : 1500, warmupMs: ctx.quick ? 100 : 300 };
  const reps = ctx.quick ? 2 : 5;
  const figures = [];

  const specs = {
    thread: { id: 'dispatch.js.thread', label: `JS thread executor ÷ bare piscina (K=${K}, empty task)` },
    process: { id: 'dispatch.js.process', label: `JS process executor ÷ bare fork+IPC pool (K=${K}, empty task)` },
    pyThread: { id: 'dispatch.py.thread', label: `Python thread executor ÷ bare ThreadPoolExecutor (K=${K}, empty task)` },
    pyProcess: { id: 'dispatch.py.process', label: `Python process executor ÷ bare ProcessPoolExecutor (K=${K}, empty task)` },
  };
  for (const s of Object.values(specs)) Object.assign(s, { unit: 'x', target: { max: 1.25 }, reference: describe });

  figures.push(
    ...(await figuresFor(ctx, [specs.thread, specs.process], async (out) => {
      const js = engineOrThrow(await loadEngine('jsEngine'));
      // What one read of the per-thread CPU clock costs (done twice per task in a worker):
      // if the ratio misses its target, this says whether the clock is to blame.
      const clock = clockCost(js.threadCpuClock());
      specs.thread.reference = (r) => `${describe(r)}; CPU clock ${clock.source} ${clock.us.toFixed(1)} µs/read`;
      await withRuntime(js, { file: fixture('empty.js'), functionName: 'empty', args: [] }, async (rt) => {
        out.push(
          await measure(ctx, specs.thread, reps, (i) =>
            compare(
              i,
              async () => usPerTask(await oursPoint(rt, 'thread', { concurrency: K, ...plan })),
              async () => usPerTask(await barePiscinaPoint(K, { fn: 'empty' }, plan)),
            ),
          ),
        );
        out.push(
          await measure(ctx, specs.process, reps, (i) =>
            compare(
              i,
              async () => usPerTask(await oursPoint(rt, 'process', { concurrency: K, ...plan })),
              async () => usPerTask(await bareForkPoint(K, { fn: 'empty' }, plan)),
            ),
          ),
        );
      });
    })),
  );

  figures.push(
    ...(await figuresFor(ctx, [specs.pyThread, specs.pyProcess], async (out) => {
      const py = engineOrThrow(await loadEngine('pythonEngine'));
      await withRuntime(py, { file: fixture('python/empty.py'), functionName: 'empty', args: [] }, async (rt) => {
        const python = rt.target.python;
        const bareArgs = (pool) => ['dispatch', '--pool', pool, '--k', String(K), '--duration', String(plan.durationMs / 1000), '--warmup', String(plan.warmupMs / 1000)];
        for (const [kind, spec] of [
          ['thread', specs.pyThread],
          ['process', specs.pyProcess],
        ]) {
          out.push(
            await measure(ctx, spec, reps, (i) =>
              compare(
                i,
                async () => usPerTask(await oursPoint(rt, kind, { concurrency: K, ...plan })),
                async () => (await barePython(python, bareArgs(kind))).usPerTask,
              ),
            ),
          );
        }
      });
    })),
  );
  return figures;
}

async function compare(i, ours, bare) {
  const [oursUs, bareUs] = await alternate(i, ours, bare);
  return { value: oursUs / bareUs, oursUs, bareUs };
}

function clockCost(clock) {
  const n = 20_000;
  for (let i = 0; i < 1000; i++) clock.now();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) clock.now();
  return { source: clock.source, us: ((performance.now() - t0) * 1000) / n };
}

function describe(reps) {
  const o = median(reps.map((r) => r.oursUs));
  const b = median(reps.map((r) => r.bareUs));
  return `ours ${o.toFixed(0)} µs/task, bare ${b.toFixed(0)} µs/task`;
}
