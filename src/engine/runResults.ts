// From raw point samples to the report's runs: throughput with its interval, speedup
// against the baseline, CPU per call (run-queue time left out), core use and errors.
// Pure functions of what the executors measured; profile.ts calls them once at the end.
import type { CpuSampler } from './cpuSampler';
import type { PointSamples } from './executorTypes';
import type { PointPhase } from './ladderSession';
import type { BackgroundLoad, ErrorSample, ExecutorKind, Finding, Report, RunResult } from '../shared/report';
import { encodePoints } from '../shared/names';
import { isNoisy, mserCut, MSER_MAX_OBSERVATIONS, MSER_MIN_OBSERVATIONS, ratioCi } from '../analysis/stats';
import { round1, round3 } from '../shared/rounding';

export interface MeasuredPoint {
  kind: ExecutorKind;
  k: number;
  samples: PointSamples;
  tp: { throughputPerSec: number; ci: [number, number]; noisy: boolean };
  durationMs: number;
  /** The measured windows: one, or more when the point was measured again. */
  windows: [number, number][];
  /** Why it was measured (the ladder session's phase). */
  phase?: PointPhase;
  /**
   * Windows of this point left out because a faster one disagreed beyond both intervals
   * (combineRepeats), and how much slower the slowest of them ran (0.2 = 20%).
   */
  setAside?: { windows: number; slower: number };
}

/**
 * A point measured twice (a near-tie or a noisy point, re-measured to tell): one
 * estimate from both windows. The two are independent measurements of one quantity,
 * so they are averaged weighted by their tasks, and their interval half-widths add in
 * quadrature with the same weights, which narrows the interval as tasks accumulate.
 *
 * Two windows whose intervals do not meet did not measure one quantity: other load (or
 * a pool still warming) slowed one of them, and nothing makes a window faster than the
 * executor can go. Then the faster window is the point, as timeit keeps the best of
 * its repeats; averaging would carry the disturbed window's bias into the answer.
 */
export function combineRepeats(a: MeasuredPoint, b: MeasuredPoint): MeasuredPoint {
  const [slow, fast] = a.tp.throughputPerSec <= b.tp.throughputPerSec ? [a, b] : [b, a];
  if (slow.tp.ci[1] < fast.tp.ci[0]) {
    const slower = fast.tp.throughputPerSec > 0 ? 1 - slow.tp.throughputPerSec / fast.tp.throughputPerSec : 0;
    const setAside = {
      windows: slow.windows.length + (slow.setAside?.windows ?? 0) + (fast.setAside?.windows ?? 0),
      slower: Math.max(slower, fast.setAside?.slower ?? 0),
    };
    return { ...fast, phase: a.phase, durationMs: a.durationMs + b.durationMs, setAside };
  }
  const na = Math.max(1, a.samples.taskEndMs.length);
  const nb = Math.max(1, b.samples.taskEndMs.length);
  const wa = na / (na + nb);
  const wb = nb / (na + nb);
  const value = wa * a.tp.throughputPerSec + wb * b.tp.throughputPerSec;
  const half = (t: MeasuredPoint['tp'], side: 0 | 1) => Math.abs(t.ci[side] - t.throughputPerSec);
  const down = Math.hypot(wa * half(a.tp, 0), wb * half(b.tp, 0));
  const up = Math.hypot(wa * half(a.tp, 1), wb * half(b.tp, 1));
  const ci: [number, number] = [Math.max(0, value - down), value + up];
  return {
    kind: a.kind,
    k: a.k,
    samples: mergeSamples([a.samples, b.samples]),
    tp: { throughputPerSec: value, ci, noisy: isNoisy(value, ci) },
    durationMs: a.durationMs + b.durationMs,
    windows: [...a.windows, ...b.windows],
    phase: a.phase,
    ...(a.setAside || b.setAside ? { setAside: a.setAside ?? b.setAside } : {}),
  };
}

/**
 * A window without its start-up transient. The warm-up ends on a rule of thumb (call
 * times that stopped falling, or a cap in time), and a fresh worker may still be
 * settling when the window opens: a JIT tier-up or a young heap still growing makes its
 * first counted calls slower. MSER (stats.mserCut) finds where the calls, in the order
 * they started, stop trending; the window then opens at that call's start, and calls
 * that ended before it are left out (calls running across it count for their share
 * inside, throughputStats). Every point, the baseline included, is cut by the same rule, so a
 * cut favours no executor. `transientCalls` says how many were left out.
 */
