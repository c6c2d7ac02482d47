// Engine-side bookkeeping of one crawl, shared by every JS queue runner: the final record
// of each item, each worker slot's busy spans, the error tally and the captured output.
// `dispatch` is the engine's queue for the pools (thread, process): K slots, each fed
// one item at a time from the frontier, with the retry-once rule applied on failure.
import { epochNow } from '../closedLoop';
import { ErrorTally } from '../errorInfo';
import { OutputCollector } from '../outputCapture';
import type { CpuSource, ExecutorKind } from '../report';
import type { Frontier, QueuedItem } from './frontier';
import type { BusySpans, CrawlRequest, CrawlResult, ItemRecord, ItemTaskResult } from './queueTypes';

export class CrawlRecorder {
  readonly items: ItemRecord[] = [];
  readonly busy: BusySpans[];
  readonly errors = new ErrorTally();
  readonly output: OutputCollector;
  retried = 0;

  constructor(k: number, maxOutputBytes: number) {
    this.busy = Array.from({ length: k }, () => []);
    this.output = new OutputCollector(maxOutputBytes);
  }

  /**
   * The end of one attempt on `q` by `worker`. On success the found items are offered to
   * the frontier; on failure the item goes back for its retry or, out of attempts, is
   * recorded as failed.
   */
  settle(frontier: Frontier, q: QueuedItem, worker: number, r: ItemTaskResult): void {
    this.busy[worker]?.push([r.startMs, r.endMs]);
    if (r.ok) for (const x of r.found) frontier.offer(x, q.id, q.depth + 1, r.endMs);
    else if (frontier.retry(q)) {
      this.retried++;
      return;
    }
    this.record(q, worker, { ...r, found: r.found.length });
  }

  /** The final outcome of an item (the busy span of that attempt is the caller's to add). */
  record(q: Pick<QueuedItem, 'id' | 'parent' | 'depth' | 'enqueuedMs' | 'attempts'>, worker: number, r: Omit<ItemTaskResult, 'found' | 'output'> & { found: number }): void {
    if (!r.ok && r.error) this.errors.add(r.error);
    const rec: ItemRecord = {
      id: q.id,
      parent: q.parent,
      depth: q.depth,
      enqueuedMs: q.enqueuedMs,
      startMs: r.startMs,
      endMs: r.endMs,
      worker,
      ok: r.ok,
      attempts: q.attempts,
      cpuMs: r.cpuMs,
      found: r.found,
    };
    if (r.error) rec.error = r.error;
    this.items.push(rec);
  }

  result(f: Pick<Frontier, 'admitted' | 'duplicates' | 'capped'>, kind: ExecutorKind, k: number, startMs: number, endMs: number, drained: boolean, cpuSource: CpuSource): CrawlResult {
    const out: CrawlResult = {
      executor: kind,
      concurrency: k,
      startMs,
      endMs,
      items: this.items,
      busy: this.busy,
      admitted: f.admitted,
      duplicatesDropped: f.duplicates,
      capped: f.capped,
      drained,
      cpuSource,
      errors: this.errors.samples(),
    };
    const output = this.output.result();
    if (output) out.output = output;
    if (this.retried) out.note = `${this.retried} item${this.retried === 1 ? '' : 's'} retried after a failed attempt`;
    return out;
  }
}

/**
 * The engine's queue feeding a pool of K slots: take an item for every free slot, run
 * it, settle it, repeat until the frontier is empty with nothing in flight (drained), the
 * deadline passes or the request is aborted. Resolves with whether the crawl drained.
 */
export function dispatch(
  req: CrawlRequest,
  frontier: Frontier,
  recorder: CrawlRecorder,
  run: (slot: number, q: QueuedItem) => Promise<ItemTaskResult>,
): Promise<boolean> {
  const free = Array.from({ length: req.concurrency }, (_, i) => req.concurrency - 1 - i);
  let inFlight = 0;
  let finished = false;
  return new Promise((resolve, reject) => {
    const pump = () => {
      if (finished) return;
      const stopping = req.signal.aborted || epochNow() >= req.deadlineMs;
      while (!stopping && free.length > 0) {
        const q = frontier.take();
        if (!q) break;
        const slot = free.pop()!;
        inFlight++;
        q.attempts++;
        run(slot, q).then(
          (r) => {
            inFlight--;
            free.push(slot);
            free.sort((a, b) => b - a);
            recorder.settle(frontier, q, slot, r);
            pump();
          },
          (e: unknown) => {
            finished = true;
            reject(e);
          },
        );
      }
      if (inFlight === 0) {
        finished = true;
        resolve(frontier.depth === 0);
      }
    };
    pump();
  });
}
