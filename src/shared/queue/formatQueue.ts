// The CLI's text for queue mode, printed after the usual report: the crawl's facts, one
// line per crawl (items/s, drain time, idle share, failures) and the depth of the queue
// over the recommended crawl as a one-line sparkline.
import type { Report } from '../report';

const SPARK = '▁▂▃▄▅▆▇█';

export function sparkline(values: number[], width = 60): string {
  if (values.length === 0) return '';
  const step = Math.max(1, Math.ceil(values.length / width));
  const cols: number[] = [];
  for (let i = 0; i < values.length; i += step) cols.push(Math.max(...values.slice(i, i + step)));
  const top = Math.max(1, ...cols);
  return cols.map((v) => (v <= 0 ? ' ' : SPARK[Math.min(SPARK.length - 1, Math.floor((v / top) * (SPARK.length - 1)))])).join('');
}

export function formatQueueText(report: Report): string {
  const q = report.queue;
  if (!q) return '';
  const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
  const lines: string[] = [];
  lines.push('Queue mode');
  lines.push(
    `  ${q.itemsProcessed} items from ${q.seeds.length} seed${q.seeds.length === 1 ? '' : 's'}; ${q.duplicatesDropped} duplicates dropped${q.dedupe ? '' : ' (dedupe off)'}; ` +
      `tree depth ${q.treeDepth}; longest chain ${ms(q.criticalPathMs)} (speedup at most ${q.maxSpeedup.toFixed(1)}×)` +
      (q.failedItems ? `; ${q.failedItems} failed after a retry` : '') +
      (q.capped ? `; stopped at --max-items ${q.maxItems}` : ''),
  );
  lines.push('');
  lines.push('  executor      K    items/s  speedup   drain      idle (mean, per worker)');
  for (const r of report.runs) {
    const idle = r.idleShare ?? [];
    const mean = idle.length ? idle.reduce((a, b) => a + b, 0) / idle.length : 0;
    const per = idle.length <= 8 ? idle.map((x) => `${Math.round(x * 100)}`).join(' ') : `${idle.length} workers`;
    lines.push(
      `  ${r.executor.padEnd(11)} ${String(r.concurrency).padStart(3)} ${r.throughputPerSec.toFixed(1).padStart(10)} ${(r.speedup.toFixed(2) + '×').padStart(8)}   ` +
        `${(r.drained === false ? 'not drained' : ms(r.wallMs)).padEnd(10)} ${String(Math.round(mean * 100)).padStart(3)}%  [${per}]` +
        (r.errors.count ? `  ${r.errors.count} failed` : ''),
    );
  }
  const rec = report.recommendation;
  const tl = q.depthTimeline.find((t) => t.executor === rec.executor && t.concurrency === rec.workers) ?? q.depthTimeline[0];
  if (tl) {
    lines.push('');
    lines.push(`  queue depth, ${tl.executor} × ${tl.concurrency} (peak ${Math.max(0, ...tl.depth)}):`);
    lines.push(`  ${sparkline(tl.depth)}`);
  }
  return lines.join('\n');
}
