// Per-core utilisation over the whole profile as a cores × time matrix
// (chartjs-chart-matrix), with the executor and K of each measured point marked above
// the cells so one can see which run kept which cores busy.
import { Chart, LinearScale, Tooltip, type Plugin } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import type { ExecutorKind, Report, TimelineMark } from '../shared/report';
import { executorAt, executorName, formatPercent } from './labels';
import { executorColor } from './scalingChart';
import { withAlpha, type ChartTheme } from './theme';

Chart.register(MatrixController, MatrixElement, LinearScale, Tooltip);

interface Cell {
  x: number;
  y: number;
  v: number;
}

const MARK_BAND_PX = 40;

export function heatmapHeight(report: Report): number {
  const cores = Math.max(1, report.timeline.cores.length);
  return Math.min(640, Math.max(170, cores * 22 + MARK_BAND_PX + 60));
}

export function renderHeatmap(canvas: HTMLCanvasElement, report: Report, t: ChartTheme): Chart<'matrix', Cell[]> {
  const { cores, intervalMs, marks } = report.timeline;
  const samples = Math.max(1, ...cores.map((c) => c.length));
  const dt = intervalMs / 1000;
  const data: Cell[] = [];
  cores.forEach((series, core) => series.forEach((v, i) => data.push({ x: (i + 0.5) * dt, y: core, v })));
  // 21 precomputed shades: the colour callback runs for every cell on every draw.
  const ramp = Array.from({ length: 21 }, (_, i) => withAlpha(t.orange, 0.05 + 0.95 * (i / 20)));

  return new Chart<'matrix', Cell[]>(canvas, {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: 'busy fraction',
          data,
          backgroundColor: (ctx) => ramp[Math.round(Math.max(0, Math.min(1, (ctx.raw as Cell | undefined)?.v ?? 0)) * 20)],
          borderWidth: 0,
          width: ({ chart }) => Math.max(1, (chart.chartArea?.width ?? 0) / samples),
          height: ({ chart }) => Math.max(1, (chart.chartArea?.height ?? 0) / Math.max(1, cores.length) - 1),
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { top: MARK_BAND_PX } },
      font: { family: t.fontFamily, size: t.fontSize },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: samples * dt,
          offset: false,
          title: { display: true, text: 'seconds since the profile started', color: t.muted },
          grid: { display: false },
          border: { color: t.grid },
          ticks: { color: t.foreground },
        },
        y: {
          type: 'linear',
          min: -0.5,
          max: cores.length - 0.5,
          reverse: true,
          offset: false,
          grid: { display: false },
          border: { color: t.grid },
          ticks: { color: t.foreground, stepSize: 1, callback: (v) => (Number.isInteger(v) ? `core ${v}` : '') },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: () => '',
            label: (item) => {
              const c = item.raw as Cell;
              const mark = marks.find((m) => c.x * 1000 >= m.startMs && c.x * 1000 < m.endMs);
              return `core ${c.y}, ${c.x.toFixed(1)} s: ${formatPercent(c.v)} busy${mark ? ` (${executorAt(mark.executor, mark.concurrency)})` : ''}`;
            },
          },
        },
      },
    },
    plugins: [markPlugin(marks, t)],
  });
}

/**
 * Draws, above the cells, one coloured span per executor and the K of every point in
 * it, plus a faint line at each point's start. Labels that do not fit are left out
 * rather than overlapped (the tooltip and the text alternative still name them).
 */
function markPlugin(marks: TimelineMark[], t: ChartTheme): Plugin<'matrix'> {
  return {
    id: 'workloadMarks',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea: area } = chart;
      const x = chart.scales.x;
      if (!area || !x || !marks.length) return;
      ctx.save();
      ctx.font = `${Math.max(10, t.fontSize - 2)}px ${t.fontFamily}`;
      ctx.textBaseline = 'middle';
      const spanRow = area.top - MARK_BAND_PX + 10;
      const kRow = area.top - 10;
      for (const [kind, list] of groupMarks(marks)) {
        const color = executorColor(kind, t);
        const x0 = x.getPixelForValue(list[0].startMs / 1000);
        const x1 = x.getPixelForValue(list[list.length - 1].endMs / 1000);
        ctx.fillStyle = withAlpha(color, 0.9);
        ctx.fillRect(x0, spanRow + 6, Math.max(1, x1 - x0), 3);
        const name = executorName(kind, kind !== 'sequential');
        if (ctx.measureText(name).width < x1 - x0) {
          ctx.fillStyle = t.foreground;
          ctx.textAlign = 'left';
          ctx.fillText(name, x0, spanRow - 2);
        }
        for (const m of list) {
          const a = x.getPixelForValue(m.startMs / 1000);
          const b = x.getPixelForValue(m.endMs / 1000);
          ctx.strokeStyle = withAlpha(t.foreground, 0.35);
          ctx.beginPath();
          ctx.moveTo(a + 0.5, area.top);
          ctx.lineTo(a + 0.5, area.bottom);
          ctx.stroke();
          const label = kind === 'sequential' ? '1' : `×${m.concurrency}`;
          if (ctx.measureText(label).width + 2 < b - a) {
            ctx.fillStyle = t.foreground;
            ctx.textAlign = 'center';
            ctx.fillText(label, (a + b) / 2, kRow);
          }
        }
      }
      ctx.restore();
    },
  };
}

function groupMarks(marks: TimelineMark[]): Map<ExecutorKind, TimelineMark[]> {
  const groups = new Map<ExecutorKind, TimelineMark[]>();
  for (const m of [...marks].sort((a, b) => a.startMs - b.startMs)) {
    const list = groups.get(m.executor);
    if (list) list.push(m);
    else groups.set(m.executor, [m]);
  }
  return groups;
}

/** The heat map's text alternative: how busy each core was during each marked point. */
export function describeHeatmap(report: Report): string[] {
  const { cores, intervalMs, marks } = report.timeline;
  return marks.map((m) => {
    const from = Math.floor(m.startMs / intervalMs);
    const to = Math.max(from + 1, Math.ceil(m.endMs / intervalMs));
    const perCore = cores.map((series) => {
      const slice = series.slice(from, to);
      return slice.length ? slice.reduce((a, b) => a + b, 0) / slice.length : 0;
    });
    return `${executorAt(m.executor, m.concurrency)} (${(m.startMs / 1000).toFixed(1)}–${(m.endMs / 1000).toFixed(1)} s): ${perCore
      .map((u, c) => `core ${c} ${formatPercent(u)}`)
      .join(', ')}`;
  });
}
