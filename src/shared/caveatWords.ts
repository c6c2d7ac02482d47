// Words for caveat findings: conditions that make the measurement less certain, found
// by the analysis (src/analysis/caveats.ts) or by the engine while it measured (how the
// ladder went: an executor skipped or left out, a baseline measured again, a crash).
import type { ExecutorKind, FindingData } from './report';
import { ms, num, pct, seconds, x } from './format';
import { capitalize, decodePoints, executorName, pointLabels } from './names';
import { has, n, str, type WordingContext } from './reasonWords';

/**
 * Caveats that name the furthest point first and the rest after it: the first point's
 * label, capitalised (`fallback` when there is none), and " (and async ×4, …)" or ''.
 */
function leadAndOthers(points: string, fallback: string): [string, string] {
  const labels = pointLabels(points);
  return [capitalize(labels[0] ?? fallback), labels.length > 1 ? ` (and ${labels.slice(1).join(', ')})` : ''];
}

export const CAVEAT_WORDS: Record<string, (d: FindingData, ctx: WordingContext) => string> = {
  'background-busy': (d) =>
    `Other processes kept ${num(n(d, 'busyCores'))} of ${n(d, 'cores')} cores busy (${pct(n(d, 'utilization'))}) before the run: speedups may read low and the verdict is less certain. Profile again on a quieter machine.`,
  steal: (d) => `Steal time was ${pct(n(d, 'steal'))}: the hypervisor gave this machine's CPU to other guests, so timings vary from run to run.`,
  'noisy-points': (d) =>
    `${n(d, 'count')} of ${n(d, 'total')} points were noisy (95% interval wider than ±10%): ${decodePoints(str(d, 'points'))}.`,
  'run-errors': (d) => {
    const count = n(d, 'count');
    const attempted = n(d, 'attempted');
    return (
      `${decodePoints(str(d, 'point'))}: ${count} of ${attempted} calls ${str(d, 'verb')} (${pct(count / attempted)})` +
      (has(d, 'sampleKind') ? `, e.g. ${str(d, 'sampleKind')}: ${str(d, 'sampleMessage')}` : '') +
      (n(d, 'excluded') === 1 ? '; this run was left out of the verdict.' : '.')
    );
  },
  'few-sequential-calls': (d) => {
    const t = n(d, 'tasks');
    return `Only ${t} sequential ${t === 1 ? 'call' : 'calls'} fit in the window (${ms(n(d, 'callMs'))} each), so intervals are wide; a longer --budget tightens them.`;
  },
  'few-calls': (d) => `Few calls were measured at ${decodePoints(str(d, 'points'))}; a longer --budget tightens those points.`,
  'cold-pool': (d, ctx) =>
    `${capitalize(executorName(str(d, 'executor') as ExecutorKind, ctx.python))} were measured before they had warmed up: after ${n(d, 'calls')} warm-up calls each, a call still took ${ms(n(d, 'lastCallMs'))}, against ${ms(n(d, 'warmCallMs'))} for a warm sequential call, so their speedup reads low. A longer --budget gives them time to settle.`,
  'slow-baseline': (d) => {
    const [lead, others] = leadAndOthers(str(d, 'points'), 'A point');
    return `${lead} read ${x(n(d, 'speedup'))} (its 95% interval starts at ${x(n(d, 'low'))})${others}, more than it can give this work on ${n(d, 'cores')} cores (at most ${x(n(d, 'ceiling'))}): the sequential baseline ran slow (a worker still warming up, or a burst of load), so every speedup here may read high by as much. A longer --budget measures it again.`;
  },
  'slow-async-window': (d) => {
    const [lead, others] = leadAndOthers(str(d, 'points'), 'Async');
    return `${lead} read ${x(n(d, 'speedup'))} (its 95% interval ends at ${x(n(d, 'high'))})${others}, yet one event loop runs these calls one after another, as the plain loop does, which gives about 1×: that window ran slower than the baseline's (a burst of load, the machine's speed moving, or code still warming up). It says nothing about async; expect about 1×.`;
  },
  'runner-up-cut': (d, ctx) => {
    const name = executorName(str(d, 'executor') as ExecutorKind, ctx.python);
    const answer = executorName(str(d, 'answerExecutor') as ExecutorKind, ctx.python);
    return `${capitalize(name)} still scaled when the budget ran out (${x(n(d, 'speedup'))} at ${n(d, 'k')}, about all ${n(d, 'k')} can give); at that rate ${n(d, 'passK')} would pass ${possessive(answer)} ${x(n(d, 'answerSpeedup'))}, so a longer --budget, which climbs that ladder further, may change the answer.`;
  },
  'no-sequential': () => 'There was no usable sequential run, so speedups have no baseline and the verdict leans on the probe call alone.',
  'no-cpu-time': () => 'Per-call CPU time was unavailable here; the CPU share comes from machine-wide load, which other processes can inflate.',
  'one-core': () => 'This machine has one core, so no executor can speed up CPU work here; only waiting can overlap.',

  // Found by the engine while it measured (src/engine/profile.ts, runResults.ts, engineCrash.ts, queue/profileQueue.ts).
  'executor-skipped': (d) => `Skipped the ${str(d, 'executor')} executor: ${str(d, 'why')}`,
  'executor-budget-spent': (d) => `Skipped the ${str(d, 'executor')} executor: the ${seconds(n(d, 'budgetMs'))} budget was used up.`,
  'executor-unmeasured': (d) =>
    `${str(d, 'executor')} was not measured: even its first point (K = ${n(d, 'firstK')}) would not fit in the ${seconds(n(d, 'budgetMs'))} budget after the others; a longer --budget measures it.`,
  'ladder-failures': (d) => `${str(d, 'executor')} × ${n(d, 'k')}: ${n(d, 'failed')} calls failed; the ladder stopped there.`,
  'ladder-budget': (d) => `Stopped the ${str(d, 'executor')} ladder at K=${n(d, 'k')}: K=${n(d, 'nextK')} would not fit the ${seconds(n(d, 'budgetMs'))} budget.`,
  'queue-no-items': (d) =>
    `${str(d, 'executor')} × ${n(d, 'k')} processed no item before its share of the budget ran out (its workers took that long to start); it is left out.`,
  'first-call-setup': (d) =>
    `The first call took ${ms(n(d, 'probeMs'))}, a warm one ${ms(n(d, 'warmCallMs'))}: most of the first was one-time setup inside the function ` +
    `(a table or cache built on first use, a connection, an import). The profile planned with the warm call, and every new worker made ` +
    `warm-up calls before its calls counted, so each worker's setup stays out of the measured speedups; a pool started per request pays it every time.`,
  overrun: (d) => {
    const took = n(d, 'tookMs');
    return (
      `The profile took ${seconds(took)} of its ${seconds(n(d, 'budgetMs'))} budget: every executor's first point is measured whatever it costs, ` +
      `each with its new workers' start-up and warm-up and the calls still in flight when its window closed, and they did not fit in less. ` +
      `A --budget of ${Math.ceil(took / 1000)} s or more measures them within it.`
    );
  },
  'baseline-replaced': (d) =>
    `A point beat what physics allows over the first sequential baseline (a one-worker pool the plain loop, or K workers K or the cores), so that baseline ran slow: a burst of load, or code still warming. The baseline was measured again (the first one was ${Math.round(n(d, 'slower') * 100)}% slower) and the first one left out.`,
  'baseline-drift': (d) =>
    n(d, 'referenced') === 1
      ? `The sequential speed moved by ${Math.round(n(d, 'drift') * 100)}% during the profile: the machine's speed changed. Each speedup divides by the sequential windows measured next to it in time.`
      : `The sequential baseline moved by ${Math.round(n(d, 'drift') * 100)}% between the start and the end of the profile: the machine's speed changed, so speedups are less certain.`,
  'windows-set-aside': (d) => {
    const slower = str(d, 'slower').split(',').map(Number);
    const list = pointLabels(str(d, 'points'))
      .map((label, i) => `${label} (${Math.round(slower[i] * 100)}% slower)`)
      .join(', ');
    return `Measured twice, these points' windows disagreed beyond both intervals: ${list}. Other load or a pool still warming slowed the slower window, and nothing makes a window faster than its executor can go, so the faster one stands.`;
  },
  'engine-crash': (d) => {
    const executor = str(d, 'executor');
    const skipped = str(d, 'skipped');
    const many = skipped.includes(' and ');
    return (
      `${executor} × ${n(d, 'k')}: ${str(d, 'functionName')} took down the profiler's engine process (${str(d, 'how')}). ` +
      `A new engine process measured the other executors in what was left of the budget; ${executor} is left out of the verdict and the recommendation.` +
      (skipped ? ` ${skipped} ran before the crash, but too little of the budget was left to measure ${many ? 'them' : 'it'} again.` : '')
    );
  },
};

/** "asyncio's", "worker threads'": the possessive of an executor's name. */
function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}
