// What the report's line charts (scalingChart.ts, compareChart.ts) have in common: the
// options every chart takes, a titled axis in the theme's colours, and the concurrency
// axis, so the two charts read K the same way.
import type { Scale } from 'chart.js';
import { withAlpha, type ChartTheme } from './theme';

/** Drawn once (no animation), sized by its container, data already {x, y}, theme text. */
export function baseChartOptions(t: ChartTheme) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false as const,
    color: t.foreground,
    font: { family: t.fontFamily, size: t.fontSize },
    interaction: { mode: 'nearest' as const, intersect: false },
  };
}

/** An axis title, grid and border in the theme's colours. */
export function axisStyle(t: ChartTheme, title: string) {
  return {
    title: { display: true, text: title, color: t.muted },
    grid: { color: withAlpha(t.grid, 0.5) },
    border: { color: t.grid },
  };
}

/** Concurrency K on a log axis up to maxK. */
export function concurrencyAxis(ks: number[], maxK: number, t: ChartTheme) {
  return {
    type: 'logarithmic' as const,
    min: Math.min(1, ...ks) * 0.85,
    max: maxK * 1.2,
    ...axisStyle(t, 'concurrency K (log₂ scale)'),
    ticks: { color: t.foreground, callback: (v: string | number) => String(v) },
    // Ticks at the powers of two the ladder actually used, not log10 decades.
    afterBuildTicks: (axis: Scale) => {
      axis.ticks = (ks.length ? ks : [1, 2]).map((value) => ({ value }));
    },
  };
}
