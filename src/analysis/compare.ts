// Two reports of the same function, side by side: what changed in the verdict and the
// recommendation, and, per executor and K measured in both, whether throughput and
// speedup changed by more than the measurements can tell apart. Pure (no fs, no DOM):
// the CLI, the CI gate, the extension and the report webview all call it.
// docs/compare.md explains the rules.
import { ProfileError } from '../shared/errors';
import { SCHEMA_VERSION, type ExecutorKind, type Report, type RunResult } from '../shared/report';
import { ratioCi } from './stats';

/**
 * Report schema versions this code reads: 1, 2 (which only adds optional fields) and
 * whatever this build writes, since compare needs only fields every version has.
 */
export const READABLE_SCHEMA_VERSIONS = Array.from({ length: Math.max(2, SCHEMA_VERSION) }, (_, i) => i + 1);

export type { Change, Comparison, HeadlineChange, HeadlineKind, IntervalSource, PointComparison, PointId, ReportRef, Significance } from '../shared/comparison';
import type { Change, Comparison, HeadlineChange, IntervalSource, PointComparison, PointId, ReportRef, Significance } from '../shared/comparison';

/** When nothing bounds a throughput's error, the same ±50% that stats.ts reports for "unknown". */
const UNKNOWN_RELATIVE_HALF_WIDTH = 0.5;
const EXECUTOR_ORDER: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];

export function compareReports(oldReport: Report, newReport: Report): Comparison {
  if (oldReport.target.function !== newReport.target.function) {
    throw new ProfileError(
      'bad-input',
      `The reports are of different functions (${oldReport.target.function} and ${newReport.target.function}); compare two runs of the same function.`,
    );
  }
  const oldRuns = runsByPoint(oldReport);
  const newRuns = runsByPoint(newReport);
  const points: PointComparison[] = [];
  const onlyInOld: PointId[] = [];
  const onlyInNew: PointId[] = [];
  for (const [key, o] of oldRuns) {
    const n = newRuns.get(key);
    if (!n) onlyInOld.push(pointId(o));
    else points.push(comparePoint(oldReport, o, newReport, n));
  }
  for (const [key, n] of newRuns) if (!oldRuns.has(key)) onlyInNew.push(pointId(n));
  const order = (a: PointId, b: PointId) => EXECUTOR_ORDER.indexOf(a.executor) - EXECUTOR_ORDER.indexOf(b.executor) || a.concurrency - b.concurrency;
  points.sort(order);
  onlyInOld.sort(order);
  onlyInNew.sort(order);

  const baselinePoint = points.find((p) => p.executor === 'sequential');
  const oldBest = bestRun(oldReport);
  const newBest = bestRun(newReport);
  const best =
    oldBest && newBest
      ? { ...change(interval(oldReport, oldBest), interval(newReport, newBest)), oldAt: pointId(oldBest), newAt: pointId(newBest) }
      : undefined;

  return {
    function: newReport.target.function,
    old: refOf(oldReport),
    new: refOf(newReport),
    headline: headlineChanges(oldReport, newReport),
    summary: { baseline: baselinePoint?.throughput, best },
    points,
    onlyInOld,
    onlyInNew,
    caveats: measurementCaveats(oldReport, newReport),
  };
}

function headlineChanges(o: Report, n: Report): HeadlineChange[] {
  const out: HeadlineChange[] = [];
  if (o.verdict.kind !== n.verdict.kind) out.push({ what: 'verdict', old: o.verdict.kind, new: n.verdict.kind });
  const gilOld = o.verdict.gil ?? 'not-applicable';
  const gilNew = n.verdict.gil ?? 'not-applicable';
  if (gilOld !== gilNew) out.push({ what: 'gil', old: gilOld, new: gilNew });
  const recOld = `${o.recommendation.executor} × ${o.recommendation.workers}`;
  const recNew = `${n.recommendation.executor} × ${n.recommendation.workers}`;
  if (recOld !== recNew) out.push({ what: 'recommendation', old: recOld, new: recNew });
  return out;
}

