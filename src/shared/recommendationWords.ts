// Words for the recommendation finding: the reason paragraph, and the one-line answer
// the CLI, the panel, the code lens and the tree all show.
import type { ExecutorKind, FindingData } from './report';
import { num, pct, x } from './format';
import { capitalize, executorName, executorToUse, unitOf } from './names';
import { has, n, poolNames, str, type WordingContext } from './reasonWords';

const WHY: Record<string, (ctx: WordingContext) => string> = {
  'offloaded-process': (ctx) =>
    ctx.python
      ? 'each process has its own interpreter, GIL and executor threads, so together they can use every core.'
      : 'each child process has its own event loop and libuv pool, so together they keep every core busy with the work they hand off.',
  'offloaded-pool': (ctx) =>
    ctx.python
      ? 'the CPU work already runs outside the calling thread and releases the GIL, so a few calls in flight keep the cores busy.'
      : 'the CPU work already runs off the calling thread (on libuv\'s pool, or in child processes), so more calls in flight are enough until the pool or the cores run out.',
  'cpu-gil-held': () => 'the GIL lets one thread run bytecode at a time, so only separate processes use several cores.',
  'cpu-process': () => 'the work needs more cores, and here processes used them best.',
  'cpu-cores': () => 'the work needs more cores, not more calls in flight, and more workers than cores only take turns.',
  'cpu-gil-released': () => 'the work releases the GIL, so threads use several cores without pickling data to processes.',
  'io-blocking': () => 'the wait blocks its thread, so async cannot overlap it, while each thread waits on its own.',
  'io-async': () => 'the calls wait without using CPU, and one event loop overlaps the waits at almost no cost per call.',
  'io-threads-gil': () => 'the calls wait, and a waiting thread releases the GIL, so threads overlap the waits cheaply.',
  'io-overlap': () => 'the calls wait, so more in flight means more done, and this executor overlapped them best.',
  mixed: () => 'the call both computes and waits: it gains from more cores for its CPU part and from overlap for its waiting part.',
};

function formula(d: FindingData): string {
  return `the classic formula cores × (1 + wait/compute) = ${n(d, 'cores')} × (1 + ${num(n(d, 'waitOverCompute'))}) gives ${n(d, 'formulaWorkers')}`;
}

/** What physics left out before the measurement could pick it. */
function exclusions(d: FindingData, ctx: WordingContext): string {
  const out: string[] = [];
  if (has(d, 'excludedAsync')) {
    out.push(`${capitalize(executorName('async', ctx.python))} measured ${x(n(d, 'excludedAsync'))}, but CPU work on one thread cannot speed up, so that is noise and it was not considered.`);
  }
  if (has(d, 'excludedAsyncGil')) {
    out.push(`asyncio measured ${x(n(d, 'excludedAsyncGil'))}, but the work it hands to executor threads holds the GIL, so those threads take turns; it was not considered.`);
  }
  if (has(d, 'excludedThreads')) out.push(`Threads measured ${x(n(d, 'excludedThreads'))}, but the GIL is held, so they were not considered.`);
  // A lifted or pooled answer or runner-up already says what its larger pool read beyond K = cores.
  if (has(d, 'queuedK')) {
    const pool = executorName(str(d, 'queuedExecutor') as ExecutorKind, ctx.python);
    out.push(
      `${capitalize(pool)} ×${n(d, 'queuedK')} read ${x(n(d, 'queuedSpeedup'))} against ${x(n(d, 'queuedAtCores'))} at ×${n(d, 'queuedAtCoresK')} only by queueing a call behind each slow hand-off, ` +
        'so it was not considered: batching several calls per task keeps the workers busy without more of them than cores.',
    );
  } else if (has(d, 'cappedAtCores') && !has(d, 'beyondCoresProven') && !['liftedFromK', 'altLiftedFromK', 'pooledWithK', 'altPooledWithK', 'bestPooledWithK'].some((key) => has(d, key))) {
    out.push(`Pools larger than the ${n(d, 'cappedAtCores')} cores were not considered: CPU work only takes turns there, and none beat the K = cores point beyond both intervals.`);
  }
  if (has(d, 'offloadedInFlight')) {
    const k = n(d, 'offloadedInFlight');
    out.push(
      `${capitalize(executorName('async', ctx.python))} with more than ${k} calls in flight was not considered: the CPU work runs ${ctx.python ? "on the executor's threads" : "on libuv's threads or in child processes"}, which ${k} calls already keep busy, so more only queue, and none beat it beyond both intervals.`,
    );
  }
  return out.length ? ' ' + out.join(' ') : '';
}

