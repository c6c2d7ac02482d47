// Builds the report page: verdict first, then the charts, the runs table, environment
// and caveats. Returns the canvases for main.ts to draw into once they are in the DOM.
import type { Report } from '../shared/report';
import { h, type Child } from './dom';
import { explain } from './explain';
import { describeHeatmap } from './heatmap';
import { hotspotsSection } from './hotspotsView';
import {
  executorAt,
  executorName,
  formatMs,
  formatPercent,
  formatRate,
  formatSpeedup,
  kindLabel,
  recommendationSentence,
  relativeTime,
} from './labels';
import type { ExportFormat, PanelView } from './protocol';
import { comparisonSection } from './compareView';
import { queueSection } from './queueView';
import { describeScaling } from './scalingChart';
import { caveatTextOf, longerBudgetText, reasonsOf, recommendationReasonOf, scalingLines } from '../shared/wording';
import { longerBudgetOf } from '../shared/longerBudget';
import { seconds } from '../shared/format';
import { coldStartCaption, COLD_START_HEADERS, coldStartCells, coldStartRows } from '../shared/coldStartText';
import { DISTRIBUTED_CAPTION, DISTRIBUTED_COLUMNS, DISTRIBUTED_HEADERS, distributedCells, distributedRuns } from '../shared/distributedText';

export interface Actions {
  /** Profiles the function again; with `budgetSec`, at that budget instead of the same one. */
  rerun(budgetSec?: number): void;
  export(format: ExportFormat): void;
  openSource(): void;
  compare(): void;
  /** Opens a hot spot's file at a line. */
  openLocation?(file: string, line: number): void;
}

export interface RenderedReport {
  scaling?: HTMLCanvasElement;
  /** Throughput of this run and the previous one, when comparing. */
  comparison?: HTMLCanvasElement;
  heatmap?: HTMLCanvasElement;
}

const KIND_CLASS = { 'cpu-bound': 'kind-cpu', 'io-bound': 'kind-io', mixed: 'kind-mixed' } as const;

/** Without actions (a standalone HTML report) the toolbar has no buttons: nothing would answer them. */
export function renderView(root: HTMLElement, view: PanelView, actions: Actions | undefined, running: boolean): RenderedReport {
  root.replaceChildren();
  root.setAttribute('aria-busy', 'false');
  if (view.kind === 'error') {
    root.append(toolbar(view.functionName, view.file, actions, running, false), errorSection(view));
    return {};
  }
  const { report, previous } = view;
  const compared = previous ? comparisonSection(report, previous) : undefined;
  const coldStart = coldStartTable(report);
  const scaling = h('canvas', {
    id: 'scaling-chart',
    role: 'img',
    'aria-label': `Speedup against concurrency for each executor. ${describeScaling(report, previous).join(' ')}`,
  });
  const heatmap = h('canvas', {
    id: 'heatmap',
    role: 'img',
    'aria-label': `Per-core utilisation over time for ${report.timeline.cores.length} cores; see the text description below.`,
  });
  root.append(
    toolbar(report.target.function, report.target.file, actions, running, true, report),
    verdictSection(report, actions, running),
    compared?.section ?? '',
    section('scaling', 'Scaling', [
      h('p', { class: 'hint' }, 'Speedup over the sequential baseline as concurrency K grows. Shaded bands are 95% intervals; triangles are noisy points; the star is the recommendation.'),
      h('div', { class: 'chart-box scaling' }, scaling),
      textAlternative('Scaling as text', describeScaling(report, previous)),
      scalingModel(report),
    ]),
    section('utilisation', 'Per-core utilisation', [
      h('p', { class: 'hint' }, 'How busy each core was (darker = busier) while each executor and K ran. Cores busy before a run started are background load.'),
      h('div', { class: 'chart-box heat' }, heatmap),
      textAlternative('Utilisation as text', describeHeatmap(report)),
    ]),
    queueSection(report),
    section('runs', 'Runs', [runsTable(report), distributedTable(report)]),
    coldStart ? section('cold-start', 'Cold start', [coldStart]) : '',
    // In a standalone HTML file there is no editor to open a location in: the links do nothing.
    hotspotsSection(report, (file, line) => actions?.openLocation?.(file, line)),
    environmentSection(report),
    caveatsSection(report),
    report.output && (report.output.stdout || report.output.stderr) ? outputSection(report.output) : '',
  );
  return { scaling, heatmap, comparison: compared?.chart };
}

function section(id: string, title: string, children: Child[], attrs: Record<string, string> = {}): HTMLElement {
  return h('section', { class: 'section', 'aria-labelledby': `${id}-title`, ...attrs }, h('h2', { id: `${id}-title` }, title), ...children);
}

