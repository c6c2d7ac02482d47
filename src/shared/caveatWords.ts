// Words for caveat findings: conditions that make the measurement less certain.
import type { ExecutorKind, FindingData } from './report';
import { ms, num, pct } from './format';
import { capitalize, decodePoints, executorName } from './names';
import { has, n, str, type WordingContext } from './reasonWords';

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
  'no-sequential': () => 'There was no usable sequential run, so speedups have no baseline and the verdict leans on the probe call alone.',
  'no-cpu-time': () => 'Per-call CPU time was unavailable here; the CPU share comes from machine-wide load, which other processes can inflate.',
  'one-core': () => 'This machine has one core, so no executor can speed up CPU work here; only waiting can overlap.',
};
