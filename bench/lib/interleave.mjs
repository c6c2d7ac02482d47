// Ours against a bare pool in alternating rounds, both pools kept warm for the whole
// figure. Each round runs one window on each side, back to back (the order alternates,
// so a drift in load favours neither), and gives one ratio; the figure is the median
// ratio. Rounds are added until the figure is stable: the median ratio of one half of
// the rounds and of the other half agree within `agreeWithin` (two halves of one run
// stand for two runs) AND the 95% interval of the median is within ±2×agreeWithin of it
// (a lucky agreement of two noisy halves is not enough), or until `maxRounds` / the
// bench's deadline; `stable` in the summary says which.
import { withLoad } from './load.mjs';
import { median } from './stats.mjs';

/**
 * @param ours  () => Promise<number>  µs per task of one window on our executor
 * @param bare  () => Promise<number>  µs per task of one window on the bare pool
 * @returns reps (one per round, for makeFigure) and the stability summary
 */
export async function interleave(ctx, id, { ours, bare, minRounds, maxRounds, agreeWithin = 0.05 }) {
  // One untimed window each: the first window after a pool starts is not representative.
  await ours();
  await bare();
  const reps = [];
  let summary;
  for (let r = 0; r < maxRounds; r++) {
    if (r >= minRounds && ctx.pastDeadline()) break;
    const { value, load } = await withLoad(async () => {
      if (r % 2 === 0) {
        const o = await ours();
        return { oursUs: o, bareUs: await bare() };
      }
      const b = await bare();
      return { oursUs: await ours(), bareUs: b };
    });
    reps.push({ value: value.oursUs / value.bareUs, ...value, load });
    summary = stability(reps.map((x) => x.value));
    summary.stable = summary.halfGap <= agreeWithin && summary.ciHalfWidth <= 2 * agreeWithin;
    if (reps.length >= minRounds && summary.stable) break;
  }
  ctx.log(
    `  ${id}: ${reps.length} rounds, median ${summary.median.toFixed(3)}×, halves ${summary.halves.map((h) => h.toFixed(3)).join(' / ')} ` +
      `(gap ${(summary.halfGap * 100).toFixed(1)}%), 95% CI ${summary.ci.map((c) => c.toFixed(3)).join('–')}${summary.stable ? '' : ' — NOT STABLE (too noisy)'}`,
  );
  return { reps, summary };
}

/**
 * Median of the per-round ratios; the medians of two halves (rounds paired two by two,
 * pairs dealt alternately to each half, so both halves hold both orders); their gap
 * relative to the median; and a 95% interval of the median (order statistics).
 */
export function stability(xs) {
  const m = median(xs);
  const a = [];
  const b = [];
  xs.forEach((x, i) => (Math.floor(i / 2) % 2 === 0 ? a : b).push(x));
  const halves = [median(a), median(b.length ? b : a)];
  const ci = medianCi(xs);
  return { median: m, halves, halfGap: Math.abs(halves[0] - halves[1]) / m, ci, ciHalfWidth: (ci[1] - ci[0]) / 2 / m, rounds: xs.length };
}

/** Distribution-free 95% interval of a median: the order statistics n/2 ± 0.98·√n. */
function medianCi(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const n = s.length;
  const half = 0.98 * Math.sqrt(n);
  const lo = Math.max(0, Math.floor(n / 2 - half));
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half) - 1);
  return [s[lo], s[hi]];
}
