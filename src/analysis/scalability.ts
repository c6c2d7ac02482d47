// The Universal Scalability Law (Gunther): X(N) = λN / (1 + σ(N−1) + κN(N−1)).
// σ is contention (a serial share, as in Amdahl's law), κ coherency (a cost each pair of
// workers pays, which makes throughput turn down past N* = √((1−σ)/κ)). Fitted per
// ladder by least squares on relative residuals, over a fixed grid refined twice, so the
// same points always give the same fit. docs/model.md, "Scalability model".
import type { ExecutorKind, RunResult, ScalingFit, ScalingProjection, WorkloadKind } from '../shared/report';
import { cpuLimited, type Evidence } from './evidence';
import { speedupCeiling } from './recommend';
import { round3 } from '../shared/rounding';

/** Machines the projection is made for. */
export const PROJECTION_CORES = [8, 16, 64];
/** The knee: the smallest N whose fitted throughput is within this share of the maximum. */
const KNEE_SHARE = 0.95;
/** The search box: σ ∈ [0, 1], κ ∈ {0} ∪ [1e-6, 1]. */
const BOUNDS = { sigmaMax: 1, kappaMin: 1e-6, kappaMax: 1 } as const;

export interface UslParams {
  lambda: number;
  sigma: number;
  kappa: number;
  /** Relative RMS error over the fitted points. */
  rms: number;
}