function textAlternative(summary: string, lines: string[]): HTMLElement {
  return h('details', { class: 'text-alt' }, h('summary', {}, summary), h('ul', {}, ...lines.map((l) => h('li', {}, l))));
}

function button(label: string, title: string, onClick: () => void, disabled = false): HTMLButtonElement {
  const b = h('button', { type: 'button', title, disabled }, label);
  b.addEventListener('click', onClick);
  return b;
}

function toolbar(fn: string, file: string, actions: Actions | undefined, running: boolean, isReport: boolean, report?: Report): HTMLElement {
  return h(
    'header',
    { class: 'toolbar' },
    h(
      'div',
      { class: 'title' },
      h('h1', {}, 'Workload profile: ', h('code', {}, fn)),
      h(
        'p',
        { class: 'subtitle' },
        shortPath(file),
        report ? ` · args ${JSON.stringify(report.target.args)} · budget ${seconds(report.budgetMs)} · ${new Date(report.createdAt).toLocaleString()} (${relativeTime(report.createdAt)})` : '',
      ),
    ),
    actions &&
    h(
      'div',
      { class: 'actions', role: 'toolbar', 'aria-label': 'Report actions' },
      button(running ? 'Running…' : 'Re-run', 'Profile this function again with the same arguments', () => actions.rerun(), running),
      isReport ? button('Compare with previous', 'Show this run next to the previous run of the same function', actions.compare) : '',
      isReport ? button('Export JSON', 'Save the full report as JSON', () => actions.export('json')) : '',
      isReport ? button('Export Markdown', 'Save a Markdown summary', () => actions.export('markdown')) : '',
      button('Open source', 'Go to the function', actions.openSource),
    ),
  );
}

function confidenceWord(c: number): string {
  return c >= 0.8 ? 'high' : c >= 0.5 ? 'medium' : 'low';
}

function verdictSection(report: Report, actions: Actions | undefined, running: boolean): HTMLElement {
  const v = report.verdict;
  return h(
    'section',
    { id: 'verdict', class: `banner ${KIND_CLASS[v.kind]}`, 'aria-labelledby': 'verdict-kind' },
    h(
      'div',
      { class: 'banner-head' },
      h('h2', { id: 'verdict-kind', class: 'kind' }, kindLabel(v.kind)),
      h('span', { id: 'confidence', class: 'confidence' }, `confidence ${formatPercent(v.confidence)} (${confidenceWord(v.confidence)})`),
      v.gil && v.gil !== 'not-applicable' ? h('span', { class: 'tag' }, `GIL ${v.gil}`) : '',
      v.parallelInside ? h('span', { class: 'tag', title: 'One call alone kept more than one core busy' }, 'parallel inside') : '',
    ),
    // The data attributes let tests (and other tools) read the answer without parsing words.
    h(
      'p',
      {
        id: 'recommendation',
        class: 'recommendation',
        'data-executor': report.recommendation.executor,
        'data-workers': String(report.recommendation.workers),
        'data-cores': String(report.environment.cores),
      },
      recommendationSentence(report),
    ),
    report.recommendation.atLeast
      ? h(
          'p',
          { id: 'at-least', class: 'tag at-least' },
          `At least ${report.recommendation.workers}: the ladder was cut while still scaling` +
            (report.recommendation.extrapolatedWorkers ? `; about ${report.recommendation.extrapolatedWorkers} by extrapolation (an estimate).` : '.'),
        )
      : '',
    h('p', { class: 'rec-reason' }, recommendationReasonOf(report)),
    nextStep(report, actions, running),
    h('h3', {}, 'What was measured'),
    h('ul', { id: 'reasons' }, ...reasonsOf(report).map((r) => h('li', {}, r))),
    h('h3', {}, 'Why'),
    h('ul', { class: 'why' }, ...explain(report).map((r) => h('li', {}, r))),
  );
}

/**
 * When a longer budget would settle the answer (longerBudget.ts): why, and a button that
 * profiles again at that budget. A standalone HTML report has no one to ask: words only.
 */
function nextStep(report: Report, actions: Actions | undefined, running: boolean): Child {
  const longer = longerBudgetOf(report);
  if (!longer) return '';
  return h(
    'p',
    { id: 'longer-budget', class: 'next-step', 'data-budget': String(longer.budgetSec) },
    longerBudgetText(longer),
    ...(actions
      ? [' ', button(running ? 'Running…' : `Re-run at ${longer.budgetSec} s`, `Profile this function again with the same arguments and a ${longer.budgetSec} s budget`, () => actions.rerun(longer.budgetSec), running)]
      : []),
  );
}

