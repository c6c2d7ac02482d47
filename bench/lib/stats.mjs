// Summaries of repeated measurements. Medians, because one repetition disturbed by a
// neighbour's build should not move the figure; min and max show how far it can move.
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2;
}

export function summarize(xs) {
  const s = xs.filter((x) => Number.isFinite(x));
  if (!s.length) return { median: null, min: null, max: null, n: 0 };
  return { median: median(s), min: Math.min(...s), max: Math.max(...s), n: s.length };
}
