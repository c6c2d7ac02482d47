// Conditions that make the measurement less certain, as findings (the words are in
// src/shared/wording.ts). Confidence reads their codes.
import type { ExecutorKind, Finding, GilVerdict, Recommendation, RunResult } from '../shared/report';
import { encodePoints } from '../shared/names';
import { round2 } from '../shared/rounding';
import { defined, HIGH_STEAL, UNUSABLE_ERROR_RATE, type Evidence } from './evidence';
import { ABOVE_CEILING_MARGIN, PURE_CPU_SHARE, speedupCeiling } from './recommend';

/**
 * Calls shorter than this are not held to async's floor: at tens of microseconds the
 * event loop's own hand-off per call is a real share of the call (the tiny-task case).
 */
const FLOOR_MIN_CALL_MS = 1;

interface Said {
  recommendation?: Pick<Recommendation, 'executor' | 'workers' | 'data' | 'expectedSpeedup' | 'atLeast'>;
  doubts?: Finding[];
  gil?: GilVerdict;
}

/** A ladder's top point scaled "straight" when it read at least this share of its K (or of its ceiling, when lower). */
const STRAIGHT_SCALING = 0.8;
/** A straight line from a cut ladder's top must pass the answer by this factor before it says so. */
const PASSES_BY = 1.1;
/** How far (× its top K) a straight line is drawn: a few doublings, as far as a longer budget would climb. */
const PASS_REACH = 32;

const FAILURE_KINDS = ['timeout', 'exit', 'crash', 'out-of-memory'];

/**
 * `said`: what the answer and the reasons already say of points above their ceiling:
 * the recommendation's words when its own run beat it (ceilingCapped), and the doubts
 * about async or pools far above it (doubt.async-too-fast, doubt.pool-beyond-cores).
 */
export function caveatFindings(ev: Evidence, said: Said = {}): Finding[] {
  const out: Finding[] = [];
  const add = (level: Finding['level'], code: string, data: Finding['data'] = {}) => out.push({ code, level, data });
  const bg = ev.input.background;
  if (bg.busy) add('warning', 'background-busy', { busyCores: bg.busyCores, cores: ev.cores, utilization: bg.utilization });
  if (bg.steal >= HIGH_STEAL) add('warning', 'steal', { steal: bg.steal });
  const noisy = ev.input.runs.filter((r) => r.noisy && r.tasks > 0);
  if (noisy.length) add('warning', 'noisy-points', { count: noisy.length, total: ev.input.runs.length, points: encodePoints(noisy) });
  for (const r of ev.input.runs) {
    if (r.errors.count <= 0) continue;
    const attempted = Math.max(r.tasks, r.errors.count);
    const sample = r.errors.samples[0];
    const failing = r.errors.samples.length > 0 && r.errors.samples.every((s) => FAILURE_KINDS.includes(s.kind));
    add(
      'warning',
      'run-errors',
      defined({
        point: encodePoints([r]),
        count: r.errors.count,
        attempted,
        verb: failing ? 'failed' : 'threw',
        sampleKind: sample?.kind,
        sampleMessage: sample?.message,
        excluded: r.errors.rate >= UNUSABLE_ERROR_RATE ? 1 : 0,
      }),
    );
  }
  if (ev.seq && ev.seq.tasks < 5) {
    add('info', 'few-sequential-calls', { tasks: ev.seq.tasks, callMs: ev.callMs });
  } else {
    const few = ev.input.runs.filter((r) => r.tasks > 0 && r.tasks < 3);
    if (few.length) add('info', 'few-calls', { points: encodePoints(few) });
  }
  if (!ev.seq) add('warning', 'no-sequential');
  const above = aboveCeiling(ev, said);
  if (above) add('warning', 'slow-baseline', above);
  const below = asyncBelowFloor(ev);
  if (below) add('info', 'slow-async-window', below);
  // coldPoolsOf lists only pools with both figures; the guard keeps the types honest.
  const warmCallMs = ev.input.coldStart?.sequential?.steadyCallMs;
  for (const kind of ev.coldPools) {
    const c = ev.input.coldStart?.[kind];
    if (!c || c.steadyCallMs == null || warmCallMs == null) continue;
    add('warning', 'cold-pool', { executor: kind, lastCallMs: c.steadyCallMs, warmCallMs, calls: c.warmupCalls });
  }
  const overtaker = cutWhileScaling(ev, said);
  if (overtaker) add('warning', 'runner-up-cut', overtaker);
  if (ev.callCpuRatio == null) add('info', 'no-cpu-time');
  if (ev.cores < 2) add('info', 'one-core');
  return out;
}

/**
 * The points that read more than physics allows beyond their interval, the furthest
 * first: async ×2 read 1.26× [1.06-1.46] for a YAML parser whose calls are 98% CPU on one
 * event loop (at most 1.02×), while the sequential worker had stopped warming up before
 * it settled. Every speedup divides by that baseline, so all of them may read high; the
 * engine measures the baseline again when the budget allows (ladderSession.ts), and this
 * says so when it did not. The recommended run's own words say it already.
 */
