// Human renderings of a Comparison: aligned text for the terminal and Markdown for a
// pull-request comment. Changed conclusions come first, then the one-line summary, then
// the per-point table, so a reviewer can stop reading as soon as they know enough.
import type { Change, Comparison, HeadlineChange, PointComparison, PointId } from './comparison';

const WHAT: Record<HeadlineChange['what'], string> = { verdict: 'Verdict', gil: 'GIL verdict', recommendation: 'Recommendation' };

export function signedPercent(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio < 0) return '–';
  const p = (ratio - 1) * 100;
  const digits = Math.abs(p) < 10 ? 1 : 0;
  const s = p.toFixed(digits);
  return `${p >= 0 && !s.startsWith('-') ? '+' : ''}${s === '-0.0' ? '0.0' : s}%`;
}

/** "+12% [+4%, +21%]": the change and its 95% interval. */
export function changeText(c: Change): string {
  return `${signedPercent(c.ratio)} [${signedPercent(c.ci[0])}, ${signedPercent(c.ci[1])}]`;
}

/** The significance call in words; speedups are "higher"/"lower", throughputs "faster"/"slower". */
export function callText(c: Change, of: 'throughput' | 'speedup' = 'throughput'): string {
  if (c.call === 'no-change') return 'no clear change';
  if (of === 'speedup') return c.call === 'faster' ? 'higher' : 'lower';
  return c.call;
}

export function rate(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function speedupText(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}×` : '–';
}

export function pointText(p: PointId): string {
  return `${p.executor} × ${p.concurrency}`;
}

export function headlineText(h: HeadlineChange): string {
  return `${WHAT[h.what]} changed: ${h.old} → ${h.new}`;
}

/** The one-paragraph outcome, shared by the text, Markdown and panel renderings. */
export function summaryLines(c: Comparison): string[] {
  const lines: string[] = [];
  const b = c.summary.baseline;
  if (b) lines.push(`One call at a time (sequential): ${rate(b.old)} → ${rate(b.new)} calls/s, ${changeText(b)}: ${callText(b)}.`);
  const best = c.summary.best;
  if (best)
    lines.push(
      `Best throughput: ${rate(best.old)}/s at ${pointText(best.oldAt)} → ${rate(best.new)}/s at ${pointText(best.newAt)}, ${changeText(best)}: ${callText(best)}.`,
    );
  return lines;
}

/** The table's columns, in order: the point, then throughput and speedup, each old → new, change and call. */
const COLUMNS = ['point', 'tp', 'tpChange', 'tpCall', 'sp', 'spChange', 'spCall'] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

function row(p: PointComparison): Row {
  return {
    point: pointText(p) + (p.noisy ? ' (noisy)' : ''),
    tp: `${rate(p.throughput.old)} → ${rate(p.throughput.new)}`,
    tpChange: changeText(p.throughput),
    tpCall: callText(p.throughput),
    sp: p.speedup ? `${speedupText(p.speedup.old)} → ${speedupText(p.speedup.new)}` : '1× (baseline)',
    spChange: p.speedup ? changeText(p.speedup) : '',
    spCall: p.speedup ? callText(p.speedup, 'speedup') : '',
  };
}

const HEAD: Row = { point: 'executor × K', tp: 'calls/s old → new', tpChange: 'change [95%]', tpCall: '', sp: 'speedup old → new', spChange: 'change [95%]', spCall: '' };

export function formatCompareText(c: Comparison, opts: { color?: boolean } = {}): string {
  const bold = (s: string) => (opts.color ? `\x1b[1m${s}\x1b[22m` : s);
  const paint = (s: string, call: string) =>
    !opts.color ? s : call === 'faster' || call === 'higher' ? `\x1b[32m${s}\x1b[39m` : call === 'slower' || call === 'lower' ? `\x1b[31m${s}\x1b[39m` : s;
  const out: string[] = [];
  out.push(bold(`Comparison of ${c.function}: ${c.old.createdAt} (old) → ${c.new.createdAt} (new)`));
  out.push('');
  if (c.headline.length) for (const h of c.headline) out.push(bold(`! ${headlineText(h)}`));
  else out.push('Same verdict, GIL verdict and recommendation.');
  out.push(...summaryLines(c));
  out.push('');
  const rows = [HEAD, ...c.points.map(row)];
  const width = (k: keyof Row) => Math.max(...rows.map((r) => r[k].length));
  const widths = COLUMNS.map(width);
  for (const [i, r] of rows.entries()) {
    const cells = COLUMNS.map((k, j) => {
      const padded = r[k].padEnd(widths[j]);
      return i === 0 ? padded : k === 'tpCall' ? paint(padded, r.tpCall) : k === 'spCall' ? paint(padded, r.spCall) : padded;
    });
    out.push(cells.join('  ').trimEnd());
  }
  if (c.onlyInOld.length) out.push(`Only in the old report: ${c.onlyInOld.map(pointText).join(', ')}.`);
  if (c.onlyInNew.length) out.push(`Only in the new report: ${c.onlyInNew.map(pointText).join(', ')}.`);
  if (c.caveats.length) {
    out.push('', 'Caveats:');
    for (const w of c.caveats) out.push(`  - ${w}`);
  }
  out.push('', 'Changes whose 95% interval excludes 0% are called faster/slower (higher/lower for speedup); see docs/compare.md.');
  return out.join('\n');
}

/** Markdown cells: pipes and line breaks from user-controlled text must not break the table. */
function md(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/[<>]/g, (ch) => (ch === '<' ? '&lt;' : '&gt;'));
}

export function formatCompareMarkdown(c: Comparison): string {
  const out: string[] = [];
  out.push(`### Workload profile comparison: \`${c.function.replace(/`/g, "'")}\``, '');
  out.push(`Old run ${md(c.old.createdAt)} → new run ${md(c.new.createdAt)}.`, '');
  if (c.headline.length) for (const h of c.headline) out.push(`> **${md(headlineText(h))}**`);
  else out.push('Same verdict, GIL verdict and recommendation.');
  out.push('');
  for (const l of summaryLines(c)) out.push(`- ${md(l)}`);
  out.push('');
  out.push('| executor × K | calls/s old → new | change [95%] | | speedup old → new | change [95%] | |');
  out.push('|---|---:|---:|---|---:|---:|---|');
  const icon = (call: string) => (call === 'faster' || call === 'higher' ? '🟢 ' : call === 'slower' || call === 'lower' ? '🔴 ' : '');
  for (const p of c.points) {
    const r = row(p);
    out.push(`| ${md(r.point)} | ${r.tp} | ${r.tpChange} | ${icon(r.tpCall)}${r.tpCall} | ${r.sp} | ${r.spChange} | ${r.spCall ? icon(r.spCall) + r.spCall : ''} |`);
  }
  out.push('');
  if (c.onlyInOld.length) out.push(`Only in the old report: ${c.onlyInOld.map(pointText).join(', ')}.`, '');
  if (c.onlyInNew.length) out.push(`Only in the new report: ${c.onlyInNew.map(pointText).join(', ')}.`, '');
  if (c.caveats.length) {
    out.push('**Caveats**', '');
    for (const w of c.caveats) out.push(`- ${md(w)}`);
    out.push('');
  }
  out.push('<sub>A change is called faster/slower only when its 95% interval excludes no change. Generated by workload-profiler compare.</sub>');
  return out.join('\n') + '\n';
}
