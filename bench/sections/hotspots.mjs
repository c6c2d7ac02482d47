// 7. Hot-spot profiling cost. The hot-spot pass is separate and uncounted: no measured
// point ever runs with a profiler on, so it cannot bend a throughput figure, and what it
// costs a profile is its share of the budget (4%, 100–500 ms). What this section
// measures is the profiler's own slowdown of the calls it profiles: throughput of the
// pass (V8's sampler in the worker, or the Python frame sampler) against a sequential
// point of the same length with no profiler, in the same run, order alternating.
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
  const describe = (r) => `calls/s profiled ${median(r.map((x) => x.on)).toFixed(0)} vs not ${median(r.map((x) => x.off)).toFixed(0)}; the pass is not counted in any measured point`;
  const specs = {
    js: { id: 'hotspots.js', label: `JS: slowdown of the calls under V8's profiler (${durationMs} ms pass vs sequential point)` },
    py: { id: 'hotspots.py', label: `Python: slowdown of the calls under the frame sampler (${durationMs} ms pass vs sequential point)` },
  };
  for (const s of Object.values(specs)) Object.assign(s, { unit: '%', target: { max: 5 }, reference: describe });

  const run = (rt, i) =>
    alternate(
      i,
      async () => {
        const r = await rt.hotspots({ durationMs, maxCalls: 1_000_000, taskIndexStart: 1 }, new AbortController().signal);
        if (!r.calls || !(r.wallMs > 0)) throw new Error(`the pass made no call: ${r.note}`);
        return (r.calls / r.wallMs) * 1000;
      },
      async () => {
        const s = await oursPoint(rt, 'sequential', { concurrency: 1, durationMs, warmupMs: 0 });
        return (s.taskEndMs.length / (s.endMs - s.startMs)) * 1000;
      },
    ).then(([on, off]) => ({ value: (1 - on / off) * 100, on, off }));

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
