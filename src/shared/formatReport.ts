// Human renderings of a Report: aligned plain text for the CLI, Markdown for the
// extension's export. Both put the verdict first, then the evidence, then the
// conditions it was measured under, so a reader can stop as soon as they have enough.
import { coldStartCaption, COLD_START_COLUMNS, COLD_START_HEADERS, coldStartCells, coldStartRows } from './coldStartText';
import { DISTRIBUTED_CAPTION, DISTRIBUTED_COLUMNS, DISTRIBUTED_HEADERS, distributedCells, distributedRuns } from './distributedText';
import { hotspotsMarkdown, hotspotsText } from './hotspotsText';
import type { Caveat, Report, RunResult } from './report';
import { ms, pct, throughput, x } from './format';
import { caveatTextOf, longerBudgetText, reasonsOf, recommendationLine, recommendationReasonOf, scalingLines, verdictSummary } from './wording';
import { longerBudgetOf } from './longerBudget';

export { recommendationLine };

const WIDTH = 100;

const ANSI = {
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[39m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
};
const PLAIN: typeof ANSI = { bold: (s) => s, dim: (s) => s, cyan: (s) => s, yellow: (s) => s, green: (s) => s };

/** Kept for callers of the old name; the one formatter is shared/format.ts `throughput`. */
export const formatThroughput = throughput;

/** The Runs table's columns, in order (HEADERS names them). */
const COLUMNS = ['executor', 'k', 'tasks', 'throughput', 'speedup', 'cpu', 'util', 'errors', 'noisy'] as const;
type RunRow = Record<(typeof COLUMNS)[number], string>;

function runRow(r: RunResult): RunRow {
  return {
    executor: r.executor + (r.note ? '*' : ''),
    k: String(r.concurrency),
    tasks: String(r.tasks),
    throughput: throughput(r.throughputPerSec),
    speedup: `${x(r.speedup)} [${x(r.speedupCi[0])}–${x(r.speedupCi[1])}]`,
    cpu: r.cpuMsPerTask == null ? '–' : ms(r.cpuMsPerTask),
    util: `${pct(r.coreUtilization)} (${r.busyCores.toFixed(2)})`,
    errors: r.errors.count ? `${r.errors.count} (${pct(r.errors.rate)})` : '0',
    noisy: r.noisy ? 'noisy' : '',
  };
}

const HEADERS: RunRow = {
  executor: 'executor',
  k: 'K',
  tasks: 'tasks',
  throughput: 'throughput/s',
  speedup: 'speedup [95% CI]',
  cpu: 'CPU/task',
  util: 'util (cores)',
  errors: 'errors',
  noisy: 'noisy',
};
const RIGHT_ALIGNED = new Set<keyof RunRow>(['k', 'tasks', 'throughput', 'cpu', 'errors']);

function environmentLines(report: Report): string[] {
  const e = report.environment;
  const bg = e.backgroundLoad;
  const lines = [
    `${e.cores} ${e.cores === 1 ? 'core' : 'cores'} (${e.cpuModel}), ${e.platform} ${e.arch}, ${Math.round(e.totalMemoryMb / 1024)} GB, Node ${e.node}` +
      (e.uvThreadpoolSize ? `, UV_THREADPOOL_SIZE ${e.uvThreadpoolSize}` : ''),
  ];
  if (e.python) {
    lines.push(
      `Python ${e.python.version} (${e.python.executable}), GIL ${e.python.gilEnabled ? 'enabled' : 'disabled (free-threaded)'}, process start method ${e.python.startMethod}`,
    );
  }
  lines.push(
    `Background load before the run: ${bg.busyCores.toFixed(2)} cores busy (${pct(bg.utilization)})` +
      (bg.steal > 0 ? `, steal ${pct(bg.steal)}` : '') +
      (bg.busy ? ': busy' : ''),
  );
  const sources = [...new Set([report.probe.cpuSource, ...report.runs.map((r) => r.cpuSource)])];
  lines.push(`CPU time source: ${sources.join(', ')}; core utilisation sampled every ${report.timeline.intervalMs} ms`);
  lines.push(
    `Probe call: ${ms(report.probe.wallMs)} wall` + (report.probe.cpuMs != null ? `, ${ms(report.probe.cpuMs)} CPU` : '') +
      `; profile took ${ms(report.durationMs)} of a ${ms(report.budgetMs)} budget`,
  );
  return lines;
}

function notes(report: Report): string[] {
  return report.runs.filter((r) => r.note).map((r) => `* ${r.executor} ×${r.concurrency}: ${r.note}`);
}

function wrap(text: string, indent: string, firstIndent = indent, width = WIDTH): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else {
      line += (empty ? '' : ' ') + w;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** A plain-text table: the header row dimmed, columns padded, numbers right-aligned. */
function alignedRows<R extends object>(rows: R[], columns: readonly (keyof R)[], right: Set<keyof R>, dim: (s: string) => string, paint?: (i: number) => ((s: string) => string) | undefined): string[] {
  const cell = (r: R, col: keyof R) => String(r[col]);
  const widths = columns.map((col) => Math.max(...rows.map((r) => cell(r, col).length)));
  return rows.map((row, i) => {
    const cells = columns.map((col, j) => (right.has(col) && i > 0 ? cell(row, col).padStart(widths[j]) : cell(row, col).padEnd(widths[j])));
    const line = ('  ' + cells.join('  ')).trimEnd();
    if (i === 0) return dim(line);
    return paint?.(i - 1)?.(line) ?? line;
  });
}

export function formatText(report: Report, opts: { color?: boolean } = {}): string {
  const c = opts.color ? ANSI : PLAIN;
  const out: string[] = [];
  const t = report.target;
  out.push(c.bold(`Workload Profiler: ${t.function} in ${t.file}`) + c.dim(` (${t.language}${t.isAsync ? ', async' : ''})`));
  out.push('');
  out.push(`${c.bold('Verdict:')} ${c.cyan(verdictSummary(report))}`);
  out.push(`${c.bold('Recommendation:')} ${c.green(recommendationLine(report))}`);
  out.push(c.dim(`  (cores × (1 + wait/compute) formula: ${report.recommendation.formulaWorkers} workers)`));
  out.push('');
  out.push(c.bold('Why'));
  for (const r of reasonsOf(report)) out.push(wrap(r, '    ', '  - '));
  out.push(wrap(recommendationReasonOf(report), '    ', '  > '));
  // The text is the CLI's: its next step is a flag.
  const longer = longerBudgetOf(report);
  if (longer) out.push(wrap(`${longerBudgetText(longer)} Run it again with --budget ${longer.budgetSec}.`, '    ', '  → '));
  out.push('');
  const scaling = scalingLines(report);
  if (scaling.length) {
    out.push(c.bold('Scalability model') + c.dim(' (Universal Scalability Law; projections are model estimates)'));
    for (const l of scaling) out.push(wrap(l, '    ', '  ~ '));
    out.push('');
  }

  out.push(c.bold('Runs'));
  out.push(...alignedRows([HEADERS, ...report.runs.map(runRow)], COLUMNS, RIGHT_ALIGNED, c.dim, (i) => (report.runs[i].noisy ? c.yellow : undefined)));
  for (const n of notes(report)) out.push(c.dim('  ' + n));
  out.push('');
  const dist = distributedRuns(report);
  if (dist.length) {
    out.push(c.bold('Distributed queue'));
    out.push(c.dim(wrap(DISTRIBUTED_CAPTION, '  ', '  ')));
    out.push(...alignedRows([DISTRIBUTED_HEADERS, ...dist.map(distributedCells)], DISTRIBUTED_COLUMNS, new Set(['k', 'queueWait', 'run', 'resultLatency', 'bytes', 'broker', 'retries']), c.dim));
    out.push('');
  }
  const cold = coldStartRows(report);
  if (cold.length) {
    out.push(c.bold('Cold start'));
    out.push(c.dim(wrap(coldStartCaption(report), '  ', '  ')));
    out.push(...alignedRows([COLD_START_HEADERS, ...cold.map((r) => coldStartCells(r.executor, r.cold))], COLD_START_COLUMNS, new Set(['start', 'first', 'steady']), c.dim));
    out.push('');
  }
  out.push(...hotspotsText(report, c));

  out.push(c.bold('Environment'));
  for (const l of environmentLines(report)) out.push(wrap(l, '    ', '  '));
  if (report.caveats.length) {
    out.push('');
    out.push(c.bold('Caveats'));
    for (const cv of report.caveats) {
      const text = wrap(caveatTextOf(report, cv), '    ', cv.level === 'warning' ? '  ! ' : '  i ');
      out.push(cv.level === 'warning' ? c.yellow(text) : text);
    }
  }
  return out.join('\n');
}

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*_`<>[\]])/g, '\\$1');
}

function mdCaveat(report: Report, cv: Caveat): string {
  return `- ${cv.level === 'warning' ? '**Warning:**' : 'Note:'} ${mdEscape(caveatTextOf(report, cv))}`;
}

/** A "## title" section holding a captioned table of shared/ text cells (numbers right-aligned); nothing without rows. */
function mdCellSection<C extends object>(title: string, caption: string, headers: C, textColumns: (keyof C)[], rows: C[]): string[] {
  if (!rows.length) return [];
  const columns = Object.keys(headers) as (keyof C)[];
  const line = (cells: C) => `| ${columns.map((col) => mdEscape(String(cells[col]))).join(' | ')} |`;
  const align = `|${columns.map((col) => (textColumns.includes(col) ? '---' : '--:')).join('|')}|`;
  return [`## ${title}`, '', mdEscape(caption), '', line(headers), align, ...rows.map(line), ''];
}

export function formatMarkdown(report: Report): string {
  const t = report.target;
  const rec = report.recommendation;
  const out: string[] = [];
  out.push(`# Workload profile: \`${t.function}\``);
  out.push('');
  out.push(`\`${t.file}\` (${t.language}${t.isAsync ? ', async' : ''}), args \`${JSON.stringify(t.args)}\`, ${report.createdAt}`);
  out.push('');
  out.push(`**Verdict:** ${mdEscape(verdictSummary(report))}  `);
  out.push(`**Recommendation:** ${mdEscape(recommendationLine(report))}  `);
  out.push(`**Sizing formula** cores × (1 + wait/compute): ${rec.formulaWorkers} workers`);
  out.push('');
  out.push('## Why');
  out.push('');
  for (const r of reasonsOf(report)) out.push(`- ${mdEscape(r)}`);
  out.push('');
  out.push(`> ${mdEscape(recommendationReasonOf(report))}`);
  const longer = longerBudgetOf(report);
  if (longer) {
    out.push('');
    out.push(`**Next:** ${mdEscape(longerBudgetText(longer))}`);
  }
  out.push('');
  const scaling = scalingLines(report);
  if (scaling.length) {
    out.push('## Scalability model');
    out.push('');
    out.push('Universal Scalability Law fits; the projections to bigger machines are model estimates, not measurements.');
    out.push('');
    for (const l of scaling) out.push(`- ${mdEscape(l)}`);
    out.push('');
  }
  out.push('## Runs');
  out.push('');
  out.push('| Executor | K | Tasks | Throughput/s | Speedup [95% CI] | CPU/task | Utilisation (busy cores) | Errors | Noisy |');
  out.push('|---|--:|--:|--:|---|--:|---|--:|---|');
  for (const r of report.runs) {
    const row = runRow(r);
    out.push(`| ${COLUMNS.map((col) => mdEscape(row[col]) || ' ').join(' | ')} |`);
  }
  const n = notes(report);
  if (n.length) {
    out.push('');
    for (const line of n) out.push(mdEscape(line) + '  ');
  }
  out.push('');
  out.push(
    ...mdCellSection('Distributed queue', DISTRIBUTED_CAPTION, DISTRIBUTED_HEADERS, ['executor', 'workers'], distributedRuns(report).map(distributedCells)),
    ...mdCellSection('Cold start', coldStartCaption(report), COLD_START_HEADERS, ['executor', 'warmup'], coldStartRows(report).map((r) => coldStartCells(r.executor, r.cold))),
  );
  out.push(...hotspotsMarkdown(report, mdEscape));
  out.push('## Environment');
  out.push('');
  for (const l of environmentLines(report)) out.push(`- ${mdEscape(l)}`);
  if (report.caveats.length) {
    out.push('');
    out.push('## Caveats');
    out.push('');
    for (const cv of report.caveats) out.push(mdCaveat(report, cv));
  }
  return out.join('\n') + '\n';
}
