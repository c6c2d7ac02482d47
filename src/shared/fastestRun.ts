// The fastest of a set of runs by speedup, the first one on a tie: the recommendation,
// its physics rules and the scaling chart all pick a best point this way.
export function fastestRun<T extends { speedup: number }>(runs: readonly T[]): T {
  if (!runs.length) throw new Error('fastestRun: no runs to choose from');
  return runs.reduce((a, b) => (b.speedup > a.speedup ? b : a));
}
