// The one wording module: turns the analysis's findings into words for the CLI text, the
// Markdown export, the webview and the tree labels. Pure (no node, no DOM, no vscode).
// Reports saved before findings existed (schema v1) carry only text: every function
// here falls back to that stored text when a finding is missing or its code is unknown.
import type { Caveat, Finding, FindingData, Recommendation, Report, ScalingFit } from './report';
import { CAVEAT_WORDS } from './caveatWords';
import { DISTRIBUTED_WORDS } from './distributedWords';
import { QUEUE_WORDS, renderQueueRecommendation } from './queueWords';
import { pct, x } from './format';
import type { LongerBudget, LongerBudgetWhy } from './longerBudget';
import { executorAt, executorName, kindLabel } from './names';
import { REASON_WORDS, type WordingContext } from './reasonWords';
import { RECOMMENDATION_WORDS, recommendationLineOf } from './recommendationWords';

export type { WordingContext } from './reasonWords';

type Words = (d: FindingData, ctx: WordingContext) => string;
/** The classifier's reasons and queue mode's (a queue report's reasons lead with what limits the crawl). */
const REASONS: Record<string, Words> = { ...REASON_WORDS, ...QUEUE_WORDS };
/** The classifier's caveats, the engine's, queue mode's and the distributed executor's. */
const CAVEATS: Record<string, Words> = { ...CAVEAT_WORDS, ...QUEUE_WORDS, ...DISTRIBUTED_WORDS };
/** The classifier's answers and queue mode's (its reason also names what limits the crawl). */
const RECOMMENDATIONS: Record<string, Words> = { ...RECOMMENDATION_WORDS, 'queue.recommend': renderQueueRecommendation };

export function contextOf(report: Pick<Report, 'target'>): WordingContext {
  return { python: report.target.language === 'python' };
}

/** A reason finding as a sentence; doubts (level 'warning') read "But: …". */
export function renderReason(f: Finding, ctx: WordingContext): string {
  const words = REASONS[f.code];
  if (!words) return f.code;
  const s = words(f.data, ctx);
  return f.level === 'warning' && f.code.startsWith('doubt.') ? `But: ${s}` : s;
}

export function renderCaveat(f: Pick<Finding, 'code' | 'data'>, ctx: WordingContext): string {
  return CAVEATS[f.code]?.(f.data, ctx) ?? f.code;
}

/**
 * A caveat as the report stores it: its finding (code and numbers, for readers that act
 * on it) and the words for it, which readers of a report without those words show as they are.
 */
export function caveatOf(f: Finding, ctx: WordingContext): Caveat {
  return { level: f.level, message: renderCaveat(f, ctx), code: f.code, data: f.data };
}

export function renderRecommendation(f: { code: string; data: FindingData }, ctx: WordingContext): string {
  return RECOMMENDATIONS[f.code]?.(f.data, ctx) ?? f.code;
}

/** The verdict's reasons: from the findings, or a v1 report's stored text. */
export function reasonsOf(report: Report): string[] {
  const ctx = contextOf(report);
  const findings = report.verdict.findings;
  // Queue reports saved before their reasons had findings led with sentences of their
  // own: when the counts differ, the stored text is the whole of it.
  if (!findings?.length || findings.length !== report.verdict.reasons.length) return report.verdict.reasons;
  return findings.map((f, i) => (REASONS[f.code] ? renderReason(f, ctx) : (report.verdict.reasons[i] ?? f.code)));
}

export function recommendationReasonOf(report: Report): string {
  const rec = report.recommendation;
  if (rec.code && rec.data && RECOMMENDATIONS[rec.code]) return renderRecommendation({ code: rec.code, data: rec.data }, contextOf(report));
  return rec.reason;
}

export function caveatTextOf(report: Report, c: Caveat): string {
  if (c.code && c.data && CAVEATS[c.code]) return renderCaveat({ code: c.code, data: c.data }, contextOf(report));
  return c.message;
}

