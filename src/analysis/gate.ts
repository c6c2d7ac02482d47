// The CI gate: expectations about a fresh report (its verdict, its recommendation, a
// minimum speedup) and a limit on how much slower it may be than a baseline report.
// Pure: parsing the option values and judging a report are separate from running it,
// so the CLI checks every option before it spends the budget. docs/ci.md has the rules.
import { compareReports, type Change } from './compare';
import { changeText, pointText, rate } from '../shared/compareFormat';
import { ProfileError } from '../shared/errors';
import { isUndecided } from '../shared/recommendationWords';
import type { ExecutorKind, GilVerdict, Report, RunResult, WorkloadKind } from '../shared/report';

/** Exit code of a profile whose report failed an expectation (0 ok, 2 bad input, 3 function failed, 130 cancelled). */
export const GATE_FAILED_EXIT_CODE = 4;

const KINDS: WorkloadKind[] = ['cpu-bound', 'io-bound', 'mixed'];
const EXECUTORS: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];
const GILS: GilVerdict[] = ['held', 'released', 'free-threaded', 'not-applicable'];
const EXPECT_KEYS = { kind: KINDS, executor: EXECUTORS, gil: GILS } as const;
type ExpectKey = keyof typeof EXPECT_KEYS;

export type Expectation =
  | { type: 'expect'; key: ExpectKey; values: string[]; text: string }
  | { type: 'min-speedup'; executor: ExecutorKind | 'best'; min: number; text: string }
  | { type: 'max-regression'; fraction: number; text: string };

export interface GateOutcome {
  text: string;
  ok: boolean;
  /** What was measured, in one line. */
  detail: string;
}

const bad = (message: string) => new ProfileError('bad-input', message);

/** `kind=cpu-bound`, `executor=thread`, `gil=held`; `executor=thread,process` accepts either. */
export function parseExpect(value: string): Expectation {
  const m = /^\s*([a-z]+)\s*=\s*(.+?)\s*$/.exec(value.toLowerCase());
  const keys = Object.keys(EXPECT_KEYS).join(', ');
  if (!m) throw bad(`--expect takes key=value (keys: ${keys}), e.g. --expect kind=cpu-bound; got "${value}".`);
  const key = m[1] as ExpectKey;
  if (!(key in EXPECT_KEYS)) throw bad(`--expect: unknown key "${m[1]}"; use one of ${keys}.`);
  const allowed: readonly string[] = EXPECT_KEYS[key];
  const values = m[2].split(',').map((v) => v.trim()).filter(Boolean);
  const unknown = values.filter((v) => !allowed.includes(v));
  if (!values.length || unknown.length) throw bad(`--expect ${key}: "${unknown.join(', ') || m[2]}" is not one of ${allowed.join(', ')}.`);
  return { type: 'expect', key, values, text: `--expect ${key}=${values.join(',')}` };
}

/** `thread:1.5`: the best thread speedup must reach 1.5×; `best:2` means any executor. */
export function parseMinSpeedup(value: string): Expectation {
  const m = /^\s*([a-z]+)\s*:\s*([0-9.]+)\s*[x×]?\s*$/.exec(value.toLowerCase());
  const executors = [...EXECUTORS.filter((e) => e !== 'sequential'), 'best'];
  if (!m) throw bad(`--min-speedup takes executor:factor, e.g. --min-speedup thread:1.5; got "${value}".`);
  if (!executors.includes(m[1])) throw bad(`--min-speedup: "${m[1]}" is not one of ${executors.join(', ')}.`);
  const min = Number(m[2]);
  if (!Number.isFinite(min) || min <= 0) throw bad(`--min-speedup: the factor must be a positive number, got "${m[2]}".`);
  return { type: 'min-speedup', executor: m[1] as ExecutorKind | 'best', min, text: `--min-speedup ${m[1]}:${min}` };
}

/** `10%`: neither the sequential nor the best throughput may fall by more than 10% (significantly). */
export function parseMaxRegression(value: string): Expectation {
  const m = /^\s*([0-9.]+)\s*%\s*$/.exec(value);
  const pct = m ? Number(m[1]) : NaN;
  if (!m || !Number.isFinite(pct) || pct < 0 || pct >= 100) throw bad(`--max-regression takes a percentage from 0% to 99%, e.g. --max-regression 10%; got "${value}".`);
  return { type: 'max-regression', fraction: pct / 100, text: `--max-regression ${pct}%` };
}

