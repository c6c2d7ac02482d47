// Words for queue mode's findings (src/analysis/queue/queueVerdict.ts): what limits a
// crawl, in the words of the lesson on queues and pools. The reasons and caveats of a
// queue report carry these codes, so the CLI text, the Markdown export and the panel
// render them here, as they do the classifier's (reasonWords.ts, caveatWords.ts).
import type { FindingData } from './report';
import { ms, pct, x } from './format';
import { plural } from './names';
import { n, str } from './reasonWords';

export const QUEUE_WORDS: Record<string, (d: FindingData) => string> = {
  'queue.frontier-starved': (d) =>
    `At ${str(d, 'run')}, workers waited on an empty queue ${pct(n(d, 'idle'))} of the time: the crawl's frontier, not the pool, limits speed; more than ${n(d, 'busyWorkers')} ${plural(n(d, 'busyWorkers'), 'worker', 'workers')} would idle.`,
  'queue.pool-bound': (d) => {
    const tail =
      str(d, 'kind') === 'cpu-bound'
        ? `the items are CPU-bound, so beyond ${n(d, 'cores')} ${plural(n(d, 'cores'), 'core', 'cores')} more workers only queue for a CPU.`
        : 'more workers may still help.';
    return `At ${str(d, 'run')}, workers were busy ${pct(1 - n(d, 'idle'))} of the time: the pool, not the frontier, limits speed; ${tail}`;
  },
  'queue.chain-bound': (d) =>
    n(d, 'chainBound') === 1
      ? `The longest chain is ${n(d, 'treeDepth')} items deep (${ms(n(d, 'criticalPathMs'))} of calls that must run one after another): it bounds the speedup at ${x(n(d, 'maxSpeedup'))}, and the best run reached ${x(n(d, 'bestSpeedup'))}: the chain, not the pool, limits speed.`
      : `The item tree is ${n(d, 'treeDepth')} deep; its longest chain takes ${ms(n(d, 'criticalPathMs'))}, which bounds the speedup at ${x(n(d, 'maxSpeedup'))} however many workers wait.`,
  'queue.duplicates': (d) => `${n(d, 'dropped')} duplicate ${plural(n(d, 'dropped'), 'item was', 'items were')} dropped (${pct(n(d, 'share'))} of the items found).`,
  'queue.failed-items': (d) => `${n(d, 'failed')} ${plural(n(d, 'failed'), 'item', 'items')} still failed after ${plural(n(d, 'failed'), 'its', 'their')} one retry; see the errors.`,
  'queue.capped': (d) => `The frontier never ended: --max-items stopped the crawl at ${n(d, 'maxItems')} items, so the drain times are for those items only.`,
  'queue.undrained': (d) => `${str(d, 'run')} ran out of its share of the budget after ${n(d, 'items')} items: its items/s is measured, its drain time is not.`,
  'queue.recommend': (d) =>
    `Use ${str(d, 'run')}: ${n(d, 'drained') === 1 ? `it drained the crawl in ${ms(n(d, 'wallMs'))}` : 'it ran'} at ${itemRate(n(d, 'itemsPerSec'))} items/s (${x(n(d, 'speedup'))} the sequential loop)${n(d, 'fewest') === 1 ? ', as fast as any wider run with fewer workers' : ''}.`,
};

function itemRate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** A queue finding as a sentence. */
export function renderQueueFinding(f: { code: string; data: FindingData }): string {
  return QUEUE_WORDS[f.code]?.(f.data) ?? f.code;
}

/** Where the limit a queue recommendation names keeps its data (queueRecommendationData). */
const LIMIT_PREFIX = 'limit.';

/**
 * A queue recommendation's data: its own finding's, plus the code of the limit its reason
 * names (`limit`) and that finding's data under `limit.`, all plain, so the report stores
 * one flat record and every reader renders the reason from it (renderQueueRecommendation).
 */
export function queueRecommendationData(own: FindingData | undefined, limit?: { code: string; data: FindingData }): FindingData {
  const d: FindingData = { ...own };
  if (own && limit) {
    d.limit = limit.code;
    for (const [k, v] of Object.entries(limit.data)) d[LIMIT_PREFIX + k] = v;
  }
  return d;
}

/** The queue recommendation's reason: what to use and how fast it drained the crawl, then the limit it names. */
export function renderQueueRecommendation(d: FindingData): string {
  if (typeof d.run !== 'string') return 'No crawl finished an item.';
  const own = renderQueueFinding({ code: 'queue.recommend', data: d });
  if (typeof d.limit !== 'string') return own;
  const limitData = Object.fromEntries(Object.entries(d).filter(([k]) => k.startsWith(LIMIT_PREFIX)).map(([k, v]) => [k.slice(LIMIT_PREFIX.length), v]));
  return `${own} ${renderQueueFinding({ code: d.limit, data: limitData })}`;
}
