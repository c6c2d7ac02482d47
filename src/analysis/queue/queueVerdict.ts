// What limits a crawl's speed, as structured findings {code, level, data} plus the
// sentence each renders to, in the words of the lesson on queues and pools: workers
// waiting on an empty queue mean the frontier, not the pool, limits speed; workers idle
// less than that mean the pool is the limit; the longest chain of items bounds the
// speedup. Pure (no I/O); the words are in src/shared/queueWords.ts.
import type { FindingData, QueueReport, Recommendation, RunResult, WorkloadKind } from '../../shared/report';
import { queueRecommendationData, renderQueueFinding, renderQueueRecommendation } from '../../shared/queueWords';
import { round3 } from '../../shared/rounding';

export type QueueFindingCode =
  | 'queue.frontier-starved'
  | 'queue.pool-bound'
  | 'queue.chain-bound'
  | 'queue.duplicates'
  | 'queue.failed-items'
  | 'queue.capped'
  | 'queue.undrained'
  | 'queue.recommend';

export interface QueueFinding {
  code: QueueFindingCode;
  /** 'key': the main limit; 'info': a supporting fact; 'warning': the numbers need care. */
  level: 'key' | 'info' | 'warning';
  /** Plain numbers and strings, as every finding a report stores (flags are 1 or 0). */
  data: FindingData;
}

/** The crawl's facts as the report gives them (QueueReport), plus what the verdict also needs. */
export interface QueueVerdictInput extends Omit<QueueReport, 'seeds' | 'dedupe' | 'depthTimeline'> {
  runs: RunResult[];
  kind: WorkloadKind;
  cores: number;
  itemsFound: number;
  /** From the main classifier: cores × (1 + wait/compute). */
  formulaWorkers: number;
}

export interface QueueVerdict {
  findings: QueueFinding[];
  sentences: string[];
  recommendation: Recommendation;
}

/** A worker idle this share of the crawl or more: the frontier, not the pool, is the limit. */
export const STARVED_IDLE_SHARE = 0.3;
/** Runs within this share of the best items/s count as equally fast: pick the fewest workers. */
export const SAME_SPEED = 0.05;
/** The best drain within this factor of the critical path: the chain is the limit. */
export const CHAIN_BOUND_FACTOR = 1.5;

const label = (r: RunResult) => `${r.executor} × ${r.concurrency}`;
const meanIdle = (r: RunResult) => (r.idleShare?.length ? r.idleShare.reduce((a, b) => a + b, 0) / r.idleShare.length : 0);

export function queueVerdict(v: QueueVerdictInput): QueueVerdict {
  const findings: QueueFinding[] = [];
  const usable = v.runs.filter((r) => r.tasks > 0);
  const best = usable.reduce<RunResult | undefined>((b, r) => (!b || r.throughputPerSec > b.throughputPerSec ? r : b), undefined);
  // The fewest workers within SAME_SPEED of the best: more would only idle.
  const pick = best
    ? usable
        .filter((r) => r.throughputPerSec >= best.throughputPerSec * (1 - SAME_SPEED))
        .sort((a, b) => a.concurrency - b.concurrency || (a.executor === 'sequential' ? -1 : 1))[0]
    : undefined;

  for (const r of v.runs.filter((x) => x.drained === false)) {
    findings.push({ code: 'queue.undrained', level: 'warning', data: { run: label(r), items: r.tasks } });
  }
  if (v.capped) findings.push({ code: 'queue.capped', level: 'warning', data: { maxItems: v.maxItems } });
  if (v.failedItems > 0) findings.push({ code: 'queue.failed-items', level: 'warning', data: { failed: v.failedItems } });

  // The widest run of the fastest executor (of any, when the loop was fastest): where
  // its ladder stopped is where the limit shows.
  const pooled = usable.filter((r) => r.executor !== 'sequential' && (!best || best.executor === 'sequential' || r.executor === best.executor));
  const widest = pooled.sort((a, b) => b.concurrency - a.concurrency || b.throughputPerSec - a.throughputPerSec)[0];
  const probe = widest ?? best;
  if (probe && probe.executor !== 'sequential') {
    const idle = meanIdle(probe);
    const busyWorkers = Math.max(1, Math.round(probe.concurrency * (1 - idle)));
    if (idle >= STARVED_IDLE_SHARE) {
      findings.push({ code: 'queue.frontier-starved', level: 'key', data: { run: label(probe), idle: round3(idle), busyWorkers } });
    } else {
      findings.push({ code: 'queue.pool-bound', level: 'key', data: { run: label(probe), idle: round3(idle), kind: v.kind, cores: v.cores } });
    }
  }
  if (v.treeDepth > 0 && v.criticalPathMs > 0) {
    const chainBound = !!best && best.drained !== false && best.wallMs <= v.criticalPathMs * CHAIN_BOUND_FACTOR && best.executor !== 'sequential';
    findings.push({
      code: 'queue.chain-bound',
      level: chainBound ? 'key' : 'info',
      data: { treeDepth: v.treeDepth, criticalPathMs: v.criticalPathMs, maxSpeedup: v.maxSpeedup, bestSpeedup: best?.speedup ?? 1, chainBound: chainBound ? 1 : 0 },
    });
  }
  if (v.duplicatesDropped > 0) {
    findings.push({ code: 'queue.duplicates', level: 'info', data: { dropped: v.duplicatesDropped, share: v.itemsFound > 0 ? round3(v.duplicatesDropped / v.itemsFound) : 0 } });
  }

  // The reason names the main limit (the first 'key' finding) after its own sentence.
  const limit = findings.find((f) => f.level === 'key');
  const own: FindingData | undefined = pick
    ? { run: label(pick), itemsPerSec: pick.throughputPerSec, speedup: pick.speedup, wallMs: pick.wallMs, drained: pick.drained !== false ? 1 : 0, fewest: pick !== best ? 1 : 0 }
    : undefined;
  if (own) findings.push({ code: 'queue.recommend', level: 'key', data: own });
  const data = queueRecommendationData(own, limit);
  const recommendation: Recommendation = {
    executor: pick?.executor ?? 'sequential',
    workers: pick?.concurrency ?? 1,
    expectedSpeedup: pick?.speedup ?? 1,
    formulaWorkers: v.formulaWorkers,
    reason: renderQueueRecommendation(data),
    code: 'queue.recommend',
    data,
  };
  return { findings, sentences: findings.map(renderQueueFinding), recommendation };
}
