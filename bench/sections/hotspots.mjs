// 8. Hot-spot profiling cost. The hot-spot pass is separate and uncounted: no measured
// point ever runs with a profiler on, so it cannot bend a throughput figure, and what it
// costs a profile is its share of the budget (4%, 100–500 ms). What this section
// measures is the profiler's own slowdown of the calls it profiles: calls per CPU-second
// of the pass (V8's sampler in the worker, or the Python frame sampler) against a
// sequential point of the same length with no profiler, in the same run, order
// alternating, with wall-clock throughput beside it.
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../lib/engine.mjs';
import { engineOrThrow, figuresFor, measure } from '../lib/figure.mjs';
import { alternate, oursPoint, withRuntime } from '../lib/ours.mjs';
import { median } from '../lib/stats.mjs';

// The engine test's fixtures: one helper does nearly all the work (a few ms per call).
const fixture = (name) => fileURLToPath(new URL(`../../test/fixtures/hotspots/${name}`, import.meta.url));

export async function hotspotsSection(ctx) {
  const durationMs = ctx.quick ? 300 : 500;
  const reps = ctx.quick ? 2 : 5;
  const describe = (r) =>
    `CPU ms/call profiled ${median(r.map((x) => x.cpuOn)).toFixed(2)} vs not ${median(r.map((x) => x.cpuOff)).toFixed(2)}; ` +
    `wall calls/s ${median(r.map((x) => x.on)).toFixed(0)} vs ${median(r.map((x) => x.off)).toFixed(0)} (slowdown ${median(r.map((x) => x.wallSlowdown)).toFixed(1)}%, noisy when others load the cores); the pass is never counted`;
  const specs = {
    js: { id: 'hotspots.js', label: `JS: CPU cost per call under V8's profiler (${durationMs} ms pass vs unprofiled sequential point)` },
    py: { id: 'hotspots.py', label: `Python: CPU cost per call under the frame sampler (${durationMs} ms pass vs unprofiled sequential point)` },
  };
  // No target: issue 11 allows "on vs off within 5%", or else a separate pass that is not
  // counted, and the engine does the latter, so no measured point pays this slowdown.
  // The figure says what the pass's own numbers (its hot-spot shares) are taken under.
  for (const s of Object.values(specs)) Object.assign(s, { unit: '%', reference: describe });

  // Calls per CPU-second of the calling thread is the figure: it is what the profiler
  // takes from the calls, and, unlike wall-clock throughput, it does not move with the
  // run-queue waits other processes cause on a shared machine. Wall throughput is kept beside it.
  const run = (rt, i) =>
    alternate(
      i,
      async () => {
        const r = await rt.hotspots({ durationMs, maxCalls: 1_000_000, taskIndexStart: 1 }, new AbortController().signal);
        if (!r.calls || !(r.wallMs > 0)) throw new Error(`the pass made no call: ${r.note}`);
        if (r.cpuMs === undefined) throw new Error('no per-thread CPU clock on this platform');
        return { rate: (r.calls / r.wallMs) * 1000, cpuPerCall: r.cpuMs / r.calls };
      },
      async () => {
        const s = await oursPoint(rt, 'sequential', { concurrency: 1, durationMs, warmupMs: 0 });
        const cpu = s.taskCpuMs.filter(Number.isFinite);
        if (!cpu.length) throw new Error('the sequential point has no CPU readings');
        return { rate: (s.taskEndMs.length / (s.endMs - s.startMs)) * 1000, cpuPerCall: cpu.reduce((a, b) => a + b, 0) / cpu.length };
      },
    ).then(([on, off]) => ({
      value: (on.cpuPerCall / off.cpuPerCall - 1) * 100,
      cpuOn: on.cpuPerCall,
      cpuOff: off.cpuPerCall,
      on: on.rate,
      off: off.rate,
      wallSlowdown: (1 - on.rate / off.rate) * 100,
    }));

  const figures = [];
  figures.push(
    ...(await figuresFor(ctx, [specs.js], async (out) => {
      const js = engineOrThrow(await loadEngine('jsEngine'));
      await withRuntime(js, { file: fixture('oneHotHelper.js'), functionName: 'work', args: [] }, async (rt) => {
        out.push(await measure(ctx, specs.js, reps, (i) => run(rt, i)));
      });
    })),
  );
  figures.push(
    ...(await figuresFor(ctx, [specs.py], async (out) => {
      const py = engineOrThrow(await loadEngine('pythonEngine'));
      await withRuntime(py, { file: fixture('one_hot_helper.py'), functionName: 'work', args: [] }, async (rt) => {
        out.push(await measure(ctx, specs.py, reps, (i) => run(rt, i)));
      });
    })),
  );
  return figures;
}
