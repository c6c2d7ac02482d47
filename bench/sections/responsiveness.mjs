// 5. Caller responsiveness: the event-loop delay of the thread that calls profile()
// (the extension host, in VS Code) while a CPU-bound profile saturates every core. The
// same histogram over the same length of idle time, just before, is the reference.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadEngine } from '../lib/engine.mjs';
import { measure, unavailable } from '../lib/figure.mjs';
import { fixture } from '../lib/ours.mjs';
import { median } from '../lib/stats.mjs';

export async function responsivenessSection(ctx) {
  // --quick sizes, then the full run's.
  const { budgetMs, idleMs, reps } = ctx.quick ? { budgetMs: 3000, idleMs: 500, reps: 1 } : { budgetMs: 10_000, idleMs: 2000, reps: 3 };
  const spec = {
    id: 'responsiveness.p99',
    label: `Event-loop delay p99 of the caller during a ${budgetMs / 1000} s CPU-bound profile`,
    unit: 'ms',
    target: { max: 20 },
    reference: (r) => `idle p99 ${median(r.map((x) => x.idleP99)).toFixed(1)} ms, during max ${median(r.map((x) => x.max)).toFixed(0)} ms`,
  };
  const engine = await loadEngine('profileEngine');
  if (engine.error) return [unavailable(ctx, spec, engine.error)];
  const { profile } = engine.module;
  return [
    await measure(ctx, spec, reps, async () => {
      const idle = await delayDuring(() => new Promise((r) => setTimeout(r, idleMs)));
      const busy = await delayDuring(() => profile({ file: fixture('spin.js'), functionName: 'burn', args: [20], budgetMs }));
      return { value: busy.p99, idleP99: idle.p99, max: busy.max, p50: busy.p50 };
    }),
  ];
}

const RESOLUTION_MS = 1;

async function delayDuring(fn) {
  // 1 ms resolution: the histogram then sees delays well below the 20 ms target.
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  try {
    await fn();
  } finally {
    h.disable();
  }
  // Samples are ns between timer ticks, so they include the tick interval itself.
  const late = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return { p99: late(h.percentile(99)), p50: late(h.percentile(50)), max: late(h.max) };
}
