// Speedup against concurrency K for every executor on one chart, with the two ideals
// (y = K: perfect scaling; y = cores: what parallel CPU work can reach) and the
// recommended point. Only the Chart.js pieces used here are registered, so esbuild
// tree-shakes the rest.
import {
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import { fastestRun } from '../shared/fastestRun';
import type { ExecutorKind, Report, RunResult } from '../shared/report';
import { executorAt, executorName, formatSpeedup } from './labels';
import { withAlpha, type ChartTheme } from './theme';
import { axisStyle, baseChartOptions, concurrencyAxis } from './chartAxes';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, Filler);

const ORDER: ExecutorKind[] = ['sequential', 'async', 'thread', 'process', 'distributed'];

export function executorColor(kind: ExecutorKind, t: ChartTheme): string {
  return { sequential: t.muted, async: t.blue, thread: t.orange, process: t.purple, distributed: t.green }[kind];
}

type Point = { x: number; y: number };
type LineDataset = ChartDataset<'line', Point[]> & { band?: boolean };

function byExecutor(runs: RunResult[]): Map<ExecutorKind, RunResult[]> {
  const groups = new Map<ExecutorKind, RunResult[]>();
  for (const kind of ORDER) {
    const list = runs.filter((r) => r.executor === kind).sort((a, b) => a.concurrency - b.concurrency);
    if (list.length) groups.set(kind, list);
  }
  return groups;
}

/** One edge of an executor's 95% interval band: no line, no points, left out of the legend and tooltips. */
function bandEdge(label: string, runs: RunResult[], edge: 0 | 1, fill: Pick<LineDataset, 'fill' | 'backgroundColor'>): LineDataset {
  return { label, band: true, data: runs.map((r) => ({ x: r.concurrency, y: r.speedupCi[edge] })), borderWidth: 0, pointRadius: 0, pointHitRadius: 0, ...fill };
}