function runsTable(report: Report): HTMLElement {
  const rec = report.recommendation;
  const cols = ['Executor', 'K', 'Tasks', 'Throughput', 'Speedup (95% interval)', 'CPU / task', 'CPU ratio', 'Core utilisation', 'Busy cores', 'Errors', 'Notes'];
  const rows = report.runs.map((r) => {
    const recommended = r.executor === rec.executor && r.concurrency === rec.workers;
    const notes = [
      recommended ? 'recommended' : '',
      r.noisy ? 'noisy' : '',
      r.eventLoopUtilization !== undefined ? `event loop ${formatPercent(r.eventLoopUtilization)} busy` : '',
      r.serialization ? `pickling ${formatMs(r.serialization.msPerTask)}/task` : '',
      r.note ?? '',
    ].filter(Boolean);
    const errors = r.errors.count ? `${r.errors.count} (${formatPercent(r.errors.rate)})` : '0';
    const errorTitle = r.errors.samples.map((s) => `${s.kind}: ${s.message}`).join('\n');
    return h(
      'tr',
      { class: [recommended ? 'recommended' : '', r.noisy ? 'noisy' : '', r.errors.count ? 'has-errors' : ''].filter(Boolean).join(' ') || undefined },
      h('th', { scope: 'row' }, executorName(r.executor)),
      h('td', { class: 'num' }, r.concurrency),
      h('td', { class: 'num' }, r.tasks),
      h('td', { class: 'num' }, formatRate(r.throughputPerSec)),
      h('td', { class: 'num' }, `${formatSpeedup(r.speedup)} (${formatSpeedup(r.speedupCi[0])}–${formatSpeedup(r.speedupCi[1])})`),
      h('td', { class: 'num' }, formatMs(r.cpuMsPerTask)),
      h('td', { class: 'num' }, formatPercent(r.cpuRatio)),
      h('td', { class: 'num' }, formatPercent(r.coreUtilization)),
      h('td', { class: 'num' }, Number.isFinite(r.busyCores) ? r.busyCores.toFixed(2) : '–'),
      h('td', { class: 'num', title: errorTitle || undefined }, errors),
      h('td', {}, notes.join(' · ')),
    );
  });
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Every measured run' },
    h(
      'table',
      { id: 'runs-table' },
      h('caption', {}, `${report.runs.length} measured points; the recommended one is highlighted.`),
      h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/** The distributed executor's queue per task, when it ran: the same cells as the CLI text. */
function distributedTable(report: Report): HTMLElement | null {
  const runs = distributedRuns(report);
  return cellTable({
    id: 'distributed-table',
    label: 'The distributed queue per task',
    caption: DISTRIBUTED_CAPTION,
    headers: DISTRIBUTED_HEADERS,
    numeric: DISTRIBUTED_COLUMNS.filter((c) => c !== 'executor' && c !== 'workers'),
    rows: runs.map((r) => ({ cells: distributedCells(r), className: r.distributed!.retries ? 'has-errors' : undefined })),
  });
}

/** What a fresh worker of each executor cost before its calls counted: the same cells as the CLI text. */
function coldStartTable(report: Report): HTMLElement | null {
  return cellTable({
    id: 'cold-start-table',
    label: 'Cold start per executor',
    caption: coldStartCaption(report),
    headers: COLD_START_HEADERS,
    numeric: ['start', 'first', 'steady'],
    rows: coldStartRows(report).map((r) => ({ cells: coldStartCells(r.executor, r.cold) })),
  });
}

/** A captioned table of shared/ text cells, the first column naming each row; none when there are no rows. */
function cellTable<C extends object>(t: { id: string; label: string; caption: string; headers: C; numeric: (keyof C)[]; rows: { cells: C; className?: string }[] }): HTMLElement | null {
  if (!t.rows.length) return null;
  const columns = Object.keys(t.headers) as (keyof C)[];
  const text = (cells: C, c: keyof C) => String(cells[c]);
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t.label },
    h(
      'table',
      { id: t.id },
      h('caption', {}, t.caption),
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, text(t.headers, c))))),
      h(
        'tbody',
        {},
        ...t.rows.map((r) =>
          h('tr', { class: r.className }, ...columns.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, text(r.cells, c)) : h('td', t.numeric.includes(c) ? { class: 'num' } : {}, text(r.cells, c))))),
        ),
      ),
    ),
  );
}