export function settleWindow(s: PointSamples): PointSamples {
  const n = s.taskStartMs.length;
  if (n < MSER_MIN_OBSERVATIONS || n > MSER_MAX_OBSERVATIONS) return s;
  const order = [...Array(n).keys()].sort((a, b) => s.taskStartMs[a] - s.taskStartMs[b]);
  const cut = mserCut(order.map((i) => s.taskEndMs[i] - s.taskStartMs[i]));
  if (cut === 0) return s;
  const from = s.taskStartMs[order[cut]];
  const keep = [...Array(n).keys()].filter((i) => s.taskEndMs[i] > from);
  const pick = <T>(xs: T[]) => keep.map((i) => xs[i]);
  const out: PointSamples = {
    ...s,
    startMs: from,
    taskStartMs: pick(s.taskStartMs),
    taskEndMs: pick(s.taskEndMs),
    taskCpuMs: pick(s.taskCpuMs),
    taskOk: pick(s.taskOk),
    transientCalls: (s.transientCalls ?? 0) + n - keep.length,
  };
  if (s.taskRunQueueMs) out.taskRunQueueMs = pick(s.taskRunQueueMs);
  return out;
}

export interface Estimate {
  value: number;
  ci: [number, number];
  noisy: boolean;
}

/** Start and end baselines differing by more than this make the profile's speedups suspect. */
export const BASELINE_DRIFT = 0.15;

/**
 * One baseline from the start and end measurements: their mean, an interval that
 * covers both, and how far apart they were (a sign the machine's speed changed).
 */
/**
 * The sequential points the speedups divide by. A re-measured baseline (phase
 * 'rebaseline', see LadderSession.baselineSuspect) replaces the first one, which a
 * one-worker pool beat; `replaced.slower` says by how much that one was slow.
 */
export function baselinePoints(points: MeasuredPoint[]): { baselines: MeasuredPoint[]; replaced?: { slower: number } } {
  const again = points.find((p) => p.phase === 'rebaseline' && p.tp.throughputPerSec > 0);
  const first = again ? points.find((p) => p.phase === 'baseline') : undefined;
  // A re-measurement that failed says nothing about the machine's speed: left out.
  const baselines = points.filter((p) => p.kind === 'sequential' && p !== first && !(p.phase === 'rebaseline' && p !== again));
  if (!again || !first) return { baselines };
  return { baselines, replaced: { slower: Math.max(0, 1 - first.tp.throughputPerSec / again.tp.throughputPerSec) } };
}

export function combineBaselines(tps: { throughputPerSec: number; ci: [number, number]; noisy: boolean }[]): Estimate & { drift: number } {
  if (tps.length === 0) return { value: 0, ci: [0, 0], noisy: true, drift: 0 };
  const values = tps.map((t) => t.throughputPerSec);
  const value = values.reduce((a, b) => a + b, 0) / values.length;
  const drift = value > 0 ? (Math.max(...values) - Math.min(...values)) / value : 0;
  return {
    value,
    ci: [Math.min(...tps.map((t) => t.ci[0])), Math.max(...tps.map((t) => t.ci[1]))],
    noisy: tps.some((t) => t.noisy) || drift > BASELINE_DRIFT,
    drift,
  };
}

/**
 * How fast a sequential window's weight in a point's baseline falls with its distance in
 * time from the point's window: a Gaussian of this width (ms). A reference measured right
 * after a point outweighs the start baseline 1.5 s away about 7 to 1 per call.
 */
export const REFERENCE_REACH_MS = 750;

/**
 * The baseline one point's speedup divides by: every sequential window, weighted by its
 * calls and by how close in time it ran to the point's windows (REFERENCE_REACH_MS).
 * The machine's speed drifts by up to 20% within seconds here, and a JIT-heavy baseline
 * keeps speeding up after its warm-up cap; a point divided by one start baseline carried
 * both. With the sequential reference windows the ladder session measures after each
 * point, a point is compared with the machine as it was while the point ran. With no
 * window near enough to weigh anything, the profile's mean baseline (`fallback`).
 */
export function localBaseline(windows: [number, number][], baselines: MeasuredPoint[], fallback: Estimate): Estimate {
  let total = 0;
  let value = 0;
  let lo = 0;
  let hi = 0;
  let noisyWeight = 0;
  for (const [from, to] of windows) {
    const mid = (from + to) / 2;
    const span = Math.max(1, to - from);
    for (const b of baselines) {
      if (!(b.tp.throughputPerSec > 0)) continue;
      const dt = (mid - (b.samples.startMs + b.samples.endMs) / 2) / REFERENCE_REACH_MS;
      const w = span * Math.max(1, b.samples.taskEndMs.length) * Math.exp(-0.5 * dt * dt);
      total += w;
      value += w * b.tp.throughputPerSec;
      lo += w * b.tp.ci[0];
      hi += w * b.tp.ci[1];
      if (b.tp.noisy) noisyWeight += w;
    }
  }
  if (!(total > 1e-12)) return fallback;
  return { value: value / total, ci: [lo / total, hi / total], noisy: noisyWeight > total / 2 };
}

