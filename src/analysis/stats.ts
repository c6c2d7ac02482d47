// Statistics of closed-loop measurements: throughput with an honest 95% interval, and
// the propagation of those intervals into speedups. Pure and deterministic (the one
// bootstrap uses a fixed seed), so the same samples always give the same report.
// docs/model.md explains the choices.

export function mean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Quantile with linear interpolation between order statistics (R type 7, numpy's default). */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return quantileSorted(sorted, q);
}

function quantileSorted(sorted: number[], q: number): number {
  const clamped = Math.min(1, Math.max(0, q));
  const pos = (sorted.length - 1) * clamped;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Small, fast, seedable PRNG (mulberry32); Math.random would make reports unrepeatable. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A point estimate with its 95% interval. */
export interface Estimate {
  value: number;
  ci: [number, number];
}

/** Relative width (high − low) / value above which a point is flagged noisy: wider than ±10%. */
export const NOISY_RELATIVE_WIDTH = 0.2;
/**
 * Batch means need at least this many batches for a distribution-free interval of the
 * median. Below 10 that interval is the two extreme batches (97-99%, not 95%), and a
 * batch of four calls swings with one GC pause: a pool point of 31 warm 30 ms calls read
 * [18, 62]/s around 54. Fewer batches fall back to the bootstrap over the calls.
 */
export const MIN_BATCHES = 10;
export const MAX_BATCHES = 20;
/** Each batch should hold about this many tasks' worth of work. */
const TASKS_PER_BATCH = 4;
/** ...and last at least this many median task durations, so neighbouring batches are nearly independent. */
const DURATIONS_PER_BATCH = 2;
const BOOTSTRAP_RESAMPLES = 2000;
const BOOTSTRAP_SEED = 0x5eed;
/** With fewer than two tasks there is no spread to measure; the interval says "unknown" as ±50%. */
const UNKNOWN_RELATIVE_HALF_WIDTH = 0.5;

export interface ThroughputSamples {
  startMs: number;
  endMs: number;
  taskStartMs: number[];
  taskEndMs: number[];
  concurrency: number;
  /**
   * The tasks come from a closed loop: `concurrency` lanes, each starting a task when its
   * last one ended, for the whole window. The rate is then taken where every lane was
   * under way (steadySpan), not over the window's ramps. A crawl, whose frontier starts
   * from one seed, is no closed loop: its ramp is part of its speed.
   */
  closedLoop?: boolean;
}

export interface ThroughputStats {
  throughputPerSec: number;
  ci: [number, number];
  /** Batches (batch means) or tasks (bootstrap) behind the interval. */
  samples: number;
  noisy: boolean;
  method: 'batch-means' | 'bootstrap' | 'single';
}

/**
 * Tasks per second of one closed-loop point.
 *
 * The window runs from the first counted task's start to the last one's end (warm-up
 * tasks are not counted, so the point's own startMs would undercount), or, for a closed
 * loop, over the part of it where every lane was under way (steadySpan). The window is
 * cut into equal sub-windows and each task is credited to them in proportion to how
 * much of its run overlaps each: a sub-window's rate is "tasks' worth of work finished
 * per second" even when completions come in bursts (50 one-second sleeps all end
 * together). With enough tasks the sub-window rates are batch means: their median is
 * the throughput and an order-statistic interval of the median is its 95% interval.
 * With few, slow tasks, a seeded bootstrap over per-task durations gives the interval.
 */
export function throughputStats(s: ThroughputSamples): ThroughputStats {
  const n = Math.min(s.taskStartMs.length, s.taskEndMs.length);
  if (n === 0) return { throughputPerSec: 0, ci: [0, 0], samples: 0, noisy: true, method: 'single' };

  let first = Infinity;
  let last = -Infinity;
  const durations: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = s.taskStartMs[i];
    const b = Math.max(a, s.taskEndMs[i]);
    first = Math.min(first, a);
    last = Math.max(last, b);
    durations.push(b - a);
  }
  if (Number.isFinite(s.startMs) && s.startMs > first) first = Math.min(s.startMs, last);
  const medianDuration = median(durations);
  if (s.closedLoop) [first, last] = steadySpan(s, n, first, last, medianDuration);
  const span = last - first;
  // Tasks that started before the window opened (a transient cut off at startMs, see
  // settleWindow) count for the share of their run inside it.
  let work = 0;
  for (let i = 0; i < n; i++) {
    const a = s.taskStartMs[i];
    const b = Math.max(a, s.taskEndMs[i]);
    if (b <= a) work += a >= first && a <= last ? 1 : 0;
    else work += Math.max(0, Math.min(b, last) - Math.max(a, first)) / (b - a);
  }
  if (!(span > 0)) {
    // Every task finished within the clock's resolution: the rate is unmeasurable, not infinite.
    return { throughputPerSec: 0, ci: [0, 0], samples: n, noisy: true, method: 'single' };
  }
  const overall = (work * 1000) / span;

  if (n < 2) {
    const h = UNKNOWN_RELATIVE_HALF_WIDTH;
    return { throughputPerSec: overall, ci: [overall * (1 - h), overall * (1 + h)], samples: 1, noisy: true, method: 'single' };
  }

  const byDuration = medianDuration > 0 ? Math.floor(span / (DURATIONS_PER_BATCH * medianDuration)) : MAX_BATCHES;
  const batches = Math.min(MAX_BATCHES, Math.floor(work / TASKS_PER_BATCH), byDuration);

  if (batches >= MIN_BATCHES) {
    const rates = batchRates(s.taskStartMs, s.taskEndMs, n, first, span, batches).sort((a, b) => a - b);
    const k = medianCiRank(batches);
    const value = quantileSorted(rates, 0.5);
    const ci: [number, number] = [rates[k - 1], rates[batches - k]];
    return { throughputPerSec: value, ci, samples: batches, noisy: isNoisy(value, ci), method: 'batch-means' };
  }

  const ci = atLeastSmallSampleWidth(overall, bootstrapThroughputCi(overall, durations), n);
  return { throughputPerSec: overall, ci, samples: n, noisy: isNoisy(overall, ci), method: 'bootstrap' };
}

