// What one crawl measured, from its item records: items per second, drain time, the
// queue-depth timeline, each worker's idle share (time idle while the queue was empty), and the item tree's depth and critical
// path (the slowest chain of calls, which no number of workers can shorten).
import type { QueueDepthTimeline } from '../../shared/report';
import type { CrawlResult } from '../../shared/queue/queueTypes';
import { round1, round3 } from '../../shared/rounding';

export interface CrawlMetrics {
  items: number;
  failed: number;
  /** Crawl wall time, seeds in to the last item done (the drain time when drained). */
  wallMs: number;
  itemsPerSec: number;
  idleShare: number[];
  meanIdleShare: number;
  treeDepth: number;
  criticalPathMs: number;
  /** Sum of the final attempts' wall times. */
  workMs: number;
}

/** At most this many samples per timeline: enough for a chart, small in the JSON. */
const TIMELINE_POINTS = 200;

export function crawlMetrics(c: CrawlResult): CrawlMetrics {
  const wallMs = Math.max(0.001, c.endMs - c.startMs);
  const emptyAt = emptyQueueSpans(c);
  const idleShare = c.busy.map((spans) => round3(Math.min(1, Math.max(0, overlap(idleGaps(spans, c.startMs, c.endMs), emptyAt) / wallMs))));
  // Chain time: an item could start only once its parent had finished.
  const byId = new Map(c.items.map((r) => [r.id, r]));
  const chain = new Map<number, number>();
  const chainOf = (id: number): number => {
    const known = chain.get(id);
    if (known !== undefined) return known;
    // Iterative walk up to the seed: deep trees must not overflow the stack.
    const path: number[] = [];
    let cur: number | undefined = id;
    let base = 0;
    while (cur !== undefined && cur >= 0) {
      const k = chain.get(cur);
      if (k !== undefined) {
        base = k;
        break;
      }
      path.push(cur);
      cur = byId.get(cur)?.parent;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const r = byId.get(path[i]);
      base += r ? r.endMs - r.startMs : 0;
      chain.set(path[i], base);
    }
    return chain.get(id) ?? 0;
  };
  let criticalPathMs = 0;
  let treeDepth = 0;
  let workMs = 0;
  for (const r of c.items) {
    criticalPathMs = Math.max(criticalPathMs, chainOf(r.id));
    treeDepth = Math.max(treeDepth, r.depth);
    workMs += r.endMs - r.startMs;
  }
  const failed = c.items.filter((r) => !r.ok).length;
  return {
    items: c.items.length,
    failed,
    wallMs: round1(wallMs),
    itemsPerSec: round3((c.items.length * 1000) / wallMs),
    idleShare,
    meanIdleShare: idleShare.length ? round3(idleShare.reduce((a, b) => a + b, 0) / idleShare.length) : 0,
    treeDepth,
    criticalPathMs: round1(criticalPathMs),
    workMs: round1(workMs),
  };
}

type Span = [number, number];

/**
 * When the queue was empty: depth is +1 at each item's admission and -1 when a worker
 * started it. Idle time while items were waiting is hand-off (the hop to a thread or a
 * child), not waiting on an empty queue, so only these spans count as starved.
 */
function emptyQueueSpans(c: CrawlResult): Span[] {
  const events: [number, number][] = [];
  for (const r of c.items) events.push([r.enqueuedMs, 1], [r.startMs, -1]);
  // At equal times take before admitting: an item found and started at once was never waiting.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Span[] = [];
  let depth = 0;
  let emptySince: number | undefined = c.startMs;
  for (const [t, d] of events) {
    const before = depth;
    depth += d;
    if (before <= 0 && depth > 0 && emptySince !== undefined) {
      if (t > emptySince) out.push([emptySince, t]);
      emptySince = undefined;
    } else if (before > 0 && depth <= 0) emptySince = t;
  }
  if (emptySince !== undefined && c.endMs > emptySince) out.push([emptySince, c.endMs]);
  return out;
}

/** The complement of a worker's busy spans inside [from, to]. */
function idleGaps(busy: Span[], from: number, to: number): Span[] {
  const sorted = [...busy].sort((a, b) => a[0] - b[0]);
  const gaps: Span[] = [];
  let at = from;
  for (const [s, e] of sorted) {
    if (s > at) gaps.push([at, Math.min(s, to)]);
    at = Math.max(at, e);
    if (at >= to) break;
  }
  if (at < to) gaps.push([at, to]);
  return gaps;
}

/** Total length of the intersection of two sorted lists of disjoint spans. */
function overlap(a: Span[], b: Span[]): number {
  let i = 0;
  let j = 0;
  let total = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (hi > lo) total += hi - lo;
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return total;
}

/** Items waiting in the queue over the crawl: +1 when admitted, -1 when a worker took it. */
export function depthTimeline(c: CrawlResult): QueueDepthTimeline {
  const wallMs = Math.max(1, c.endMs - c.startMs);
  const intervalMs = Math.max(1, Math.ceil(wallMs / TIMELINE_POINTS));
  const n = Math.max(1, Math.ceil(wallMs / intervalMs));
  const delta = new Array<number>(n + 1).fill(0);
  const bucket = (t: number) => Math.min(n, Math.max(0, Math.floor((t - c.startMs) / intervalMs)));
  for (const r of c.items) {
    delta[bucket(r.enqueuedMs)]++;
    delta[bucket(r.startMs)]--;
  }
  // Sample the depth at the end of each interval (after its admissions and takes).
  const depth: number[] = [];
  let d = 0;
  for (let i = 0; i < n; i++) {
    d += delta[i];
    depth.push(Math.max(0, d));
  }
  return { executor: c.executor, concurrency: c.concurrency, intervalMs, depth };
}