export function mergeSamples(all: PointSamples[]): PointSamples {
  const [head, ...rest] = all;
  const merged: PointSamples = { ...head, taskStartMs: [...head.taskStartMs], taskEndMs: [...head.taskEndMs], taskCpuMs: [...head.taskCpuMs], taskOk: [...head.taskOk], errors: [...head.errors] };
  // Plain loops, not push(...xs): a tiny function leaves 100k+ samples, past the spread limit.
  for (const s of rest) {
    for (let i = 0; i < s.taskEndMs.length; i++) {
      merged.taskStartMs.push(s.taskStartMs[i]);
      merged.taskEndMs.push(s.taskEndMs[i]);
      merged.taskCpuMs.push(s.taskCpuMs[i]);
      merged.taskOk.push(s.taskOk[i]);
    }
    for (const e of s.errors) merged.errors.push(e);
    merged.abandoned += s.abandoned;
    merged.endMs = s.endMs;
    if (s.transientCalls) merged.transientCalls = (merged.transientCalls ?? 0) + s.transientCalls;
  }
  if (all.some((s) => s.taskRunQueueMs)) {
    merged.taskRunQueueMs = [];
    for (const s of all) for (let i = 0; i < s.taskEndMs.length; i++) merged.taskRunQueueMs.push(s.taskRunQueueMs?.[i] ?? NaN);
  }
  return merged;
}

/**
 * A point's windows' total length, the cores' mean busy share over them (weighted by
 * length), and the cores that share keeps busy beyond the background load measured
 * before the profile.
 */
export function machineBusy(sampler: CpuSampler, windows: [number, number][], cores: number, background: BackgroundLoad): { windowMs: number; utilization: number; busyCores: number } {
  const windowMs = windows.reduce((a, [from, to]) => a + Math.max(0, to - from), 0);
  const utilization =
    windowMs > 0 ? windows.reduce((a, [from, to]) => a + sampler.utilizationBetween(from, to) * Math.max(0, to - from), 0) / windowMs : 0;
  return { windowMs, utilization, busyCores: Math.max(0, utilization * cores - background.busyCores) };
}

export function toRunResult(
  kind: ExecutorKind,
  k: number,
  s: PointSamples,
  windows: [number, number][],
  tp: Estimate,
  baseline: Estimate,
  sampler: CpuSampler,
  background: BackgroundLoad,
  cores: number,
): RunResult {
  const n = s.taskEndMs.length;
  const cpuMsPerTask = cpuMsPerTaskOf(s);
  const cpuRatio = cpuRatioOf(s);
  const failed = s.taskOk.filter((ok) => !ok).length;
  const { windowMs, utilization, busyCores } = machineBusy(sampler, windows, cores, background);
  const sequential = kind === 'sequential';
  const speedup = sequential ? 1 : baseline.value > 0 ? tp.value / baseline.value : 0;
  const speedupCi: [number, number] = sequential || baseline.value <= 0 ? [1, 1] : ratioCi({ value: tp.value, ci: tp.ci }, baseline);
  const run: RunResult = {
    executor: kind,
    concurrency: k,
    tasks: n,
    wallMs: round1(windowMs),
    throughputPerSec: round3(tp.value),
    speedup: round3(speedup),
    speedupCi: [round3(speedupCi[0]), round3(speedupCi[1])],
    noisy: tp.noisy,
    cpuMsPerTask: cpuMsPerTask == null ? null : round3(cpuMsPerTask),
    cpuRatio: cpuRatio == null ? null : round3(cpuRatio),
    cpuSource: s.cpuSource,
    coreUtilization: round3(utilization),
    busyCores: round3(busyCores),
    errors: runErrors(failed, n, mergeErrorSamples(s.errors)),
  };
  if (s.eventLoopUtilization !== undefined) run.eventLoopUtilization = round3(s.eventLoopUtilization);
  if (s.serialization) run.serialization = s.serialization;
  if (s.note) run.note = s.note;
  if (s.distributed) run.distributed = s.distributed;
  if (s.transientCalls) run.transientCalls = s.transientCalls;
  return run;
}

/** Mean CPU per call of the calls whose CPU was read; null when none was. */
export function cpuMsPerTaskOf(s: Pick<PointSamples, 'taskCpuMs'>): number | null {
  const cpu = s.taskCpuMs.filter((x) => Number.isFinite(x));
  return cpu.length ? cpu.reduce((a, b) => a + b, 0) / cpu.length : null;
}