/**
 * The part of a closed loop's window in which all its lanes were under way and settled:
 * from the K-th task start (every lane has started), and no sooner than a median call
 * after the first (calls that began together have left the queue they formed), to the
 * K-th latest task end (no lane has run out yet), K the concurrency. Over the whole
 * window, from the first start to the last end, the lanes that finished early and the
 * ones still starting count as idle time: 128 calls in flight on a client of 8
 * connections (20 ms each, 320 ms in the queue) read 5.3× where 8× was right, and K = 2
 * pools with 2-3 calls a lane read 3-5% low. The first median call is left out because
 * calls started together queue: the first ones waited less, and credited by their
 * shorter runs they read fast (when warm-up calls held the queue at the start, the K-th
 * start comes later anyway). Kept only when it spans at least half a median call (a
 * lane's calls follow one another, so every lane is under way between those two
 * instants, however few calls each made); else the whole window, as before.
 */
function steadySpan(s: ThroughputSamples, n: number, first: number, last: number, medianDuration: number): [number, number] {
  const k = Math.max(1, Math.round(s.concurrency));
  if (k < 2 || n <= k) return [first, last];
  const from = Math.max(first + medianDuration, s.taskStartMs.slice(0, n).sort((a, b) => a - b)[k - 1]);
  const to = Math.min(last, s.taskEndMs.slice(0, n).map((e, i) => Math.max(e, s.taskStartMs[i])).sort((a, b) => b - a)[k - 1]);
  return to - from >= Math.max(medianDuration / 2, 1e-9) ? [from, to] : [first, last];
}

function batchRates(starts: number[], ends: number[], n: number, t0: number, span: number, batches: number): number[] {
  const width = span / batches;
  const work = new Array<number>(batches).fill(0);
  for (let i = 0; i < n; i++) {
    const a = starts[i];
    const b = Math.max(a, ends[i]);
    const d = b - a;
    if (d <= 0) {
      if (b < t0 || b > t0 + span) continue;
      // An instantaneous task counts whole in the batch where it ended.
      work[Math.min(batches - 1, Math.max(0, Math.floor((b - t0) / width)))] += 1;
      continue;
    }
    const fromBatch = Math.max(0, Math.floor((a - t0) / width));
    const toBatch = Math.min(batches - 1, Math.floor((b - t0) / width));
    for (let j = fromBatch; j <= toBatch; j++) {
      const lo = Math.max(a, t0 + j * width);
      const hi = Math.min(b, t0 + (j + 1) * width);
      if (hi > lo) work[j] += (hi - lo) / d;
    }
  }
  return work.map((w) => (w * 1000) / width);
}

/**
 * Rank k such that [x(k), x(n+1−k)] covers the median with at least 95% probability,
 * from the binomial(n, ½) distribution of how many samples fall below the median.
 * n = 10 gives [x(2), x(9)] (97.9%); n = 20 gives [x(6), x(15)] (95.9%).
 */
export function medianCiRank(n: number): number {
  let k = 1;
  while (k + 1 <= n / 2 && binomialHalfCdf(n, k) <= 0.025) k++;
  return k;
}

