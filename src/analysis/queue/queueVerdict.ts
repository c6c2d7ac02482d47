// What limits a crawl's speed, as structured findings {code, level, data} plus the
// sentence each renders to, in the words of the lesson on queues and pools: workers
// waiting on an empty queue mean the frontier, not the pool, limits speed; workers idle
// less than that mean the pool is the limit; the longest chain of items bounds the
// speedup. Pure (no I/O), so the wording can move to a shared wording module unchanged.
import type { QueueReport, Recommendation, RunResult, WorkloadKind } from '../../shared/report';
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
  data: Record<string, number | string | boolean>;
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

const pct = (x: number) => `${Math.round(x * 100)}%`;
const fx = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(x >= 10_000 ? 0 : 1)} s` : `${Math.round(x)} ms`);
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
      data: { treeDepth: v.treeDepth, criticalPathMs: v.criticalPathMs, maxSpeedup: v.maxSpeedup, bestSpeedup: best?.speedup ?? 1, chainBound },
    });
  }
  if (v.duplicatesDropped > 0) {
    findings.push({ code: 'queue.duplicates', level: 'info', data: { dropped: v.duplicatesDropped, share: v.itemsFound > 0 ? round3(v.duplicatesDropped / v.itemsFound) : 0 } });
  }

  const recommendation: Recommendation = pick
    ? {
        executor: pick.executor,
        workers: pick.concurrency,
        expectedSpeedup: pick.speedup,
        formulaWorkers: v.formulaWorkers,
        reason: '',
      }
    : { executor: 'sequential', workers: 1, expectedSpeedup: 1, formulaWorkers: v.formulaWorkers, reason: 'No crawl finished an item.' };
  if (pick) {
    findings.push({
      code: 'queue.recommend',
      level: 'key',
      data: { run: label(pick), itemsPerSec: pick.throughputPerSec, speedup: pick.speedup, wallMs: pick.wallMs, drained: pick.drained !== false, fewest: pick !== best },
    });
  }
  const sentences = findings.map(render);
  if (pick) {
    const limit = findings.find((f) => f.level === 'key' && f.code !== 'queue.recommend');
    recommendation.reason = render(findings.find((f) => f.code === 'queue.recommend')!) + (limit ? ` ${render(limit)}` : '');
  }
  return { findings, sentences, recommendation };
}

/** The one place queue findings turn into words. */
export function render(f: QueueFinding): string {
  const d = f.data;
  switch (f.code) {
    case 'queue.frontier-starved':
      return `At ${d.run}, workers waited on an empty queue ${pct(d.idle as number)} of the time: the crawl's frontier, not the pool, limits speed; more than ${d.busyWorkers} worker${d.busyWorkers === 1 ? '' : 's'} would idle.`;
    case 'queue.pool-bound': {
      const tail =
        d.kind === 'cpu-bound'
          ? `the items are CPU-bound, so beyond ${d.cores} core${d.cores === 1 ? '' : 's'} more workers only queue for a CPU.`
          : 'more workers may still help.';
      return `At ${d.run}, workers were busy ${pct(1 - (d.idle as number))} of the time: the pool, not the frontier, limits speed; ${tail}`;
    }
    case 'queue.chain-bound':
      return d.chainBound
        ? `The longest chain is ${d.treeDepth} items deep (${ms(d.criticalPathMs as number)} of calls that must run one after another): it bounds the speedup at ${fx(d.maxSpeedup as number)}, and the best run reached ${fx(d.bestSpeedup as number)}: the chain, not the pool, limits speed.`
        : `The item tree is ${d.treeDepth} deep; its longest chain takes ${ms(d.criticalPathMs as number)}, which bounds the speedup at ${fx(d.maxSpeedup as number)} however many workers wait.`;
    case 'queue.duplicates':
      return `${d.dropped} duplicate item${d.dropped === 1 ? ' was' : 's were'} dropped (${pct(d.share as number)} of the items found).`;
    case 'queue.failed-items':
      return `${d.failed} item${d.failed === 1 ? '' : 's'} still failed after ${d.failed === 1 ? 'its' : 'their'} one retry; see the errors.`;
    case 'queue.capped':
      return `The frontier never ended: --max-items stopped the crawl at ${d.maxItems} items, so the drain times are for those items only.`;
    case 'queue.undrained':
      return `${d.run} ran out of its share of the budget after ${d.items} items: its items/s is measured, its drain time is not.`;
    case 'queue.recommend':
      return `Use ${d.run}: ${d.drained ? `it drained the crawl in ${ms(d.wallMs as number)}` : 'it ran'} at ${fmtRate(d.itemsPerSec as number)} items/s (${fx(d.speedup as number)} the sequential loop)${d.fewest ? ', as fast as any wider run with fewer workers' : ''}.`;
  }
}

function fmtRate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
