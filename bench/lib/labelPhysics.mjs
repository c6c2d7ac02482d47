// The verdict that bare-pool measurements alone support (bench/checkLabels.mjs), and
// whether each field of a label agrees with it. Rules:
//   kind      process CPU ÷ wall of sequential calls: ≥ 0.7 cpu-bound, ≤ 0.3 io-bound, else mixed
//   executor  one of the label's executors comes within 10% of the best speedup measured,
//             and that speedup beats sequential by 10%; or nothing beats sequential by
//             10% and the label says 'sequential'
//   gil       Python, CPU-bound: threads × cores ≥ 1.4× = released, ≤ 1.15× = held;
//             not-applicable for work that is not CPU-bound, or already parallel inside
//             (flat threads then say nothing of the GIL)
//   offloadedCpu  process CPU ≥ 0.7 of wall while the calling thread is ≤ 0.3 busy: its event
//             loop's utilisation in JS, its own CPU clock in Python
//   tinyTasks every pool is slower than sequential
//   parallelInside  one call at a time keeps more than 1.3 cores busy: process CPU ÷ wall of
//             sequential calls above 1.3 (the engine's PARALLEL_INSIDE_CORES)
//
// `m`: { cpuRatio, elu? (JS), threadCpuRatio? (Python), speedups: { 'thread×2': 1.9, 'async×16': 15.2, ... } }

/** Process CPU ÷ wall of sequential calls above which one call runs parallel inside (the engine's PARALLEL_INSIDE_CORES). */
const PARALLEL_INSIDE_CPU = 1.3;

/** The verdict the measurements alone support, and whether each labelled field agrees. */
export function judge(l, m) {
  const inside = m.cpuRatio > PARALLEL_INSIDE_CPU;
  const kind = m.cpuRatio >= 0.7 ? 'cpu-bound' : m.cpuRatio <= 0.3 ? 'io-bound' : 'mixed';
  const entries = Object.entries(m.speedups);
  const best = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
  const byExecutor = {};
  for (const [k, v] of entries) {
    const ex = k.split('×')[0];
    byExecutor[ex] = Math.max(byExecutor[ex] ?? 0, v);
  }
  const checks = {};
  if (l.kind) checks.kind = kind === l.kind;
  if (l.executor) checks.executor = best[1] >= 1.1 ? l.executor.some((ex) => (byExecutor[ex] ?? 0) >= 0.9 * best[1]) : l.executor.includes('sequential');
  if (l.gil) {
    const t = byExecutor.thread ?? 0;
    const gil = kind !== 'cpu-bound' || inside ? 'not-applicable' : t >= 1.4 ? 'released' : t <= 1.15 ? 'held' : 'unclear';
    checks.gil = gil === l.gil;
  }
  if (l.offloadedCpu !== undefined) checks.offloadedCpu = (m.cpuRatio >= 0.7 && (m.elu ?? m.threadCpuRatio) <= 0.3) === l.offloadedCpu;
  if (l.parallelInside !== undefined) checks.parallelInside = inside === l.parallelInside;
  if (l.tinyTasks !== undefined) checks.tinyTasks = entries.every(([, v]) => v < 1) === l.tinyTasks;
  return { kind, best: `${best[0]} ${best[1].toFixed(2)}×`, checks };
}