function aboveCeiling(ev: Evidence, said: Said): Finding['data'] | undefined {
  const rec = said.recommendation;
  const doubted = new Set((said.doubts ?? []).map((d) => d.code));
  const saidAlready = (r: RunResult) =>
    (!!rec?.data?.ceilingCapped && r.executor === rec.executor && r.concurrency === rec.workers) ||
    (r.executor === 'async' && doubted.has('doubt.async-too-fast')) ||
    ((r.executor === 'thread' || r.executor === 'process') && doubted.has('doubt.pool-beyond-cores'));
  // The runs the verdict reads (ev.byKind): a Python plain def's "async" is a thread pool
  // in disguise (asyncio.to_thread) and may use every core, so it has no place here.
  const over = (['async', 'thread', 'process'] as const)
    .flatMap((k) => ev.byKind[k]?.runs ?? [])
    .filter((r) => r.tasks > 0 && !saidAlready(r))
    .map((r) => ({ r, ceiling: speedupCeiling(ev, r) }))
    .filter(({ r, ceiling }) => r.speedupCi[0] > ceiling * ABOVE_CEILING_MARGIN)
    .sort((a, b) => b.r.speedupCi[0] / b.ceiling - a.r.speedupCi[0] / a.ceiling);
  if (!over.length) return undefined;
  const { r, ceiling } = over[0];
  return { points: encodePoints(over.map((o) => o.r)), speedup: r.speedup, low: r.speedupCi[0], ceiling: round2(ceiling), cores: ev.cores };
}

/**
 * Async runs of CPU work held on the calling thread whose whole interval sits below 1×:
 * one event loop runs those calls one after another, as the plain loop does, so async
 * gives about 1× at any K, never less but for its tiny hand-off. fast-xml-parser's
 * async ×2 read 0.54× [0.42-0.70] at 3 s, and the report said "async concurrency gave
 * 0.54×" without a word, as if async halved CPU work. Such a window ran slower than the
 * baseline's (a burst of load, the machine's speed moving, code still warming), and the
 * words say so. Work that waits or hands its CPU off is not held to it: many calls in
 * flight can slow a server or fill a pool.
 */
function asyncBelowFloor(ev: Evidence): Finding['data'] | undefined {
  if (ev.offloaded || ev.parallelInside != null || ev.cpuShare < PURE_CPU_SHARE || !(ev.callMs >= FLOOR_MIN_CALL_MS)) return undefined;
  const under = (ev.byKind.async?.runs ?? [])
    .filter((r) => r.tasks > 0 && r.speedupCi[1] * ABOVE_CEILING_MARGIN < 1)
    .sort((a, b) => a.speedupCi[1] - b.speedupCi[1]);
  if (!under.length) return undefined;
  const r = under[0];
  return { points: encodePoints(under), speedup: r.speedup, high: r.speedupCi[1] };
}

/**
 * Another executor whose ladder the budget cut while it still scaled straight, and whose
 * straight line passes the answer within a few doublings, physics permitting
 * (speedupCeiling): the answer stands on what was measured, but a longer budget may
 * overturn it. `await asyncio.to_thread(time.sleep, 0.05)` at 6 s: asyncio stopped at 6×
 * (its default executor's 6 threads), threads were measured only at ×2, where they read
 * 1.98×, and the answer was "asyncio, 8 tasks in flight" with not a word of them; at
 * 15 s threads ×64 read 53×.
 */
function cutWhileScaling(ev: Evidence, said: Said): Finding['data'] | undefined {
  const rec = said.recommendation;
  if (!rec || rec.executor === 'sequential' || rec.atLeast || !(rec.expectedSpeedup > 0)) return undefined;
  const answer = rec.expectedSpeedup;
  for (const kind of ['async', 'thread', 'process'] as ExecutorKind[]) {
    if (kind === rec.executor || ev.input.stops?.[kind] !== 'budget') continue;
    const runs = ev.byKind[kind]?.runs;
    if (!runs?.length) continue;
    const top = runs.reduce((a, b) => (b.concurrency > a.concurrency ? b : a));
    if (top.concurrency < 2 || top.speedupCi[0] <= 1) continue;
    const topCeiling = speedupCeiling(ev, top, said.gil);
    const straight = top.speedup >= STRAIGHT_SCALING * Math.min(top.concurrency, topCeiling);
    if (!straight) continue;
    for (let k = top.concurrency * 2; k <= top.concurrency * PASS_REACH; k *= 2) {
      const line = Math.min((top.speedup * k) / top.concurrency, speedupCeiling(ev, { executor: kind, concurrency: k }, said.gil));
      // The climb must add what the top's own K cannot give: CPU work at K = cores gains
      // nothing from more workers, and a runner-up there that read above the answer is a
      // near-tie the answer's words already weigh. A 4 s countPrimes said "the budget
      // stopped another executor's ladder while it was still scaling" of processes ×2
      // (1.71×, 97% CPU on 2 cores) beside threads ×2 (1.47×), both at their ceiling's K.
      if (line >= answer * PASSES_BY && line >= topCeiling * PASSES_BY) {
        return { executor: kind, k: top.concurrency, speedup: top.speedup, answerExecutor: rec.executor, answerSpeedup: answer, passK: k };
      }
    }
  }
  return undefined;
}