function binomialHalfCdf(n: number, k: number): number {
  let c = 1;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += c;
    c = (c * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}

/**
 * Few, slow tasks: the rate is n / window, and its uncertainty is that of the mean task
 * duration. Resampling durations (seeded) gives the spread of mean(d)/mean(d*), which
 * scales the rate into an interval.
 */
function bootstrapThroughputCi(rate: number, durations: number[]): [number, number] {
  const m = mean(durations);
  if (!(m > 0)) return [rate, rate];
  const rand = mulberry32(BOOTSTRAP_SEED + durations.length);
  const ratios: number[] = [];
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    let s = 0;
    for (let i = 0; i < durations.length; i++) s += durations[Math.floor(rand() * durations.length)];
    const mb = s / durations.length;
    ratios.push(mb > 0 ? m / mb : 1);
  }
  ratios.sort((a, b) => a - b);
  return [rate * quantileSorted(ratios, 0.025), rate * quantileSorted(ratios, 0.975)];
}

/**
 * A bootstrap over a handful of calls has a handful of distinct resamples (3 for two
 * calls, 126 for five), and two calls that happen to agree give an interval of ±1%. A
 * shared machine drifts by 20% and more within seconds, so a few calls cannot pin a rate
 * that closely: a GIL-held statistics.pstdev read threads ×2 at 1.66× in [1.64×, 1.68×]
 * from two calls per point, over a two-call baseline taken while the machine ran slow,
 * and the answer was "threads". Below SMALL_SAMPLE_TASKS calls the interval is at least
 * ±SMALL_SAMPLE_HALF_WIDTH / √n: ±18% for two calls, ±11% for five. (±50% / √n, the
 * one-call width, also turned right "processes" answers on 80-140 ms calls at 6 s, whose
 * windows hold 2-6 calls, into "undecided".)
 */
export const SMALL_SAMPLE_TASKS = 6;
export const SMALL_SAMPLE_HALF_WIDTH = 0.25;

function atLeastSmallSampleWidth(value: number, ci: [number, number], n: number): [number, number] {
  if (n >= SMALL_SAMPLE_TASKS || !(value > 0)) return ci;
  const h = SMALL_SAMPLE_HALF_WIDTH / Math.sqrt(n);
  return [Math.min(ci[0], value * (1 - h)), Math.max(ci[1], value * (1 + h))];
}

export function isNoisy(value: number, ci: [number, number]): boolean {
  if (!(value > 0)) return true;
  return (ci[1] - ci[0]) / value > NOISY_RELATIVE_WIDTH;
}

/**
 * Interval of num/den. The two measurements are independent, so their errors add in
 * quadrature on the log scale (delta method), each side separately because the
 * intervals need not be symmetric: the ratio's low end combines num's downward error
 * with den's upward error, and vice versa.
 */
export function ratioCi(num: Estimate, den: Estimate): [number, number] {
  if (!(den.value > 0) || !(num.value > 0)) {
    const hi = den.ci[0] > 0 ? num.ci[1] / den.ci[0] : 0;
    return [0, Number.isFinite(hi) ? hi : 0];
  }
  const r = num.value / den.value;
  const logErr = (a: number, b: number) => (a > 0 && b > 0 ? Math.abs(Math.log(a / b)) : Infinity);
  const down = Math.hypot(logErr(num.value, num.ci[0]), logErr(den.ci[1], den.value));
  const up = Math.hypot(logErr(num.ci[1], num.value), logErr(den.value, den.ci[0]));
  const lo = Number.isFinite(down) ? r * Math.exp(-down) : 0;
  // A denominator whose interval reaches zero leaves the top unbounded; JSON has no
  // Infinity, so it is reported as a doubling, which isNoisy flags.
  const hi = Number.isFinite(up) ? r * Math.exp(up) : r * 2;
  return [lo, hi];
}

/**
 * Several independent readings of one quantity, read together: a weighted mean on the log
 * scale, each reading weighted by the inverse of its interval's squared log half-widths
 * (the narrower, the heavier), and each side of the interval narrowed in quadrature, as
 * ratioCi widens them. A reading whose interval has no width on a side counts as a
 * MIN_LOG_ERROR one, so that no one window outweighs all the others.
 */