/** Why a K = cores point was read together with a larger pool's window (poolAtCores in src/analysis/recommend.ts). */
function pooledWords(withK: number, cores: number): string {
  return `×${withK} measures the same pool on this work (its workers beyond the ${cores} cores only take turns on them), so the windows were read together`;
}

function bestOf(d: FindingData, ctx: WordingContext): string {
  if (!has(d, 'bestExecutor')) return '';
  const k = str(d, 'bestExecutor') as ExecutorKind;
  return `${executorName(k, ctx.python)} ×${n(d, 'bestK')} gave ${x(n(d, 'bestSpeedup'))}`;
}

export const RECOMMENDATION_WORDS: Record<string, (d: FindingData, ctx: WordingContext) => string> = {
  // The threads a call keeps busy besides its own: in Python, mostly a C library's (BLAS
  // under NumPy, a compressor's); in JS, a library's or addon's workers, or V8's own
  // garbage collector and compiler, which an allocation-heavy call keeps busy (the
  // TypeScript compiler's transpileModule kept 1.4-2.1 cores busy one call at a time).
  'rec.parallel-inside': (d, ctx) =>
    `Already parallel inside: keep it sequential, or cap its internal threads (${ctx.python ? "e.g. OMP_NUM_THREADS, a library's worker count" : "a library's or native addon's worker count; or allocate less per call: V8's garbage collector runs on threads of its own"}) before adding a pool. ` +
    `One call at a time kept ${num(n(d, 'busyCores'))} cores busy, so a pool would share the same cores` +
    (has(d, 'bestExecutor') ? ` (${bestOf(d, ctx)}).` : '.') +
    ` For comparison, ${formula(d)}.`,
  'rec.batch': (d, ctx) => {
    const pool = str(d, 'executor') as ExecutorKind;
    const b = n(d, 'batchSize');
    return (
      `Calls are short next to handing one to a pool, so a pool per call loses its gain (${executorName(pool, ctx.python)}${n(d, 'measuredK') > 0 ? ` ×${n(d, 'measuredK')}` : ''} measured ${x(n(d, 'measured'))}). ` +
      `Batch ${b} calls per task ` +
      (n(d, 'chunksize') === 1 ? `(ProcessPoolExecutor.map(..., chunksize=${b})) ` : '') +
      `on ${n(d, 'workers')} ${unitOf(pool, ctx.python, n(d, 'workers'))}: estimated ${x(n(d, 'expected'))} (a model estimate, not measured). For comparison, ${formula(d)}.`
    );
  },
  'rec.only-sequential': (d) => `Nothing but the sequential run could be measured, so there is nothing to compare. For comparison, ${formula(d)}.`,
  'rec.no-gain': (d, ctx) => {
    const best = n(d, 'bestSpeedup');
    let head: string;
    if (!has(d, 'bestExecutor')) head = 'Keep it sequential: no executor that can speed up this work was measured beyond a plain loop.';
    else if (best <= 1) head = `No executor beat a plain loop (the best gave ${x(best)}), so keep it sequential.`;
    else {
      head =
        `No executor clearly beat a plain loop: the best, ${executorName(str(d, 'bestExecutor') as ExecutorKind, ctx.python)} ×${n(d, 'bestK')} at ${x(best)}` +
        (has(d, 'bestPooledWithK') ? ` (its own window read ${x(n(d, 'bestMeasured'))}; ${pooledWords(n(d, 'bestPooledWithK'), n(d, 'cores'))})` : '') +
        ', ' +
        (has(d, 'bestHigh')
          ? `has a 95% interval from ${x(n(d, 'bestLow'))} to ${x(n(d, 'bestHigh'))}: it may gain, but its low end is not above ${x(n(d, 'threshold'))}. ` +
            'The windows were too short to tell a gain from noise: keep it sequential until a longer --budget decides.'
          : `has a 95% interval that reaches down to ${x(n(d, 'bestLow'))}, not above ${x(n(d, 'threshold'))}, so the gain may be noise: keep it sequential.`);
    }
    return (
      head +
      exclusions(d, ctx) +
      (n(d, 'serializationBound') === 1 ? ' Pickling the data costs processes their gain; see the reasons above.' : '') +
      (has(d, 'coldPools')
        ? ` ${capitalize(poolNames(str(d, 'coldPools'), ctx.python))} were measured before their workers had warmed up, so they may do better than they read: a longer --budget measures them warm.`
        : '') +
      ` For comparison, ${formula(d)}.`
    );
  },
  'rec.use': (d, ctx) => {
    const k = str(d, 'executor') as ExecutorKind;
    const w = n(d, 'workers');
    const name = executorName(k, ctx.python);
    const atBest = has(d, 'bestSpeedup') ? ` (within ${pct(0.05)} of its best, ${x(n(d, 'bestSpeedup'))} with ${n(d, 'bestK')})` : '';
    const smoothed = has(d, 'smoothedFrom')
      ? ` That point was noisy (measured ${x(n(d, 'smoothedFrom'))}); ${x(n(d, 'speedup'))} is the scalability fit's value there, inside the point's interval.`
      : '';
    const lifted = has(d, 'liftedFromK')
      ? ` ×${w} itself read ${x(n(d, 'measuredAtCores'))}, but ×${n(d, 'liftedFromK')} read ${x(n(d, 'speedup'))}, beyond both intervals: since ×${n(d, 'liftedFromK')} only takes turns on the ${n(d, 'cores')} cores, ×${w} can do at least as much, and its own window read low.`
      : has(d, 'pooledWithK')
        ? ` ×${w} itself read ${x(n(d, 'measuredAtCores'))}; ${pooledWords(n(d, 'pooledWithK'), n(d, 'cores'))}: ${x(n(d, 'speedup'))}, with a low end of ${x(n(d, 'low'))}.`
        : '';
    let alt = '';
    if (has(d, 'altExecutor')) {
      const other = executorName(str(d, 'altExecutor') as ExecutorKind, ctx.python);
      const s =
        x(n(d, 'altSpeedup')) +
        (has(d, 'altLiftedFromK') ? ` as ×${n(d, 'altLiftedFromK')} read it, standing for ×${n(d, 'altK')}, whose own window read ${x(n(d, 'altMeasuredAtCores'))}` : '') +
        (has(d, 'altPooledWithK') ? ` at ×${n(d, 'altK')}, read together with ×${n(d, 'altPooledWithK')}; its own window read ${x(n(d, 'altMeasuredAtCores'))}` : '');
      const rel = str(d, 'altRelation');
      if (rel === 'cheaper-lower') {
        alt = has(d, 'altOverlaps')
          ? ` ${capitalize(other)} would cost less but read lower (${s}): the two intervals meet, but the cheaper one takes a tie only within ${pct(n(d, 'altTieZone'))} of the best (a longer budget can tell them apart).`
          : ` ${capitalize(other)} would cost less but measured clearly lower (${s}).`;
      }
      else if (rel === 'as-good-costlier') alt = ` ${capitalize(other)} did about as well (${s}) but cost more, so the cheaper one wins.`;
      else if (rel === 'overlap-costlier') {
        alt = ` ${capitalize(other)} read higher (${s}), but the two intervals overlap, so this measurement cannot tell them apart; they cost more, so the cheaper one wins (a longer budget can separate them).`;
      } else if (rel === 'drift-costlier') {
        alt = ` ${capitalize(other)} read a little higher (${s}), but both keep the ${n(d, 'cores')} cores busy with this work, and a gap that small is within how far this machine's speed drifts between two windows measured seconds apart; they cost more, so the cheaper one wins.`;
      } else if (rel === 'above-ceiling-costlier') {
        alt =
          ` ${capitalize(other)} read higher (${s}), but that is more than ${n(d, 'altK')} ${unitOf(str(d, 'altExecutor') as ExecutorKind, ctx.python, n(d, 'altK'))} can give this work on ${n(d, 'cores')} cores` +
          ` (at most ${x(n(d, 'altCeiling'))}): the sequential baseline ran slow next to it.` +
          (n(d, 'altStillAhead') === 1
            ? ' Capped there, they still read higher, but the two intervals overlap, so this measurement cannot tell them apart; they cost more, so the cheaper one wins (a longer budget can separate them).'
            : ' Capped there, they do no better, and cost more, so the cheaper one wins.');
      } else if (rel === 'cheaper-at-ceiling') {
        const one = str(d, 'altExecutor') === 'async' ? 'one event loop computes one call at a time' : 'the GIL lets one thread compute at a time';
        alt =
          ` ${capitalize(other)} would cost less and tied it (${s}), but that is nearly all they can ever give this work (at most ${x(n(d, 'altCeiling'))}: ${one}, so only the waiting overlaps),` +
          ` while ${name} were still scaling where the ladder stopped.`;
      } else alt = ` Next best: ${other}, ${s}.`;
    }
    let floor = '';
    if (n(d, 'atLeast') === 1) {
      const top = str(d, 'cutBy') === 'cap' ? ` (the most it may try: ${capKnob(k)} raises it)` : str(d, 'cutBy') === 'budget' ? ' (where the budget ran out)' : '';
      floor =
        ` Throughput was still growing at the top of the ladder when it stopped${top}, so use at least ${w}` +
        (has(d, 'extrapolated') ? `; ${extrapolation(d, ctx)}.` : '; no limit was seen yet.');
    }
    const why = WHY[str(d, 'why')]?.(ctx) ?? '';
    const pool = has(d, 'batchPool') ? (str(d, 'batchPool') as ExecutorKind) : undefined;
    const batch = pool
      ? ` Batching ${n(d, 'batchSize')} calls per task on ${executorName(pool, ctx.python)} might give ${x(n(d, 'batchExpected'))} (a model estimate, not measured), which this measurement's interval already reaches, without restructuring the calls.`
      : '';
    const capped = has(d, 'ceiling')
      ? ` But ${x(n(d, 'ceilingCapped'))} is more than ${w} ${unitOf(k, ctx.python, w)} can give this work on ${n(d, 'cores')} cores (at most ${x(n(d, 'ceiling'))}): the sequential baseline ran slow, so expect ${x(n(d, 'ceiling'))} at most; a longer budget measures it again.`
      : '';
    return (
      `${capitalize(name)} ${has(d, 'liftedFromK') ? 'can reach' : 'reached'} ${x(n(d, 'speedup'))} with ${w} ${unitOf(k, ctx.python, w)}${atBest}: ${why}${lifted}${smoothed}${capped}${alt}${exclusions(d, ctx)}${floor}${batch}` +
      ` For comparison, ${formula(d)}` +
      (n(d, 'beyondFormula') === 1
        ? '; the measurement beats the formula, which assumes nothing else limits scaling.'
        : n(d, 'shortOfFormula') === 1
          ? has(d, 'helperPool')
            ? helperPoolWords(n(d, 'helperPool'), n(d, 'cores'), ctx.python)
            : '; scaling levelled off well before that, so something the formula leaves out (a shared lock, a connection limit, the capacity of what it waits on) limits it.'
          : '.')
    );
  },
};