/**
 * CPU time ÷ wall time of a point's calls, in the threads that ran them, or null when
 * no call had a CPU reading. Time spent runnable but queued behind other work is
 * neither compute nor waiting: it is left out, so a busy machine does not make
 * CPU-bound calls look half idle.
 */
export function cpuRatioOf(s: PointSamples): number | null {
  let cpu = 0;
  let wall = 0;
  let seen = 0;
  for (let i = 0; i < s.taskEndMs.length; i++) {
    const c = s.taskCpuMs[i];
    if (!Number.isFinite(c)) continue;
    const w = s.taskEndMs[i] - s.taskStartMs[i];
    const q = s.taskRunQueueMs?.[i];
    cpu += c;
    wall += w - (q !== undefined && Number.isFinite(q) ? Math.min(Math.max(0, q), w) : 0);
    seen++;
  }
  return seen && wall > 0 ? Math.min(1, cpu / wall) : null;
}

/** Counted failures; a run with no counted call still shows the failures its warm-up met. */
function runErrors(failed: number, tasks: number, samples: ErrorSample[]): RunResult['errors'] {
  if (tasks === 0) {
    const count = samples.reduce((a, e) => a + e.count, 0);
    return { count, rate: count > 0 ? 1 : 0, samples };
  }
  return { count: failed, rate: round3(failed / tasks), samples };
}

export function mergeErrorSamples(samples: ErrorSample[]): ErrorSample[] {
  const byKey = new Map<string, ErrorSample>();
  for (const e of samples) {
    const key = `${e.kind}\u0000${e.message}`;
    const seen = byKey.get(key);
    if (seen) seen.count += e.count;
    else byKey.set(key, { ...e });
  }
  return [...byKey.values()];
}

export function mergeOutput(parts: (Report['output'] | undefined)[], max: number): Report['output'] | undefined {
  const present = parts.filter((p): p is NonNullable<Report['output']> => !!p);
  if (!present.length) return undefined;
  let stdout = '';
  let stderr = '';
  let truncated = false;
  for (const p of present) {
    stdout += p.stdout;
    stderr += p.stderr;
    truncated ||= p.truncated;
  }
  if (stdout.length > max) {
    stdout = stdout.slice(0, max);
    truncated = true;
  }
  if (stderr.length > max) {
    stderr = stderr.slice(0, max);
    truncated = true;
  }
  return stdout || stderr || truncated ? { stdout, stderr, truncated } : undefined;
}

/**
 * The report's runs from every measured point: one sequential row from the baselines
 * (the first one dropped when it was measured again, see baselinePoints), then one row
 * per executor and K in ladder order. What weakens the baseline goes into `caveats`.
 */
export function runsOf(
  points: MeasuredPoint[],
  kinds: ExecutorKind[],
  m: { sampler: CpuSampler; background: BackgroundLoad; cores: number },
  caveats: Finding[],
): RunResult[] {
  const { baselines, replaced } = baselinePoints(points);
  if (replaced) {
    caveats.push({ level: 'info', code: 'baseline-replaced', data: { slower: round3(replaced.slower) } });
  }
  const baseline = combineBaselines(baselines.map((p) => p.tp));
  // With reference windows beside the points, each speedup already divides by the
  // machine's speed of its moment: the drift is worth knowing, not a warning.
  const referenced = baselines.some((p) => p.phase === 'reference');
  if (baseline.drift > BASELINE_DRIFT) {
    caveats.push({ level: referenced ? 'info' : 'warning', code: 'baseline-drift', data: { drift: round3(baseline.drift), referenced: referenced ? 1 : 0 } });
  }
  const setAside = points.filter((p) => p.setAside);
  if (setAside.length) {
    caveats.push({
      level: 'info',
      code: 'windows-set-aside',
      data: { points: encodePoints(setAside.map((p) => ({ executor: p.kind, concurrency: p.k }))), slower: setAside.map((p) => round3(p.setAside!.slower)).join(',') },
    });
  }
  const runs: RunResult[] = [];
  if (baselines.length) {
    const merged = mergeSamples(baselines.map((p) => p.samples));
    runs.push(toRunResult('sequential', 1, merged, baselines.map((p) => [p.samples.startMs, p.samples.endMs]), baseline, baseline, m.sampler, m.background, m.cores));
  }
  const others = points.filter((x) => x.kind !== 'sequential').sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || a.k - b.k);
  for (const p of others) {
    const tp = { value: p.tp.throughputPerSec, ci: p.tp.ci, noisy: p.tp.noisy };
    runs.push(toRunResult(p.kind, p.k, p.samples, p.windows, tp, localBaseline(p.windows, baselines, baseline), m.sampler, m.background, m.cores));
  }
  return runs;
}
