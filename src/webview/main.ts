// The report webview. It renders whatever PanelView the extension posts, saves it with
// setState (so VS Code's serializer can restore the panel after a reload), and redraws
// the charts when the colour theme changes.
import type { Chart } from 'chart.js';
import { renderHeatmap, heatmapHeight } from './heatmap';
import { acquireReportApi, standaloneApi, type PanelView, type ToWebview } from './protocol';
import { renderView, type Actions, type RenderedReport } from './reportView';
import { renderCompareChart } from './compareChart';
import { renderScalingChart } from './scalingChart';
import { onThemeChange, readTheme } from './theme';

// A standalone HTML report carries its view in the page and has no extension to talk to.
const standalone = standaloneApi();
const api = standalone ?? acquireReportApi();
const root = document.getElementById('app') as HTMLElement;
let view: PanelView | undefined = api.getState()?.view;
let running = false;
// The panel holds charts of several types (line, bar, matrix); Chart's generics differ per type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let charts: Chart<any, any, any>[] = [];
let canvases: RenderedReport = {};

const actions: Actions | undefined = standalone ? undefined : {
  rerun: (budgetSec?: number) => api.postMessage(budgetSec === undefined ? { type: 'rerun' } : { type: 'rerun', budgetSec }),
  export: (format: 'json' | 'markdown') => api.postMessage({ type: 'export', format }),
  openSource: () => api.postMessage({ type: 'openSource' }),
  compare: () => api.postMessage({ type: 'compare' }),
  openLocation: (file: string, line: number) => api.postMessage({ type: 'openLocation', file, line }),
};

function render(): void {
  if (!view) return;
  const focusedId = document.activeElement?.id;
  destroyCharts();
  canvases = renderView(root, view, actions, running);
  drawCharts();
  if (focusedId) document.getElementById(focusedId)?.focus();
}

function drawCharts(): void {
  if (view?.kind !== 'report') return;
  const theme = readTheme();
  const { report, previous } = view;
  try {
    if (canvases.scaling) charts.push(renderScalingChart(canvases.scaling, report, previous, theme));
    if (canvases.comparison && previous) charts.push(renderCompareChart(canvases.comparison, report, previous, theme));
    if (canvases.heatmap && report.timeline.cores.length) {
      // CSSOM, not a style attribute: the CSP allows no inline styles.
      (canvases.heatmap.parentElement as HTMLElement).style.height = `${heatmapHeight(report)}px`;
      charts.push(renderHeatmap(canvases.heatmap, report, theme));
    }
  } catch (e) {
    // A chart that fails must not take the verdict and the table down with it.
    console.error('[workload-profiler] chart failed', e);
  }
}

function destroyCharts(): void {
  for (const c of charts) c.destroy();
  charts = [];
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  switch (message?.type) {
    case 'show':
      view = message.view;
      api.setState({ view });
      render();
      break;
    case 'running':
      if (running !== message.running) {
        running = message.running;
        render();
      }
      break;
  }
});

onThemeChange(() => {
  destroyCharts();
  drawCharts();
});
// Outside VS Code the theme follows the system's light/dark setting (htmlReport.ts).
if (standalone) {
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    destroyCharts();
    drawCharts();
  });
}

render();
api.postMessage({ type: 'ready' });