/** Async levelled off at about as many calls as a helper pool has threads (recommend.ts helperPoolLimit). */
function helperPoolWords(threads: number, cores: number, python: boolean): string {
  return python
    ? `; scaling levelled off near ${threads} calls at once, as many as asyncio's default executor has threads (min(32, cores + 4) = min(32, ${cores} + 4)). If the call awaits asyncio.to_thread or run_in_executor(None, ...), that executor is the limit: give the loop a larger one (loop.set_default_executor(ThreadPoolExecutor(max_workers=...))). Otherwise something else caps it (a shared lock, a connection limit, the capacity of what it waits on).`
    : `; scaling levelled off near ${threads} calls at once, as many as libuv's thread pool has threads (UV_THREADPOOL_SIZE = ${threads}). If the call waits on fs, dns.lookup, crypto or zlib, those run on that pool: a larger UV_THREADPOOL_SIZE, set before Node starts, raises the limit. Otherwise something else caps it (a shared lock, a connection limit, the capacity of what it waits on).`;
}

/** The flag and the editor setting that raise an executor's highest K (the setting's key ends in the executor's name). */
function capKnob(k: ExecutorKind): string {
  const flag = k === 'async' ? '--max-async' : k === 'process' ? '--max-processes' : '--max-threads';
  return `${flag}, or workloadProfiler.maxConcurrency.${k} in the editor,`;
}

