// The results as a Markdown table: readable in a terminal and pasteable into the README.
import { fmtTarget, fmtValue } from './figure.mjs';

export function renderTable(results) {
  const head = ['#', 'Figure', 'Median', 'Min – max', 'Reps', 'Reference (same run)', 'Target', 'Met', 'Background load'];
  const rows = results.figures.map((f) => [
    String(f.section),
    f.label,
    f.error && f.median == null ? 'n/a' : fmtValue(f.median, f.unit),
    f.median == null || f.reps < 2 ? '' : `${fmtValue(f.min, f.unit)} – ${fmtValue(f.max, f.unit)}`,
    String(f.reps),
    f.error ? `${f.median == null ? '' : (f.reference ?? '') + '; '}${f.error}` : (f.reference ?? ''),
    fmtTarget(f.target, f.unit),
    f.pass == null ? '—' : f.pass ? 'yes' : 'NO',
    fmtLoad(f.load),
  ]);
  const esc = (s) => s.replace(/\|/g, '\\|');
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 || i === 4 ? '--:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  const m = results.machine;
  lines.push(
    '',
    `\`${results.command}\` — ${m.cores} × ${m.cpuModel}, ${m.platform}, Node ${m.node}; ${results.durationS} s; ${results.createdAt}.`,
    'Background load: the most CPU other processes used (in cores) and the hypervisor\'s steal, during the figure\'s repetitions and just before its section; ' +
      '"BUSY" marks a figure taken while others used more than 0.25 cores or steal exceeded 5%.',
  );
  return lines.join('\n');
}

function fmtLoad(l) {
  if (l === null) return '—';
  if (!l || l.othersCores == null) return 'unknown';
  const s = `others ${l.othersCores.toFixed(2)} cores, steal ${(l.steal * 100).toFixed(0)}%`;
  return l.busy ? `BUSY (${s})` : `idle (${s})`;
}