function measurementCaveats(o: Report, n: Report): string[] {
  const out: string[] = [];
  if (o.target.file !== n.target.file) out.push(`The files differ: ${o.target.file} and ${n.target.file}.`);
  if (JSON.stringify(o.target.args) !== JSON.stringify(n.target.args))
    out.push(`The arguments differ (${JSON.stringify(o.target.args)} and ${JSON.stringify(n.target.args)}), so the work per call may differ.`);
  const eo = o.environment;
  const en = n.environment;
  if (eo.cores !== en.cores || eo.cpuModel !== en.cpuModel)
    out.push(`Measured on different machines (${eo.cores} × ${eo.cpuModel} and ${en.cores} × ${en.cpuModel}): throughput differences may be the machine's.`);
  if (eo.node !== en.node) out.push(`Different Node versions (${eo.node} and ${en.node}).`);
  if (eo.python && en.python && eo.python.version !== en.python.version) out.push(`Different Python versions (${eo.python.version} and ${en.python.version}).`);
  if (eo.backgroundLoad.busy || en.backgroundLoad.busy) out.push('The machine was busy with other work during at least one of the runs, so their numbers are less comparable.');
  if (o.budgetMs !== n.budgetMs) out.push(`Different budgets (${o.budgetMs / 1000} s and ${n.budgetMs / 1000} s): shorter windows give wider intervals.`);
  return out;
}

function comparePoint(oldReport: Report, o: RunResult, newReport: Report, n: RunResult): PointComparison {
  const oi = interval(oldReport, o);
  const ni = interval(newReport, n);
  return {
    executor: n.executor,
    concurrency: n.concurrency,
    throughput: change(oi, ni),
    speedup: n.executor === 'sequential' ? undefined : change({ value: o.speedup, ci: o.speedupCi }, { value: n.speedup, ci: n.speedupCi }),
    noisy: o.noisy || n.noisy,
    intervals: { old: oi.source, new: ni.source },
  };
}

/** new ÷ old with its interval; the two measurements are independent, as ratioCi assumes. */
export function change(o: { value: number; ci: [number, number] }, n: { value: number; ci: [number, number] }): Change {
  const ratio = o.value > 0 ? n.value / o.value : 0;
  const ci = ratioCi({ value: n.value, ci: n.ci }, { value: o.value, ci: o.ci });
  const call: Significance = !(o.value > 0) ? 'no-change' : ci[0] > 1 ? 'faster' : ci[1] < 1 ? 'slower' : 'no-change';
  return { old: o.value, new: n.value, ratio: round4(ratio), ci: [round4(ci[0]), round4(ci[1])], call };
}

/**
 * A run's throughput with its 95% interval. Reports store one only if they carry the
 * optional `throughputCi`; otherwise it is derived from the speedup intervals, which
 * every report since schema 1 carries:
 * - a pool run: speedup = throughput ÷ baseline, so its interval's relative width covers
 *   the run's own error plus the baseline's. Scaling the throughput by it
 *   over-states the run's error, never under-states it;
 * - the sequential baseline (whose own speedup interval is [1, 1]): each pool run's
 *   relative error on either side is at least the baseline's, so the smallest of them
 *   bounds it; with no pool run there is no bound and it is taken as ±50%.
 */
