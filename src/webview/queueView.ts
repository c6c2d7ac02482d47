// Queue mode's part of the report panel, shown beside the heat map: the queue depth over
// each crawl (one SVG line per executor and K, on a shared time axis, so faster crawls end
// sooner) and, per crawl, one bar per worker for the share of the crawl it spent waiting
// on an empty queue. SVG and CSSOM widths only: no inline style attributes under the CSP.
import type { QueueDepthTimeline, Report } from '../shared/report';
import { h } from './dom';
import { formatPercent } from './labels';

const SVG = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 160;
const PAD = 28;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** One sentence per crawl, for screen readers and the text alternative. */
export function describeQueue(report: Report): string[] {
  const q = report.queue;
  if (!q) return [];
  return q.depthTimeline.map((t) => {
    const run = report.runs.find((r) => r.executor === t.executor && r.concurrency === t.concurrency);
    const idle = run?.idleShare ?? [];
    const mean = idle.length ? idle.reduce((a, b) => a + b, 0) / idle.length : 0;
    const ms = t.depth.length * t.intervalMs;
    return `${t.executor} × ${t.concurrency}: queue peaked at ${Math.max(0, ...t.depth)} items, crawl ${Math.round(ms)} ms; workers idle ${formatPercent(mean)} of it on average.`;
  });
}

function depthChart(timelines: QueueDepthTimeline[], recommended?: { executor: string; workers: number }): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'queue-depth', role: 'img', 'aria-label': 'Queue depth over time for each crawl' });
  const maxT = Math.max(1, ...timelines.map((t) => t.depth.length * t.intervalMs));
  const maxD = Math.max(1, ...timelines.flatMap((t) => t.depth));
  const x = (ms: number) => PAD + (ms / maxT) * (W - 2 * PAD);
  const y = (d: number) => H - PAD + 4 - (d / maxD) * (H - 2 * PAD);
  root.append(svg('line', { x1: PAD, y1: y(0), x2: W - PAD, y2: y(0), class: 'axis' }), svg('line', { x1: PAD, y1: y(0), x2: PAD, y2: y(maxD), class: 'axis' }));
  const label = (tx: number, ty: number, text: string, anchor = 'start') => {
    const t = svg('text', { x: tx, y: ty, class: 'axis-label', 'text-anchor': anchor });
    t.textContent = text;
    return t;
  };
  root.append(label(PAD - 4, y(maxD) + 4, String(maxD), 'end'), label(PAD - 4, y(0), '0', 'end'), label(W - PAD, H - 4, `${Math.round(maxT)} ms`, 'end'));
  for (const t of timelines) {
    const pts = t.depth.map((d, i) => `${x((i + 1) * t.intervalMs).toFixed(1)},${y(d).toFixed(1)}`);
    const best = recommended?.executor === t.executor && recommended.workers === t.concurrency;
    const line = svg('polyline', { points: `${x(0)},${y(0)} ${pts.join(' ')}`, class: `depth-line exec-${t.executor}${best ? ' recommended' : ''}` });
    const title = svg('title', {});
    title.textContent = `${t.executor} × ${t.concurrency}`;
    line.append(title);
    root.append(line);
  }
  return root;
}

function idleBars(report: Report): HTMLElement {
  const rows = report.runs
    .filter((r) => r.idleShare && r.idleShare.length > 0)
    .map((r) => {
      const bars = r.idleShare!.map((share, i) => {
        const fill = h('span', { class: 'idle-fill' });
        fill.style.height = `${Math.round(share * 100)}%`;
        return h('span', { class: 'idle-bar', title: `worker ${i + 1}: waited on an empty queue ${formatPercent(share)} of the crawl` }, fill);
      });
      const mean = r.idleShare!.reduce((a, b) => a + b, 0) / r.idleShare!.length;
      return h(
        'div',
        { class: 'idle-row' },
        h('span', { class: `idle-label exec-${r.executor}` }, `${r.executor} × ${r.concurrency}`),
        h('span', { class: 'idle-bars' }, ...bars),
        h('span', { class: 'idle-mean', title: 'mean idle share' }, formatPercent(mean)),
      );
    });
  return h('div', { class: 'idle-shares' }, ...rows);
}

/** The queue section, or nothing for a report that is not queue mode. */
export function queueSection(report: Report): HTMLElement | '' {
  const q = report.queue;
  if (!q) return '';
  const facts = `${q.itemsProcessed} items from ${q.seeds.length} seed${q.seeds.length === 1 ? '' : 's'}, ${q.duplicatesDropped} duplicates dropped, tree depth ${q.treeDepth}; the longest chain (${Math.round(q.criticalPathMs)} ms) allows at most ${q.maxSpeedup.toFixed(1)}× speedup${q.capped ? `; stopped at ${q.maxItems} items` : ''}.`;
  return h(
    'section',
    { class: 'section queue', 'aria-labelledby': 'queue-title' },
    h('h2', { id: 'queue-title' }, 'Queue'),
    h('p', { class: 'hint' }, facts),
    h('div', { class: 'queue-grid' },
      h(
        'div',
        {},
        h('h3', {}, 'Queue depth'),
        h('p', { class: 'hint' }, 'Items waiting in the queue while each crawl ran (the recommended one drawn thicker). A queue at zero while workers wait means the frontier, not the pool, limits speed.'),
        depthChart(q.depthTimeline, report.recommendation),
        h('p', { class: 'queue-legend' }, ...[...new Set(q.depthTimeline.map((t) => t.executor))].map((e) => h('span', { class: `legend-item exec-${e}` }, e))),
      ),
      h('div', {}, h('h3', {}, 'Idle share per worker'), h('p', { class: 'hint' }, 'Each bar is one worker; the filled part is the time it waited on an empty queue.'), idleBars(report)),
    ),
    h('details', { class: 'text-alt' }, h('summary', {}, 'Queue as text'), h('ul', {}, ...describeQueue(report).map((l) => h('li', {}, l)))),
  );
}
