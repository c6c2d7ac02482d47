// The "Compared with the previous run" section of the report panel. The numbers and the
// significance calls come from the same pure code as `workload-profiler compare`
// (src/analysis/compare.ts), so the panel and the CLI never disagree.
import { compareReports, type Change, type Comparison } from '../analysis/compare';
import { callText, changeText, headlineText, pointText, rate, speedupText, summaryLines } from '../shared/compareFormat';
import type { Report } from '../shared/report';
import { h } from './dom';
import { relativeTime } from './labels';

const CALL_CLASS = { faster: 'faster', slower: 'slower', 'no-change': 'same' } as const;

/** The section, and the canvas for main.ts to draw the throughput overlay into. */
export function comparisonSection(report: Report, previous: Report): { section: HTMLElement; chart?: HTMLCanvasElement } {
  let c: Comparison;
  try {
    c = compareReports(previous, report);
  } catch (e) {
    return { section: wrap([h('p', { class: 'hint' }, `These two runs cannot be compared: ${(e as Error).message}`)]) };
  }
  const chart = h('canvas', {
    id: 'compare-chart',
    role: 'img',
    'aria-label': `Calls per second against concurrency, this run solid and the previous run dashed. ${summaryLines(c).join(' ')}`,
  });
  const callCell = (ch: Change | undefined, of: 'throughput' | 'speedup') =>
    ch ? h('td', { class: CALL_CLASS[ch.call] }, callText(ch, of)) : h('td', {}, '');
  const rows = c.points.map((p) =>
    h(
      'tr',
      { class: p.noisy ? 'noisy' : undefined },
      h('th', { scope: 'row' }, pointText(p)),
      h('td', { class: 'num' }, `${rate(p.throughput.old)} → ${rate(p.throughput.new)}`),
      h('td', { class: 'num' }, changeText(p.throughput)),
      callCell(p.throughput, 'throughput'),
      h('td', { class: 'num' }, p.speedup ? `${speedupText(p.speedup.old)} → ${speedupText(p.speedup.new)}` : 'baseline'),
      h('td', { class: 'num' }, p.speedup ? changeText(p.speedup) : ''),
      callCell(p.speedup, 'speedup'),
    ),
  );
  const cols = ['Executor × K', 'Calls/s previous → this', 'Change (95% interval)', '', 'Speedup previous → this', 'Change (95% interval)', ''];
  const section = wrap([
    h(
      'p',
      { class: 'hint' },
      `Previous run: ${new Date(previous.createdAt).toLocaleString()} (${relativeTime(previous.createdAt)}), args ${JSON.stringify(previous.target.args)}. ` +
        'Its curves are dashed on the scaling chart. A change is called faster or slower only when its 95% interval excludes no change.',
    ),
    c.headline.length
      ? h('ul', { id: 'comparison-headline', class: 'headline-changes' }, ...c.headline.map((x) => h('li', {}, h('strong', {}, headlineText(x)))))
      : h('p', { id: 'comparison-headline' }, 'Same verdict, GIL verdict and recommendation.'),
    h('ul', { id: 'comparison-summary' }, ...summaryLines(c).map((l) => h('li', {}, l))),
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Change at each executor and K measured in both runs' },
      h(
        'table',
        { id: 'comparison-table' },
        h('caption', {}, `${c.points.length} points measured in both runs.`),
        h('thead', {}, h('tr', {}, ...cols.map((col) => h('th', { scope: 'col' }, col)))),
        h('tbody', {}, ...rows),
      ),
    ),
    c.onlyInOld.length ? h('p', { class: 'hint' }, `Only in the previous run: ${c.onlyInOld.map(pointText).join(', ')}.`) : '',
    c.onlyInNew.length ? h('p', { class: 'hint' }, `Only in this run: ${c.onlyInNew.map(pointText).join(', ')}.`) : '',
    c.caveats.length ? h('ul', { class: 'comparison-caveats' }, ...c.caveats.map((w) => h('li', { class: 'caveat warning' }, w))) : '',
    h('h3', {}, 'Throughput, this run and the previous one'),
    h('div', { class: 'chart-box scaling' }, chart),
  ]);
  return { section, chart };
}

function wrap(children: (Node | string)[]): HTMLElement {
  return h(
    'section',
    { id: 'comparison', class: 'section', 'aria-labelledby': 'comparison-title' },
    h('h2', { id: 'comparison-title' }, 'Compared with the previous run'),
    ...children,
  );
}
