// The panel's hot-spot list: the top self-time functions of the profiled calls, each a
// link that opens its line in the editor (the extension checks the location against
// the report before opening anything), then the lines the calls waited at, and the
// note that says how the profile was taken and what it cannot see.
import type { Hotspot, HotspotWait, Report } from '../shared/report';
import { h } from './dom';

export type OpenLocation = (file: string, line: number) => void;

function pct(share: number): string {
  const p = share * 100;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`;
}

function fileName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

function link(file: string, line: number, open: OpenLocation, text = `${fileName(file)}:${line}`): HTMLElement {
  const a = h('a', { href: '#', class: 'location', title: `Open ${file}:${line}` }, text);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    open(file, line);
  });
  return a;
}

function bar(share: number): HTMLElement {
  const outer = h('span', { class: 'share-bar', 'aria-hidden': 'true' }, h('span', {}));
  (outer.firstChild as HTMLElement).style.width = `${Math.max(1, Math.round(share * 100))}%`;
  return outer;
}

function hotspotRow(hs: Hotspot, open: OpenLocation): HTMLElement {
  return h(
    'tr',
    { class: hs.origin === 'dependency' ? 'dependency' : '' },
    h('td', { class: 'num' }, pct(hs.selfShare)),
    h('td', {}, bar(hs.selfShare)),
    h('th', { scope: 'row' }, h('code', {}, hs.function), hs.origin === 'dependency' ? h('span', { class: 'tag' }, 'dependency') : ''),
    h('td', {}, link(hs.file, hs.line, open)),
    h('td', {}, hs.hotLine !== undefined && hs.hotLine !== hs.line ? link(hs.file, hs.hotLine, open, `line ${hs.hotLine}`) : ''),
  );
}

function waitRow(w: HotspotWait, open: OpenLocation): HTMLElement {
  return h(
    'tr',
    {},
    h('td', { class: 'num' }, pct(w.waitShare)),
    h('td', {}, bar(w.waitShare)),
    h('th', { scope: 'row' }, h('code', {}, w.function)),
    h('td', {}, link(w.file, w.line, open)),
  );
}

/** The section, or '' for reports without a hot-spot pass. */
export function hotspotsSection(report: Report, open: OpenLocation): HTMLElement | '' {
  if (!report.hotspots && !report.hotspotsNote) return '';
  const hs = report.hotspots ?? [];
  const waits = report.hotspotWaits ?? [];
  const head = (...cols: string[]) => h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, c))));
  return h(
    'section',
    { id: 'hotspots', class: 'section', 'aria-labelledby': 'hotspots-title' },
    h('h2', { id: 'hotspots-title' }, 'Hot spots'),
    h('p', { class: 'hint' }, 'Where the calls spent their time, by function: built-ins count for the function that called them. Click a location to open it.'),
    hs.length
      ? h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Hot spots' },
          h('table', { id: 'hotspots-table' }, head('Self time', '', 'Function', 'Defined at', 'Busiest line'), h('tbody', {}, ...hs.map((x) => hotspotRow(x, open)))),
        )
      : '',
    waits.length
      ? h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Where the calls waited' },
          h('table', { id: 'hotspot-waits' }, h('caption', {}, 'Where the calls waited (share of the wall time)'), head('Waited', '', 'Function', 'At'), h('tbody', {}, ...waits.map((x) => waitRow(x, open)))),
        )
      : '',
    report.hotspotsNote ? h('p', { id: 'hotspots-note', class: 'hint' }, report.hotspotsNote) : '',
  );
}