/**
 * Judges a report. Every expectation gets an outcome, passed or not, so the CLI can
 * print the failures and a CI log can show what was checked. A max-regression without
 * a baseline is a usage error the CLI rejects before profiling; here it fails.
 */
export function evaluateGate(report: Report, expectations: Expectation[], baseline?: Report): GateOutcome[] {
  return expectations.map((e) => {
    switch (e.type) {
      case 'expect':
        return judgeExpect(report, e);
      case 'min-speedup':
        return judgeMinSpeedup(report, e);
      case 'max-regression':
        return baseline ? judgeRegression(baseline, report, e) : { text: e.text, ok: false, detail: 'no --baseline report to compare with' };
    }
  });
}

function judgeExpect(report: Report, e: Extract<Expectation, { type: 'expect' }>): GateOutcome {
  const v = report.verdict;
  const rec = report.recommendation;
  const actual = e.key === 'kind' ? v.kind : e.key === 'executor' ? rec.executor : (v.gil ?? 'not-applicable');
  const detail =
    e.key === 'kind'
      ? `the verdict is ${v.kind} (confidence ${Math.round(v.confidence * 100)}%)`
      : e.key === 'executor'
        ? `the recommendation is ${rec.executor} × ${rec.workers} (expected ${rec.expectedSpeedup.toFixed(2)}×)${undecidedText(rec)}`
        : `the GIL verdict is ${actual}`;
  return { text: e.text, ok: e.values.includes(actual), detail };
}

/**
 * A "keep it sequential" that the measurement could not decide (recommend.ts,
 * UNDECIDED_HIGH): a gate that expected a pool fails on it, and says a longer budget can tell.
 */
function undecidedText(rec: Report['recommendation']): string {
  if (!isUndecided(rec)) return '';
  const d = rec.data;
  const best = pointText({ executor: d.bestExecutor as ExecutorKind, concurrency: Number(d.bestK) });
  return `, undecided: the best, ${best}, read ${Number(d.bestSpeedup).toFixed(2)}× in ${Number(d.bestLow).toFixed(2)}–${Number(d.bestHigh).toFixed(2)}×; a longer --budget can tell`;
}

function judgeMinSpeedup(report: Report, e: Extract<Expectation, { type: 'min-speedup' }>): GateOutcome {
  // Points where most calls failed measured the failures, not the function.
  const runs = report.runs.filter((r) => r.executor !== 'sequential' && r.errors.rate < 0.5 && (e.executor === 'best' || r.executor === e.executor));
  if (!runs.length) return { text: e.text, ok: false, detail: e.executor === 'best' ? 'no executor besides sequential was measured' : `${e.executor} was not measured` };
  const best = runs.reduce((a, b): RunResult => (b.speedup > a.speedup ? b : a));
  const ci = `95% interval ${best.speedupCi[0].toFixed(2)}–${best.speedupCi[1].toFixed(2)}×`;
  return {
    text: e.text,
    ok: best.speedup >= e.min,
    detail: `the best ${e.executor === 'best' ? 'speedup' : `${e.executor} speedup`} is ${best.speedup.toFixed(2)}× at ${pointText(best)} (${ci})`,
  };
}

function judgeRegression(baseline: Report, report: Report, e: Extract<Expectation, { type: 'max-regression' }>): GateOutcome {
  const c = compareReports(baseline, report);
  // A drop fails only when it is beyond the limit AND told apart from noise, so a
  // noisy CI machine does not fail builds on chance.
  const regressed = (ch: Change | undefined) => !!ch && ch.call === 'slower' && 1 - ch.ratio > e.fraction;
  const parts: string[] = [];
  const failed: string[] = [];
  const b = c.summary.baseline;
  if (b) {
    const line = `sequential ${rate(b.old)} → ${rate(b.new)} calls/s (${changeText(b)})`;
    (regressed(b) ? failed : parts).push(line);
  }
  const best = c.summary.best;
  if (best) {
    const line = `best ${rate(best.old)}/s at ${pointText(best.oldAt)} → ${rate(best.new)}/s at ${pointText(best.newAt)} (${changeText(best)})`;
    (regressed(best) ? failed : parts).push(line);
  }
  if (!b && !best) return { text: e.text, ok: false, detail: 'the reports share no measured point' };
  if (failed.length) return { text: e.text, ok: false, detail: `slower than the baseline by more than ${Math.round(e.fraction * 1000) / 10}%: ${failed.join('; ')}` };
  return { text: e.text, ok: true, detail: parts.join('; ') };
}
