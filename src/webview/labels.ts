// Short human labels for verdicts, executors and numbers, shared by the webview, the
// code lens and the results tree so that they all say the same thing the same way.
// Pure: no vscode and no DOM, so both bundles can import it.
import type { ExecutorKind, Report, WorkloadKind } from '../core/report';

export function kindLabel(kind: WorkloadKind): string {
  switch (kind) {
    case 'cpu-bound':
      return 'CPU-bound';
    case 'io-bound':
      return 'I/O-bound';
    case 'mixed':
      return 'Mixed';
  }
}

const EXECUTOR_NOUN: Record<ExecutorKind, [one: string, many: string]> = {
  sequential: ['sequential', 'sequential'],
  async: ['async', 'async'],
  thread: ['thread', 'threads'],
  process: ['process', 'processes'],
  distributed: ['distributed', 'distributed'],
};

export function executorName(kind: ExecutorKind, plural = false): string {
  return EXECUTOR_NOUN[kind][plural ? 1 : 0];
}

/** "threads×2", "async×64", "sequential". */
export function executorAt(kind: ExecutorKind, k: number): string {
  return kind === 'sequential' ? 'sequential' : `${executorName(kind, true)}×${k}`;
}

export function formatSpeedup(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;
}

/** The code lens verdict: "CPU-bound · threads×2 → 1.9×". */
export function verdictLine(report: Report): string {
  const r = report.recommendation;
  return `${kindLabel(report.verdict.kind)} · ${executorAt(r.executor, r.workers)} → ${formatSpeedup(r.expectedSpeedup)}`;
}

/** "Use worker threads, 2 workers: expected 1.9×". */
export function recommendationSentence(report: Report): string {
  const r = report.recommendation;
  const what: Record<ExecutorKind, string> = {
    sequential: 'Keep it sequential',
    async: report.target.language === 'python' ? 'Run it concurrently with asyncio.gather' : 'Run it concurrently with async (Promise.all)',
    thread: report.target.language === 'python' ? 'Use a thread pool' : 'Use worker threads',
    process: report.target.language === 'python' ? 'Use a process pool' : 'Use child processes',
    distributed: report.target.language === 'python' ? 'Use Celery workers on Redis' : 'Use BullMQ workers on Redis',
  };
  if (r.executor === 'sequential') return `${what.sequential}: no executor beat one call at a time.`;
  const unit = r.executor === 'async' ? 'in flight' : r.workers === 1 ? 'worker' : 'workers';
  return `${what[r.executor]}, ${r.workers} ${unit}: expected ${formatSpeedup(r.expectedSpeedup)}`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${Math.round(fraction * 100)}%`;
}

export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec)) return '–';
  if (perSec >= 1000) return `${(perSec / 1000).toFixed(1)}k/s`;
  if (perSec >= 10) return `${perSec.toFixed(0)}/s`;
  return `${perSec.toFixed(2)}/s`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
