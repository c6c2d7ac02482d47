// The report's cold-start figures (report.coldStart) as table cells, one wording for the
// CLI text, the Markdown export and the panel's table. What a fresh worker costs before
// it runs at full speed: users who start a pool per request pay it every time. Pure: the
// webview bundle imports it.
import { ms } from './format';
import type { ColdStart, ExecutorKind, Report } from './report';

export interface ColdStartCells {
  executor: string;
  start: string;
  first: string;
  steady: string;
  warmup: string;
}

export const COLD_START_HEADERS: ColdStartCells = {
  executor: 'executor',
  start: 'worker start',
  first: 'first call',
  steady: 'steady call',
  warmup: 'warm-up before counting',
};

export const COLD_START_COLUMNS = Object.keys(COLD_START_HEADERS) as (keyof ColdStartCells)[];

const FRESH_WORKER = 'A fresh worker: starting it and loading the module, its first call, and a call once warm.';

export const COLD_START_CAPTION = `${FRESH_WORKER} Every worker made warm-up calls until their time stopped falling (or a cap), so the runs above measure warm workers, as a long-lived pool has.`;

/**
 * The caption, and which runs left calls out of their throughput because they were still
 * settling once counting began (RunResult.transientCalls): warm-up ends on a rule of
 * thumb, and the window's slow start is cut afterwards.
 */
export function coldStartCaption(report: Report): string {
  const unsettled = coldStartRows(report).some((r) => r.cold.warmupCalls > 0 && !r.cold.steady && !r.cold.setupOnly);
  const head = unsettled ? COLD_START_CAPTION_UNSETTLED : COLD_START_CAPTION;
  const cut = report.runs.filter((r) => (r.transientCalls ?? 0) > 0);
  if (!cut.length) return head;
  const list = cut.map((r) => `${r.executor}${r.executor === 'sequential' ? '' : ` ×${r.concurrency}`} (${r.transientCalls})`).join(', ');
  return `${head} Calls still settling when counting began were left out of these runs' throughput: ${list}.`;
}

/** The caption when a warm-up cap ran out before some worker's calls settled: those runs were not warm. */
const COLD_START_CAPTION_UNSETTLED = `${FRESH_WORKER} Every worker made warm-up calls until their time stopped falling or a cap ran out; where the cap was reached first, that executor's runs measured workers still warming up, slower than a long-lived pool.`;

const ORDER: ExecutorKind[] = ['sequential', 'async', 'thread', 'process', 'distributed'];

/** One row per executor that started workers, in ladder order; JS async shares the sequential thread and is left out when its figures are the same. */
export function coldStartRows(report: Report): { executor: ExecutorKind; cold: ColdStart }[] {
  const cs = report.coldStart ?? {};
  return ORDER.flatMap((executor) => {
    const cold = cs[executor];
    if (!cold) return [];
    if (executor === 'async' && sameFigures(cold, cs.sequential)) return [];
    return [{ executor, cold }];
  });
}

export function coldStartCells(executor: ExecutorKind, c: ColdStart): ColdStartCells {
  return { executor, start: ms(c.workerStartMs), first: ms(c.firstCallMs), steady: ms(c.steadyCallMs), warmup: warmupWords(c) };
}

function warmupWords(c: ColdStart): string {
  if (c.warmupCalls === 0) return 'none';
  const took = c.warmupMs != null ? `, ${ms(c.warmupMs)}` : '';
  const calls = `${c.warmupCalls} call${c.warmupCalls === 1 ? '' : 's'}`;
  if (c.setupOnly) return `${calls}${took} (one-time setup only: the call mostly waits, and its wait has nothing to warm)`;
  const longer = c.compilingCapMs != null ? `, ${ms(c.compilingCapMs)} while V8 compiled` : '';
  const cap = c.warmupCapMs != null ? `; cap ${ms(c.warmupCapMs)}${longer}` : '';
  const end = c.steady ? 'settled' : c.compiling ? 'cap reached while V8 was still compiling it' : 'cap reached before it settled';
  return `${calls}${took} (${end}${cap})`;
}

function sameFigures(a: ColdStart, b: ColdStart | undefined): boolean {
  return !!b && a.firstCallMs === b.firstCallMs && a.steadyCallMs === b.steadyCallMs && a.workerStartMs === b.workerStartMs && a.warmupCalls === b.warmupCalls;
}