function environmentSection(report: Report): HTMLElement {
  const env = report.environment;
  const bg = env.backgroundLoad;
  const cpuSources = [...new Set(report.runs.map((r) => r.cpuSource).concat(report.probe.cpuSource))].join(', ');
  const items: [string, string][] = [
    ['Cores', `${env.cores} (${env.cpuModel})`],
    ['Platform', `${env.platform} ${env.arch}, Node ${env.node}`],
    ['Memory', `${Math.round(env.totalMemoryMb)} MB`],
    ['Background load', `${bg.busyCores.toFixed(2)} busy cores (${formatPercent(bg.utilization)})${bg.steal ? `, steal ${formatPercent(bg.steal)}` : ''}${bg.busy ? ' — the machine was busy' : ''}`],
    ['CPU clock source', cpuSources],
    ['Budget', `${(report.budgetMs / 1000).toFixed(1)} s budget, took ${(report.durationMs / 1000).toFixed(1)} s`],
    ['One call (probe)', `${formatMs(report.probe.wallMs)} wall, ${formatMs(report.probe.cpuMs)} CPU`],
  ];
  if (env.uvThreadpoolSize) items.push(['libuv thread pool', `${env.uvThreadpoolSize} threads`]);
  if (env.python) {
    items.push(['Python', `${env.python.version} (${env.python.executable})`]);
    items.push(['GIL', env.python.gilEnabled ? 'enabled' : 'disabled (free-threaded)']);
    items.push(['Process start method', env.python.startMethod]);
  }
  return h(
    'section',
    { id: 'environment', class: 'section', 'aria-labelledby': 'environment-title' },
    h('h2', { id: 'environment-title' }, 'Environment'),
    h('dl', {}, ...items.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  );
}

/** The USL fits and their projections to bigger machines, labelled as model estimates. */
function scalingModel(report: Report): HTMLElement | string {
  const lines = scalingLines(report);
  if (!lines.length) return '';
  return h(
    'div',
    { id: 'scaling-model' },
    h('h3', {}, 'Scalability model (estimates)'),
    h('p', { class: 'hint' }, 'Universal Scalability Law fits of each ladder; speedups on bigger machines are model estimates, not measurements.'),
    h('ul', {}, ...lines.map((l) => h('li', {}, l))),
  );
}

function caveatsSection(report: Report): HTMLElement {
  const noisy = report.runs.filter((r) => r.noisy);
  // v2 caveats carry a code; a v1 report only has the text.
  const saysNoisy = report.caveats.some((c) => (c.code ? c.code === 'noisy-points' : /nois/i.test(c.message)));
  const list = [
    ...report.caveats.map((c) => ({ level: c.level, message: caveatTextOf(report, c) })),
    ...(noisy.length && !saysNoisy
      ? [{ level: 'warning' as const, message: `${noisy.length} point(s) were noisy (wide interval): ${noisy.map((r) => executorAt(r.executor, r.concurrency)).join(', ')}.` }]
      : []),
  ];
  return h(
    'section',
    { id: 'caveats', class: 'section', 'aria-labelledby': 'caveats-title' },
    h('h2', { id: 'caveats-title' }, 'Caveats'),
    list.length
      ? h('ul', {}, ...list.map((c) => h('li', { class: `caveat ${c.level}` }, h('span', { class: 'level' }, c.level === 'warning' ? 'Warning' : 'Note'), ' ', c.message)))
      : h('p', {}, 'None: the machine was quiet and every point was stable.'),
  );
}

function outputSection(output: NonNullable<Report['output']>): HTMLElement {
  return section('output', 'Output of the function', [
    output.stdout ? h('details', {}, h('summary', {}, 'stdout'), h('pre', { tabindex: 0 }, output.stdout)) : '',
    output.stderr ? h('details', {}, h('summary', {}, 'stderr'), h('pre', { tabindex: 0 }, output.stderr)) : '',
    output.truncated ? h('p', { class: 'hint' }, 'Output was truncated.') : '',
  ]);
}

function errorSection(view: Extract<PanelView, { kind: 'error' }>): HTMLElement {
  const e = view.error;
  return h(
    'section',
    { id: 'error', class: 'banner kind-error', role: 'alert', 'aria-labelledby': 'error-title' },
    h('h2', { id: 'error-title' }, `${view.functionName} failed, so it was not profiled`),
    h('p', { class: 'message' }, view.message),
    e?.stack ? h('pre', { class: 'stack', tabindex: 0, 'aria-label': 'Stack trace' }, e.stack) : '',
    h('p', { class: 'hint' }, 'Fix the function or its arguments (a // @workload args=[…] comment pins them), then re-run.'),
  );
}

function shortPath(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts.length > 3 ? `…/${parts.slice(-3).join('/')}` : file;
}