export function throughputInterval(report: Report, run: RunResult): { value: number; ci: [number, number]; source: IntervalSource } {
  const value = run.throughputPerSec;
  const stored = (run as RunResult & { throughputCi?: unknown }).throughputCi;
  if (isPair(stored) && stored[0] <= value && value <= stored[1]) return { value, ci: stored, source: 'stored' };
  if (run.executor !== 'sequential' && run.speedup > 0 && isPair(run.speedupCi) && run.speedupCi[0] > 0) {
    return { value, ci: [(value * run.speedupCi[0]) / run.speedup, (value * run.speedupCi[1]) / run.speedup], source: 'from-speedup' };
  }
  if (run.executor === 'sequential') {
    let down = Infinity;
    let up = Infinity;
    for (const r of report.runs) {
      if (r.executor === 'sequential' || !(r.speedup > 0) || !isPair(r.speedupCi) || !(r.speedupCi[0] > 0)) continue;
      down = Math.min(down, Math.log(r.speedup / r.speedupCi[0]));
      up = Math.min(up, Math.log(r.speedupCi[1] / r.speedup));
    }
    if (Number.isFinite(down) && Number.isFinite(up)) return { value, ci: [value * Math.exp(-down), value * Math.exp(up)], source: 'from-speedup' };
  }
  const h = UNKNOWN_RELATIVE_HALF_WIDTH;
  return { value, ci: [value * (1 - h), value * (1 + h)], source: 'unknown' };
}

const interval = throughputInterval;

function isPair(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[0] <= v[1];
}

function runsByPoint(report: Report): Map<string, RunResult> {
  const m = new Map<string, RunResult>();
  // A later run at the same point (a repeated baseline) supersedes an earlier one.
  for (const r of report.runs) m.set(`${r.executor}:${r.concurrency}`, r);
  return m;
}

/** The run with the highest throughput whose calls did not mostly fail. */
function bestRun(report: Report): RunResult | undefined {
  let best: RunResult | undefined;
  for (const r of report.runs) if (r.errors.rate < 0.5 && (!best || r.throughputPerSec > best.throughputPerSec)) best = r;
  return best;
}

function pointId(r: RunResult): PointId {
  return { executor: r.executor, concurrency: r.concurrency };
}

function refOf(r: Report): ReportRef {
  return { id: r.id, createdAt: r.createdAt, schemaVersion: r.schemaVersion };
}

function round4(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : 0;
}

/**
 * Reads a report from JSON text, checking only what compare and the gate use, so
 * reports from older and newer writers with extra fields still load. `label` names the
 * input in the one-line error (usually the file name).
 */
export function parseReport(text: string, label: string): Report {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ProfileError('bad-input', `${label} is not JSON (${(e as Error).message}); pass a report written by profile --out or --json.`);
  }
  const problem = reportProblem(data);
  if (problem) throw new ProfileError('bad-input', `${label} is not a Workload Profiler report: ${problem}.`);
  return data as Report;
}

function reportProblem(d: unknown): string | undefined {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'it is not a JSON object';
  // Unknown JSON, read field by field with checks: `any` is the honest type here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const r = d as Record<string, any>;
  if (typeof r.schemaVersion !== 'number') return 'it has no schemaVersion';
  if (!READABLE_SCHEMA_VERSIONS.includes(r.schemaVersion))
    return `schemaVersion ${r.schemaVersion} is not one this version reads (${READABLE_SCHEMA_VERSIONS.join(', ')}); update workload-profiler`;
  if (typeof r.target?.function !== 'string') return 'target.function is missing';
  if (!Array.isArray(r.runs)) return 'runs[] is missing';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const [i, run] of (r.runs as any[]).entries()) {
    if (!EXECUTOR_ORDER.includes(run?.executor) || typeof run.concurrency !== 'number' || typeof run.throughputPerSec !== 'number' || typeof run.speedup !== 'number' || !isPair(run.speedupCi))
      return `runs[${i}] lacks executor, concurrency, throughputPerSec, speedup or speedupCi`;
    if (typeof run.errors?.rate !== 'number') return `runs[${i}].errors.rate is missing`;
  }
  if (typeof r.verdict?.kind !== 'string') return 'verdict.kind is missing';
  if (typeof r.recommendation?.executor !== 'string' || typeof r.recommendation?.workers !== 'number') return 'recommendation is missing';
  if (typeof r.environment?.cores !== 'number' || typeof r.environment?.backgroundLoad !== 'object') return 'environment is missing';
  if (typeof r.id !== 'string' || typeof r.createdAt !== 'string') return 'id or createdAt is missing';
  return undefined;
}