/** "Use worker threads, 2 workers: expected 1.9×"; "at least 32" when the ladder was cut while scaling. */
export function recommendationLine(report: Report): string {
  return recommendationLineOf(report.recommendation, report.target.language === 'python');
}

/** "cpu-bound (confidence 92%; GIL held)" */
export function verdictSummary(report: Report): string {
  const v = report.verdict;
  const extras = [
    v.gil ? `GIL ${v.gil}` : '',
    v.offloadedCpu ? 'CPU offloaded' : '',
    v.parallelInside ? 'parallel inside' : '',
    v.tinyTasks ? 'tiny tasks' : '',
  ].filter(Boolean);
  return `${v.kind} (confidence ${pct(v.confidence)}${extras.length ? `; ${extras.join(', ')}` : ''})`;
}

/** The recommended point in a short label: "threads×2 → 1.9×", "async×≥32 → ≥32×". */
export function recommendationShort(rec: Pick<Recommendation, 'executor' | 'workers' | 'expectedSpeedup' | 'atLeast'>): string {
  return `${executorAt(rec.executor, rec.workers, rec.atLeast)} → ${rec.atLeast ? '≥' : ''}${x(rec.expectedSpeedup)}`;
}

/** The code lens and tree verdict: "CPU-bound · threads×2 → 1.9×". */
export function verdictLine(report: Report): string {
  return `${kindLabel(report.verdict.kind)} · ${recommendationShort(report.recommendation)}`;
}

/** One line per fitted ladder, for the text report and the panel. */
export function scalingLines(report: Report): string[] {
  const python = report.target.language === 'python';
  // Unfitted ladders stay in the JSON; in prose they would only say "too few points".
  return (report.scaling ?? []).filter((s) => s.fitted).map((s) => scalingLine(s, python));
}

export function scalingLine(s: ScalingFit, python: boolean): string {
  const name = executorName(s.executor, python);
  if (!s.fitted) return `${name}: too few points for a fit (K = ${s.points.join(', ') || 'none'}).`;
  const model =
    s.model === 'amdahl'
      ? `Amdahl fit on 2 points (K = ${s.points.join(', ')}), κ fixed at 0: σ = ${s.sigma.toFixed(3)}`
      : `USL fit on K = ${s.points.join(', ')}: σ = ${s.sigma.toFixed(3)}, κ = ${s.kappa === 0 ? "0" : s.kappa.toPrecision(2)}, error ${pct(s.rmsError)}`;
  const peak =
    s.peakConcurrency != null
      ? `; peak near N = ${s.peakConcurrency}`
      : s.sigma > 0
        ? `; levels off near ${x(1 / s.sigma)} of one worker (1/σ)`
        : '; linear, no limit seen';
  const knee = s.kneeConcurrency != null ? `, knee at ${s.kneeConcurrency}` : '';
  const proj = s.projections.length
    ? `. Model estimate on bigger machines: ${s.projections.map((p) => `${p.cores} cores ${x(p.speedup)}`).join(', ')}`
    : '';
  return `${name}: ${model}${peak}${knee}${proj}.`;
}

/** Why a longer budget, and what it may do (budget in seconds). */
const LONGER_BUDGET_WORDS: Record<LongerBudgetWhy, (budgetSec: number) => string> = {
  undecided: (b) => `The windows were too short to tell a gain from noise: a ${b} s budget may decide.`,
  'cold-pools': (b) => `Some pools were measured before their workers had warmed up: a ${b} s budget gives them time to settle.`,
  'still-scaling': (b) => `The budget stopped the ladder while it was still scaling: a ${b} s budget may measure further.`,
  'runner-up-cut': (b) => `The budget stopped another executor's ladder while it was still scaling towards the answer: a ${b} s budget climbs it further.`,
  'slow-baseline': (b) => `A point beat what physics allows, so the baseline ran slow: a ${b} s budget measures it again.`,
};

/** "The windows were too short to tell a gain from noise: a 15 s budget may decide." */
export function longerBudgetText(lb: LongerBudget): string {
  return LONGER_BUDGET_WORDS[lb.why](lb.budgetSec);
}