/** Throughput of one worker's share of N: N / (1 + σ(N−1) + κN(N−1)). */
export function uslShape(n: number, sigma: number, kappa: number): number {
  return n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/**
 * Least squares on relative residuals (1 − X̂/X), so a slow point weighs as much as a
 * fast one. For given σ, κ the best λ has a closed form, Σ(g/X) / Σ(g/X)²; σ and κ are
 * searched on a grid (κ on a log scale), then on two finer grids around the best cell.
 * `amdahl` fixes κ = 0 (two points cannot pin down three parameters).
 */
export function fitUsl(points: { n: number; x: number }[], amdahl = false): UslParams | undefined {
  const pts = points.filter((p) => p.n >= 1 && p.x > 0 && Number.isFinite(p.x));
  if (pts.length < 2) return undefined;
  const evaluate = (sigma: number, kappa: number): UslParams => {
    let a = 0;
    let b = 0;
    for (const p of pts) {
      const r = uslShape(p.n, sigma, kappa) / p.x;
      a += r;
      b += r * r;
    }
    const lambda = a / b;
    let sq = 0;
    for (const p of pts) sq += (1 - (lambda * uslShape(p.n, sigma, kappa)) / p.x) ** 2;
    return { lambda, sigma, kappa, rms: Math.sqrt(sq / pts.length) };
  };
  const kappas = amdahl ? [0] : [0, ...Array.from({ length: 41 }, (_, i) => BOUNDS.kappaMin * Math.pow(10, (i * 6) / 40))];
  let best = evaluate(0, 0);
  for (let i = 0; i <= 100; i++) {
    for (const k of kappas) {
      const c = evaluate((i / 100) * BOUNDS.sigmaMax, k);
      if (c.rms < best.rms - 1e-12) best = c;
    }
  }
  let sStep = BOUNDS.sigmaMax / 100;
  let kFactor = Math.pow(10, 6 / 40);
  for (let round = 0; round < 2; round++) {
    sStep /= 10;
    kFactor = Math.sqrt(kFactor);
    const centre = best;
    for (let i = -10; i <= 10; i++) {
      const s = Math.min(BOUNDS.sigmaMax, Math.max(0, centre.sigma + i * sStep));
      const ks = amdahl || centre.kappa === 0 ? [centre.kappa] : [-2, -1, 0, 1, 2].map((j) => Math.min(BOUNDS.kappaMax, centre.kappa * Math.pow(kFactor, j)));
      for (const k of ks) {
        const c = evaluate(s, k);
        if (c.rms < best.rms - 1e-12) best = c;
      }
    }
  }
  return best;
}

export function peakOf(sigma: number, kappa: number): number | null {
  if (kappa <= 0) return null;
  return sigma >= 1 ? 1 : Math.sqrt((1 - sigma) / kappa);
}

/** Smallest N within KNEE_SHARE of the fitted maximum (or of the asymptote λ/σ); undefined while still linear. */
export function kneeOf(sigma: number, kappa: number): number | undefined {
  const peak = peakOf(sigma, kappa);
  let top: number;
  if (peak != null) top = uslShape(peak, sigma, kappa);
  else if (sigma > 0) top = 1 / sigma;
  else return undefined;
  const limit = peak != null ? Math.max(1, Math.ceil(peak)) : 1_000_000;
  // X rises monotonically up to the peak, so a binary search finds the first N over the line.
  let lo = 1;
  let hi = limit;
  if (uslShape(hi, sigma, kappa) < KNEE_SHARE * top) return undefined;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (uslShape(mid, sigma, kappa) >= KNEE_SHARE * top) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The concurrency that matters on CPU work: min(K, cores) for pools (one call per worker,
 * wherever it spends its CPU) and 1 for async in the calling thread, so points beyond it
 * only measure taking turns and stay out of the fit.
 */
function concurrencyLimit(ev: Evidence, kind: WorkloadKind, executor: ExecutorKind): number {
  if (kind !== 'cpu-bound') return Infinity;
  if (executor === 'async') return cpuLimited(ev, kind) ? 1 : Infinity;
  return ev.cores;
}

/** A point whose 95% interval's half-width exceeds this share of its speedup is too noisy to fit. */
export const FIT_MAX_HALF_WIDTH = 0.3;

export function scalingFits(ev: Evidence, kind: WorkloadKind): ScalingFit[] {
  const out: ScalingFit[] = [];
  const seqTp = ev.seq?.throughputPerSec;
  for (const executor of ['async', 'thread', 'process'] as ExecutorKind[]) {
    const summary = ev.byKind[executor];
    if (!summary) continue;
    const limit = concurrencyLimit(ev, kind, executor);
    const runs = summary.runs.filter((r) => r.concurrency <= limit);
    // Throughputs as the speedups say, at the sequential run's speed: each speedup divides
    // by the sequential windows measured next to its point, so the machine's drift between
    // points stays out of the fit.
    // A point above what its K workers can give (speedupCeiling: K calls at a time, the
    // cores for CPU work) read a slow baseline, not scaling: it is fitted at that ceiling.
    // Fitted as read, brotli's child processes at 2.37x on 2 cores gave a superlinear line
    // that projected 8.6x on 8 cores.
    const points = runs.map((r) => ({
      n: r.concurrency,
      x: seqTp && Number.isFinite(r.speedup) ? Math.min(r.speedup, speedupCeiling(ev, r)) * seqTp : r.throughputPerSec,
    }));
    // The sequential run is the same work at N = 1 when the ladder has no K = 1 point.
    if (seqTp && !points.some((p) => p.n === 1)) points.unshift({ n: 1, x: seqTp });
    // A pool measured cold reads its workers' warm-up, not its scaling: no fit, no projection.
    const cold = ev.coldPools.includes(executor);
    // Nor one whose points could be anywhere in a wide interval: brotli's threads x2 at
    // 1.85x [1.18-3.77], one or two calls a window, had given "levels off near 12x, knee
    // at 214" and projections to 64 cores.
    const tooNoisy = !cold && runs.some((r) => (r.speedupCi[1] - r.speedupCi[0]) / 2 > FIT_MAX_HALF_WIDTH * r.speedup);
    const model: ScalingFit['model'] = cold || tooNoisy ? 'none' : points.length >= 3 ? 'usl' : points.length === 2 ? 'amdahl' : 'none';
    const fit = model === 'none' ? undefined : fitUsl(points, model === 'amdahl');
    const used = points.map((p) => p.n).sort((a, b) => a - b);
    if (!fit) {
      const why = cold ? { cold: true } : tooNoisy ? { tooNoisy: true } : {};
      out.push({ executor, sigma: 0, kappa: 0, lambda: 0, peakConcurrency: null, fitted: false, model: 'none', points: used, rmsError: 0, projections: [], ...why });
      continue;
    }
    const base = seqTp ?? fit.lambda;
    const speedupAt = (n: number) => (fit.lambda * uslShape(n, fit.sigma, fit.kappa)) / base;
    const peak = peakOf(fit.sigma, fit.kappa);
    const entry: ScalingFit = {
      executor,
      sigma: round4(fit.sigma),
      kappa: round6(fit.kappa),
      lambda: round3(fit.lambda),
      peakConcurrency: peak == null ? null : Math.round(peak * 10) / 10,
      fitted: true,
      model,
      points: used,
      rmsError: round3(fit.rms),
      projections: projections(ev, kind, executor, fit, peak, speedupAt),
    };
    const knee = kneeOf(fit.sigma, fit.kappa);
    if (knee != null) entry.kneeConcurrency = knee;
    if (model === 'usl') {
      const smoothed = runs.filter((r) => r.noisy && inside(speedupAt(r.concurrency), r)).map((r) => ({
        concurrency: r.concurrency,
        measured: round3(r.speedup),
        fitted: round3(speedupAt(r.concurrency)),
      }));
      if (smoothed.length) entry.smoothed = smoothed;
    }
    out.push(entry);
  }
  return out;
}

/**
 * Bigger machines: only pools whose work needs cores gain from them. A pool of size
 * cores × (1 + wait/compute) (capped at the fitted peak) is assumed; async runs on one
 * thread, and waiting is not limited by cores, so neither gets a projection.
 */
function projections(
  ev: Evidence,
  kind: WorkloadKind,
  executor: ExecutorKind,
  fit: UslParams,
  peak: number | null,
  speedupAt: (n: number) => number,
): ScalingProjection[] {
  if (executor === 'async' || kind === 'io-bound' || ev.offloaded) return [];
  const waitOverCompute = kind === 'cpu-bound' ? 0 : (1 - ev.cpuShare) / Math.max(ev.cpuShare, 0.01);
  return PROJECTION_CORES.map((cores) => {
    let n = Math.max(1, Math.round(cores * (1 + waitOverCompute)));
    if (peak != null) n = Math.max(1, Math.min(n, Math.round(peak)));
    // n workers give at most n× (each one call at a time), however the fit leans.
    return { cores, concurrency: n, speedup: Math.round(Math.min(speedupAt(n), n) * 100) / 100 };
  });
}

function inside(v: number, r: RunResult): boolean {
  return v >= r.speedupCi[0] && v <= r.speedupCi[1];
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
const round6 = (v: number) => Math.round(v * 1_000_000) / 1_000_000;