export function renderScalingChart(canvas: HTMLCanvasElement, report: Report, previous: Report | undefined, t: ChartTheme): Chart {
  const groups = byExecutor(report.runs);
  const ks = [...new Set(report.runs.concat(previous?.runs ?? []).map((r) => r.concurrency))].sort((a, b) => a - b);
  const maxK = Math.max(2, ...ks);
  const cores = report.environment.cores;
  const datasets: LineDataset[] = [];

  for (const [kind, runs] of groups) {
    const color = executorColor(kind, t);
    // The 95% interval as a shaded band: the lower edge, then the upper edge filled down to it.
    if (runs.length > 1) {
      datasets.push(
        bandEdge(`${kind} low`, runs, 0, { fill: false }),
        bandEdge(`${kind} high`, runs, 1, { backgroundColor: withAlpha(color, t.highContrast ? 0.25 : 0.15), fill: '-1' }),
      );
    }
    datasets.push({
      label: kind === 'sequential' ? 'sequential (baseline)' : executorName(kind, true),
      data: runs.map((r) => ({ x: r.concurrency, y: r.speedup })),
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      pointRadius: runs.map((r) => (r.noisy ? 5 : 3)),
      pointStyle: runs.map((r) => (r.noisy ? 'triangle' : 'circle')),
      fill: false,
    });
  }

  if (previous) {
    for (const [kind, runs] of byExecutor(previous.runs)) {
      if (kind === 'sequential') continue;
      datasets.push({
        label: `${executorName(kind, true)} (previous run)`,
        data: runs.map((r) => ({ x: r.concurrency, y: r.speedup })),
        borderColor: withAlpha(executorColor(kind, t), 0.7),
        backgroundColor: withAlpha(executorColor(kind, t), 0.7),
        borderDash: [2, 3],
        borderWidth: 1.5,
        pointRadius: 2,
        fill: false,
      });
    }
  }

  const idealKs = ks.length > 1 ? ks : [1, maxK];
  datasets.push({
    label: 'ideal: speedup = K',
    data: idealKs.map((k) => ({ x: k, y: k })),
    borderColor: t.grid,
    borderDash: [6, 4],
    borderWidth: 1.5,
    pointRadius: 0,
    fill: false,
  });
  datasets.push({
    label: `cores = ${cores}`,
    data: [
      { x: Math.min(...idealKs), y: cores },
      { x: maxK, y: cores },
    ],
    borderColor: t.foreground,
    borderDash: [2, 4],
    borderWidth: 1.5,
    pointRadius: 0,
    fill: false,
  });

  const rec = report.recommendation;
  const recommended: ChartDataset<'scatter', Point[]> = {
    type: 'scatter',
    label: `recommended: ${executorAt(rec.executor, rec.workers)}`,
    data: [{ x: rec.workers, y: rec.expectedSpeedup }],
    pointStyle: 'star',
    pointRadius: 11,
    pointHoverRadius: 13,
    borderWidth: 2.5,
    borderColor: t.green,
    backgroundColor: t.green,
  };

  const observedMax = Math.max(1, ...report.runs.map((r) => Math.max(r.speedup, r.speedupCi[1])), ...(previous?.runs ?? []).map((r) => r.speedup));
  const yMax = niceCeil(Math.max(observedMax, cores) * 1.15);

  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [...datasets, recommended as unknown as LineDataset] },
    options: {
      ...baseChartOptions(t),
      normalized: true,
      scales: {
        x: concurrencyAxis(ks, maxK, t),
        y: {
          type: 'linear',
          min: 0,
          max: yMax,
          ...axisStyle(t, 'speedup vs sequential (×)'),
          ticks: { color: t.foreground, callback: (v) => `${v}×` },
        },
      },
      plugins: {
        legend: {
          position: 'bottom',
          labels: {
            color: t.foreground,
            usePointStyle: true,
            filter: (item, data) => !(data.datasets[item.datasetIndex ?? 0] as LineDataset).band,
          },
        },
        tooltip: {
          filter: (item) => !(item.dataset as LineDataset).band,
          callbacks: {
            label: (item) => {
              const p = item.raw as Point;
              const run = runAt(report.runs, item.dataset.label ?? '', p.x);
              const ci = run ? ` (95%: ${formatSpeedup(run.speedupCi[0])}–${formatSpeedup(run.speedupCi[1])})` : '';
              return `${item.dataset.label}: K=${p.x} → ${formatSpeedup(p.y)}${ci}`;
            },
          },
        },
      },
    },
  });
}

function runAt(runs: RunResult[], label: string, k: number): RunResult | undefined {
  if (label.includes('previous') || label.startsWith('ideal') || label.startsWith('cores')) return undefined;
  return runs.find((r) => r.concurrency === k && label.startsWith(r.executor === 'sequential' ? 'sequential' : executorName(r.executor, true)));
}

/** The chart's text alternative: one sentence per executor, then the previous run's curves. */
export function describeScaling(report: Report, previous?: Report): string[] {
  const lines: string[] = [];
  for (const [kind, runs] of byExecutor(report.runs)) {
    const best = fastestRun(runs);
    lines.push(
      `${kind === 'sequential' ? 'Sequential baseline' : executorName(kind, true)}: ` +
        runs.map((r) => `K=${r.concurrency} ${formatSpeedup(r.speedup)}`).join(', ') +
        (kind === 'sequential' ? '' : `; best ${formatSpeedup(best.speedup)} at K=${best.concurrency}.`),
    );
  }
  const rec = report.recommendation;
  lines.push(`Recommended point: ${executorAt(rec.executor, rec.workers)} at ${formatSpeedup(rec.expectedSpeedup)}. Cores: ${report.environment.cores}.`);
  if (previous) {
    for (const [kind, runs] of byExecutor(previous.runs)) {
      if (kind === 'sequential') continue;
      lines.push(`${executorName(kind, true)} (previous run, dashed): ${runs.map((r) => `K=${r.concurrency} ${formatSpeedup(r.speedup)}`).join(', ')}.`);
    }
  }
  return lines;
}

/** A round axis maximum: halves up to 4, whole numbers up to 20, tens beyond. */
function niceCeil(v: number): number {
  if (v <= 4) return Math.ceil(v * 2) / 2;
  if (v <= 20) return Math.ceil(v);
  return Math.ceil(v / 10) * 10;
}
