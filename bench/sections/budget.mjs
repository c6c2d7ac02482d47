// 3. Budget adherence: whole profiles of calls lasting 50 µs, 5 ms, 200 ms and 2 s.
// The figure is the wall time the caller waited for profile() ÷ the budget it asked for
// (loading and bundling the target included: that is what a user waits for).
import { loadEngine } from '../lib/engine.mjs';
import { measure, unavailable } from '../lib/figure.mjs';
import { fixture } from '../lib/ours.mjs';
import { median } from '../lib/stats.mjs';

const CALLS_MS = [0.05, 5, 200, 2000];

export async function budgetSection(ctx) {
  // A smoke run shortens budgets, but never below five calls: a 2 s call in a 3 s
  // budget would only measure the smoke run's own impatience.
  const budgetFor = (ms) => (ctx.quick ? Math.max(3000, ms * 5) : 10_000);
  const reps = ctx.quick ? 1 : 3;
  const specs = CALLS_MS.map((ms) => ({
    id: `budget.${ms}ms`,
    label: `Budget ${budgetFor(ms) / 1000} s, call of ${ms < 1 ? `${ms * 1000} µs` : ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}: duration ÷ budget`,
    unit: 'x',
    target: { min: 0.75, max: 1.25 },
    reference: (r) => `waited ${(median(r.map((x) => x.wallMs)) / 1000).toFixed(2)} s (report.durationMs ${(median(r.map((x) => x.reportMs)) / 1000).toFixed(2)} s), ${median(r.map((x) => x.runs))} points`,
  }));
  const engine = await loadEngine('profileEngine');
  if (engine.error) return specs.map((s) => unavailable(ctx, s, engine.error));
  const { profile } = engine.module;
  const figures = [];
  for (const [i, ms] of CALLS_MS.entries()) {
    figures.push(
      await measure(ctx, specs[i], reps, async () => {
        const budgetMs = budgetFor(ms);
        const t0 = performance.now();
        const report = await profile({ file: fixture('spin.js'), functionName: 'spin', args: [ms], budgetMs });
        const wallMs = performance.now() - t0;
        return { value: wallMs / budgetMs, wallMs, reportMs: report.durationMs, runs: report.runs.length };
      }),
    );
  }
  return figures;
}
