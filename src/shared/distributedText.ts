// The distributed executor's per-task figures (runs[].distributed) as table cells, one
// wording for the CLI text, the Markdown export and the panel's table. Pure: the webview
// bundle imports it; colours stay in the webview's theme.
import { kb, ms } from './format';
import type { Report, RunResult } from './report';

export interface DistributedCells {
  executor: string;
  k: string;
  /** "3 × 2" (worker processes × jobs each at once), "+1 remote" when some joined from elsewhere. */
  workers: string;
  queueWait: string;
  run: string;
  resultLatency: string;
  bytes: string;
  broker: string;
  retries: string;
}

export const DISTRIBUTED_HEADERS: DistributedCells = {
  executor: 'executor',
  k: 'K',
  workers: 'workers × each',
  queueWait: 'queue wait',
  run: 'run',
  resultLatency: 'result latency',
  bytes: 'bytes/task',
  broker: 'Redis/task',
  retries: 'retries',
};

export const DISTRIBUTED_COLUMNS = Object.keys(DISTRIBUTED_HEADERS) as (keyof DistributedCells)[];

/** The runs that went through the distributed executor's queue. */
export function distributedRuns(report: Report): RunResult[] {
  return report.runs.filter((r) => r.distributed);
}

export function distributedCells(r: RunResult): DistributedCells {
  const d = r.distributed!;
  return {
    executor: `${r.executor} (${d.engine})`,
    k: String(r.concurrency),
    workers: `${d.workers} × ${d.concurrencyPerWorker}${d.remoteWorkers ? ` (${d.remoteWorkers} remote)` : ''}`,
    queueWait: ms(d.queueWaitMs),
    run: ms(d.runMs),
    resultLatency: ms(d.resultLatencyMs),
    bytes: kb(d.bytesPerTask),
    broker: ms(d.brokerMsPerTask),
    retries: String(d.retries),
  };
}

/** The table's caption: what the columns measure. */
export const DISTRIBUTED_CAPTION =
  'Queue per task (means): queue wait = enqueue (queue mode: once a job slot was free) → the function starts; result latency = it returns → the engine sees the result; bytes = job + result on the wire; Redis = its own command time.';