function extrapolation(d: FindingData, ctx: WordingContext): string {
  const e = n(d, 'extrapolated');
  switch (str(d, 'extrapolationSource')) {
    case 'usl-peak':
      return `the scalability fit peaks near ${e} (a model estimate)`;
    case 'uv-pool':
      return ctx.python ? `the cores cap the executor's threads near ${e}` : `libuv's pool and the cores cap it near ${e}`;
    default:
      return `the formula suggests about ${e}`;
  }
}

/**
 * A "keep it sequential" the measurement could not decide: the best pool's interval
 * reached a real gain too (recommend.ts, UNDECIDED_HIGH). The words, the one-line answer
 * and the CI gate all say so.
 */
export function isUndecided<R extends { code?: string; data?: FindingData }>(rec: R): rec is R & { data: FindingData } {
  return rec.code === 'rec.no-gain' && rec.data !== undefined && has(rec.data, 'bestHigh');
}

/** The one-line answer: "Use worker threads, 2 workers: expected 1.9×". */
export function recommendationLineOf(
  rec: { executor: ExecutorKind; workers: number; expectedSpeedup: number; batchSize?: number; code?: string; data?: FindingData; atLeast?: boolean; extrapolatedWorkers?: number },
  python: boolean,
): string {
  if (rec.executor === 'sequential') {
    if (rec.code === 'rec.parallel-inside') return 'Already parallel inside: keep it sequential, or cap its internal threads before adding a pool';
    if (isUndecided(rec)) return 'Keep it sequential for now: no executor clearly beat a plain loop (undecided: a longer budget can tell)';
    if (rec.code === 'rec.no-gain') return 'Keep it sequential: no executor clearly beat a plain loop';
    return 'Keep it sequential: no executor beat a plain loop';
  }
  const batch = rec.batchSize ? `, ${rec.batchSize} calls per task` : '';
  const count = rec.atLeast ? `at least ${rec.workers}` : `${rec.workers}`;
  const expected = rec.batchSize ? `estimated ${x(rec.expectedSpeedup)}` : `expected ${rec.atLeast ? 'at least ' : ''}${x(rec.expectedSpeedup)}`;
  const more = rec.atLeast && rec.extrapolatedWorkers ? ` (still scaling; about ${rec.extrapolatedWorkers} by extrapolation)` : rec.atLeast ? ' (still scaling)' : '';
  return `Use ${executorToUse(rec.executor, python)}, ${count} ${unitOf(rec.executor, python, rec.workers)}${batch}: ${expected}${more}`;
}
