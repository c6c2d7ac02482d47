// Hot spots in the CLI text report and the Markdown export: one block after the runs,
// each line a share, a function and its file:line (relative to the working directory
// when it is inside it, so a terminal can open it), then the waits and the note.
import * as path from 'node:path';
import { pct } from './format';
import type { Hotspot, HotspotWait, Report } from './report';

type Style = { bold(s: string): string; dim(s: string): string };

/** Where a file:line is shown: relative to the cwd when under it, else absolute. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function label(h: Hotspot): string {
  return h.origin === 'dependency' ? ' [dependency]' : '';
}

function rows(items: (Hotspot | HotspotWait)[], share: (i: Hotspot | HotspotWait) => number, extra: (i: Hotspot | HotspotWait) => string): string[] {
  const name = Math.max(...items.map((i) => i.function.length));
  return items.map((i) => `  ${pct(share(i)).padStart(5)}  ${i.function.padEnd(name)}  ${displayPath(i.file)}:${i.line}${extra(i)}`);
}

/** The text block, empty when the report has no hot-spot pass (older reports, Python before 0.2). */
export function hotspotsText(report: Report, c: Style): string[] {
  if (!report.hotspots && !report.hotspotsNote) return [];
  const out = [c.bold('Hot spots') + c.dim(' (self time of the profiled calls)')];
  const hs = report.hotspots ?? [];
  if (hs.length) {
    out.push(...rows(hs, (h) => (h as Hotspot).selfShare, (h) => {
      const hot = h as Hotspot;
      return `${hot.hotLine !== undefined && hot.hotLine !== hot.line ? c.dim(` (busiest line ${hot.hotLine})`) : ''}${label(hot)}`;
    }));
  }
  const waits = report.hotspotWaits ?? [];
  if (waits.length) {
    out.push(c.dim('  Waited at (share of the wall time)'));
    out.push(...rows(waits, (w) => (w as HotspotWait).waitShare, () => ''));
  }
  if (report.hotspotsNote) out.push(c.dim(wrapWords(report.hotspotsNote, '  i ', '    ')));
  out.push('');
  return out;
}

/** The Markdown section for the extension's export. */
export function hotspotsMarkdown(report: Report, escape: (s: string) => string): string[] {
  if (!report.hotspots && !report.hotspotsNote) return [];
  const out = ['## Hot spots', ''];
  const hs = report.hotspots ?? [];
  if (hs.length) {
    out.push('| Self time | Function | Where | Busiest line |', '|--:|---|---|--:|');
    for (const h of hs) out.push(`| ${pct(h.selfShare)} | ${escape(h.function)}${label(h)} | ${escape(`${h.file}:${h.line}`)} | ${h.hotLine ?? ''} |`);
    out.push('');
  }
  const waits = report.hotspotWaits ?? [];
  if (waits.length) {
    out.push('| Waited | Function | Where |', '|--:|---|---|');
    for (const w of waits) out.push(`| ${pct(w.waitShare)} | ${escape(w.function)} | ${escape(`${w.file}:${w.line}`)} |`);
    out.push('');
  }
  if (report.hotspotsNote) out.push(escape(report.hotspotsNote), '');
  return out;
}

function wrapWords(text: string, first: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = first;
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line.length > indent.length && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else line += (line === first ? '' : ' ') + w;
  }
  lines.push(line);
  return lines.join('\n');
}