export function pooledEstimate(parts: Estimate[]): Estimate {
  const usable = parts.filter((p) => p.value > 0 && p.ci[0] > 0 && p.ci[1] >= p.value && p.ci[0] <= p.value);
  if (!usable.length) return parts[0];
  let sumW = 0;
  let sumLog = 0;
  let invDown = 0;
  let invUp = 0;
  for (const p of usable) {
    const down = Math.max(Math.log(p.value / p.ci[0]), MIN_LOG_ERROR);
    const up = Math.max(Math.log(p.ci[1] / p.value), MIN_LOG_ERROR);
    const w = 1 / (down * up);
    sumW += w;
    sumLog += w * Math.log(p.value);
    invDown += 1 / (down * down);
    invUp += 1 / (up * up);
  }
  const value = Math.exp(sumLog / sumW);
  return { value, ci: [value * Math.exp(-1 / Math.sqrt(invDown)), value * Math.exp(1 / Math.sqrt(invUp))] };
}
/** The narrowest log half-width a reading's interval counts for in pooledEstimate (1%). */
export const MIN_LOG_ERROR = 0.01;

/** num/den with its interval (see ratioCi). */
export function ratioEstimate(num: Estimate, den: Estimate): Estimate {
  const value = den.value > 0 ? num.value / den.value : 0;
  return { value, ci: ratioCi(num, den) };
}

/** MSER needs at least this many observations; with fewer, nothing is cut. */
export const MSER_MIN_OBSERVATIONS = 10;
/** A cut start must be this much slower (median call time) than the rest (mserCut). */
export const TRANSIENT_SLOWER = 0.1;
/**
 * Longer series are left as they are: their throughput is the median of 20 batch rates,
 * which a slow start of a few percent of the calls hardly moves, and sorting the 300,000
 * calls of a 5 µs function's window took 0.75 s of its budget at every point.
 */
export const MSER_MAX_OBSERVATIONS = 2000;
/** From this many observations on, MSER works on means of five (MSER-5). */
const MSER_BATCH_FROM = 100;
const MSER_BATCH = 5;

/**
 * How many leading observations of a series are start-up transient, by MSER (White's
 * Marginal Standard Error Rule; MSER-5 on long series): the cut d, at most half the
 * series, that minimises the squared standard error of the mean of what is left,
 * Σ_{i>d} (x_i − x̄_d)² / (n − d)². A warm series has its minimum at 0 or a few
 * observations in; a series still settling (a JIT tier-up, a heap still growing) has it
 * where the early, slower observations end. Here the observations are call times, so
 * only a cut whose observations are slower on average than the rest counts. 0 below
 * MSER_MIN_OBSERVATIONS and above MSER_MAX_OBSERVATIONS.
 */
export function mserCut(xs: number[]): number {
  const batch = xs.length >= MSER_BATCH_FROM ? MSER_BATCH : 1;
  const nb = Math.floor(xs.length / batch);
  if (xs.length < MSER_MIN_OBSERVATIONS || xs.length > MSER_MAX_OBSERVATIONS || nb < 2) return 0;
  const y: number[] = [];
  for (let j = 0; j < nb; j++) {
    let sum = 0;
    for (let i = j * batch; i < (j + 1) * batch; i++) sum += xs[i];
    y.push(sum / batch);
  }
  // Suffix sums of y and y², so every candidate cut costs O(1).
  const sum = new Array<number>(nb + 1).fill(0);
  const sq = new Array<number>(nb + 1).fill(0);
  for (let j = nb - 1; j >= 0; j--) {
    sum[j] = sum[j + 1] + y[j];
    sq[j] = sq[j + 1] + y[j] * y[j];
  }
  let best = Infinity;
  let cut = 0;
  for (let d = 0; d <= Math.floor(nb / 2); d++) {
    const m = nb - d;
    const z = Math.max(0, sq[d] - (sum[d] * sum[d]) / m) / (m * m);
    // Only a slow start is a transient: a start faster than the rest is the machine
    // slowing down later (its speed steps by up to 60% here), which MSER alone would
    // read the same way and cut the wrong end of.
    const slowStart = d === 0 || (sum[0] - sum[d]) / d > sum[d] / m;
    // Strictly smaller: a tie keeps the shorter cut.
    if (slowStart && z < best * (1 - 1e-12)) {
      best = z;
      cut = d;
    }
  }
  if (cut === 0) return 0;
  // What MSER cut must be a slow start, not a few slow calls early on: a GC pause or a
  // burst of load among warm calls also lowers the error of what is left once cut off,
  // and cutting it from one point's window but not from a shorter one's (below
  // MSER_MIN_OBSERVATIONS) would favour the longer. So the cut calls' median must be
  // TRANSIENT_SLOWER above the median of the rest.
  const at = cut * batch;
  return median(xs.slice(0, at)) > median(xs.slice(at)) * (1 + TRANSIENT_SLOWER) ? at : 0;
}
