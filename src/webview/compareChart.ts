// Throughput against K for this run (solid) and the previous one (dashed), per executor.
// The scaling chart overlays speedups, which hide a change that made every call faster
// or slower alike (the ratios stay the same); calls per second show it. Log scale on
// both axes, so a doubling looks the same everywhere.
import { Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip, type ChartDataset } from 'chart.js';
import type { ExecutorKind, Report, RunResult } from '../shared/report';
import { rate } from '../shared/compareFormat';
import { executorName } from './labels';
import { executorColor } from './scalingChart';
import { withAlpha, type ChartTheme } from './theme';
import { axisStyle, baseChartOptions, concurrencyAxis } from './chartAxes';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip);

const ORDER: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];
type Point = { x: number; y: number };

function curves(runs: RunResult[]): [ExecutorKind, Point[]][] {
  return ORDER.map((kind): [ExecutorKind, Point[]] => [
    kind,
    runs
      .filter((r) => r.executor === kind && r.throughputPerSec > 0)
      .sort((a, b) => a.concurrency - b.concurrency)
      .map((r) => ({ x: r.concurrency, y: r.throughputPerSec })),
  ]).filter(([, points]) => points.length > 0);
}

export function renderCompareChart(canvas: HTMLCanvasElement, report: Report, previous: Report, t: ChartTheme): Chart {
  const datasets: ChartDataset<'line', Point[]>[] = [];
  const label = (kind: ExecutorKind) => (kind === 'sequential' ? 'sequential' : executorName(kind, true));
  for (const [kind, points] of curves(report.runs)) {
    const color = executorColor(kind, t);
    datasets.push({ label: `${label(kind)} (this run)`, data: points, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 3 });
  }
  for (const [kind, points] of curves(previous.runs)) {
    const color = withAlpha(executorColor(kind, t), 0.75);
    datasets.push({ label: `${label(kind)} (previous run)`, data: points, borderColor: color, backgroundColor: color, borderDash: [4, 4], borderWidth: 1.5, pointRadius: 2, pointStyle: 'rectRot' });
  }
  const ks = [...new Set(report.runs.concat(previous.runs).map((r) => r.concurrency))].sort((a, b) => a - b);
  return new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      ...baseChartOptions(t),
      scales: {
        x: concurrencyAxis(ks, Math.max(2, ...ks), t),
        y: {
          type: 'logarithmic',
          ...axisStyle(t, 'calls per second (log scale)'),
          // Label only 1-2-5 steps: a log axis otherwise crowds its ticks with 240, 260, 280….
          ticks: { color: t.foreground, callback: (v) => (isOneTwoFive(Number(v)) ? rate(Number(v)) : '') },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { color: t.foreground, usePointStyle: true } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: K=${(item.raw as Point).x} → ${rate((item.raw as Point).y)}/s` } },
      },
    },
  });
}

function isOneTwoFive(v: number): boolean {
  if (!(v > 0)) return false;
  const mantissa = Math.round((v / 10 ** Math.floor(Math.log10(v) + 1e-9)) * 1000) / 1000;
  return mantissa === 1 || mantissa === 2 || mantissa === 5;
}
