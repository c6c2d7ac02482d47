// The verdict: what kind of work a function does, and which executor to run it on.
// Pure: it reads measured runs and returns words and numbers, so it is tested on
// synthetic measurements from a known physical model (test/unit/synthetic.ts).
// docs/model.md describes the model and every threshold used here.
import type {
  BackgroundLoad,
  Caveat,
  ExecutorKind,
  GilVerdict,
  Language,
  Recommendation,
  RunResult,
  Verdict,
  WorkloadKind,
} from './report';
import { median } from './stats';

export interface AnalysisInput {
  language: Language;
  /** `async function` / `async def`. */
  isAsync: boolean;
  cores: number;
  runs: RunResult[];
  /** The single call measured before the ladder. */
  probe: { wallMs: number; cpuMs: number | null };
  background: BackgroundLoad;
  python?: { gilEnabled: boolean };
  /** libuv's pool size in the profiled processes (UV_THREADPOOL_SIZE, default 4). */
  uvThreadpoolSize?: number;
}

export interface Analysis {
  verdict: Verdict;
  recommendation: Recommendation;
  caveats: Caveat[];
}

/** CPU share at or above which a call is CPU-bound, and at or below which it is waiting. */
export const CPU_BOUND_AT = 0.7;
export const IO_BOUND_AT = 0.3;
/** A point within this fraction of the best counts as "as good" (the knee, cheaper executors). */
export const KNEE_TOLERANCE = 0.05;
/** Dispatch overhead above this share of a call makes a pool-per-call a poor deal. */
export const TINY_OVERHEAD_SHARE = 0.25;
/** Batches are sized so dispatch overhead stays under this share of a batch. */
export const BATCH_OVERHEAD_TARGET = 0.05;
/** CPU ratios below this are within the clocks' error; the sizing formula caps wait/compute there. */
export const MIN_FORMULA_CPU_RATIO = 1 / 64;
/** Steal above this share means a hypervisor took CPU from us. */
const HIGH_STEAL = 0.05;
/** Runs failing more often than this measure the failure, not the function. */
const UNUSABLE_ERROR_RATE = 0.5;
const DEFAULT_UV_THREADPOOL = 4;

/** Cheapest first: what each executor costs in start-up, memory and data copying. */
const COST_ORDER: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];

interface ExecutorSummary {
  kind: ExecutorKind;
  runs: RunResult[];
  best: RunResult;
  /** Smallest concurrency within KNEE_TOLERANCE of the best throughput. */
  knee: RunResult;
  maxConcurrency: number;
}

interface Evidence {
  input: AnalysisInput;
  python: boolean;
  cores: number;
  seq?: RunResult;
  /** Wall time of one call alone. */
  callMs: number;
  /** CPU share of a call in the thread that ran it. */
  callCpuRatio: number | null;
  /** Machine CPU (above background) per call, as a share of a call's wall time. */
  machineCpuShare: number | null;
  /** The CPU share the verdict uses: the calling thread's, or the machine's when the work was offloaded. */
  cpuShare: number;
  offloaded: boolean;
  byKind: Partial<Record<ExecutorKind, ExecutorSummary>>;
  /** Best speedup over all async/thread/process runs. */
  bestConcurrentSpeedup: number;
  uvPool: number;
}

export function classify(input: AnalysisInput): Analysis {
  const ev = gatherEvidence(input);
  const kind = kindOf(ev.cpuShare);
  const reasons: string[] = [];
  const doubts: string[] = [];

  reasons.push(cpuReason(ev));
  const shape = shapeReason(ev);
  if (shape) reasons.push(shape);

  const gil = ev.python ? gilVerdict(ev, kind) : undefined;
  const blocking = isBlockingWait(ev, kind);
  const overhead = overheadOf(ev, gil?.verdict);

  reasons.push(...lessonFor(ev, kind, blocking));
  if (gil) reasons.push(gil.reason);
  if (overhead.tiny) reasons.push(overhead.reason);
  else if (overhead.serializationBound) reasons.push(overhead.reason);

  checkShapeAgainstKind(ev, kind, gil?.verdict, overhead.tiny, doubts);
  reasons.push(...doubts.map((d) => `But: ${d}`));

  const recommendation = recommend(ev, kind, gil?.verdict, blocking, overhead);
  const caveats = caveatsFor(ev);
  const confidence = confidenceOf(ev, kind, doubts.length, caveats);

  const verdict: Verdict = { kind, confidence, cpuRatio: round3(ev.cpuShare), reasons };
  if (gil) verdict.gil = gil.verdict;
  if (overhead.tiny) verdict.tinyTasks = true;
  if (ev.offloaded) verdict.offloadedCpu = true;
  return { verdict, recommendation, caveats };
}

// ---------------------------------------------------------------------------------
// Evidence

function gatherEvidence(input: AnalysisInput): Evidence {
  const cores = Math.max(1, Math.round(input.cores));
  const python = input.language === 'python';
  const usable = input.runs.filter((r) => r.tasks > 0 && r.throughputPerSec > 0 && r.errors.rate < UNUSABLE_ERROR_RATE);
  const seq = usable.find((r) => r.executor === 'sequential');

  const callMs = seq ? 1000 / seq.throughputPerSec : input.probe.wallMs > 0 ? input.probe.wallMs : NaN;

  let callCpuRatio: number | null = null;
  if (seq?.cpuRatio != null) callCpuRatio = seq.cpuRatio;
  else if (input.probe.cpuMs != null && input.probe.wallMs > 0) callCpuRatio = input.probe.cpuMs / input.probe.wallMs;
  else {
    const first = usable.find((r) => r.cpuRatio != null && r.concurrency === 1);
    if (first) callCpuRatio = first.cpuRatio;
  }
  if (callCpuRatio != null) callCpuRatio = clamp(callCpuRatio, 0, 1);

  // Core-ms of machine CPU per task is the same at every K (more calls at once just
  // spend it faster), so the median over all runs is robust to a burst of background
  // load during one of them.
  let machineCpuShare: number | null = null;
  if (Number.isFinite(callMs) && callMs > 0 && usable.length > 0) {
    const perTask = usable.map((r) => (r.busyCores * 1000) / r.throughputPerSec / callMs);
    machineCpuShare = clamp(median(perTask), 0, cores);
  }

  const byKind: Partial<Record<ExecutorKind, ExecutorSummary>> = {};
  for (const kind of COST_ORDER) {
    let runs = usable.filter((r) => r.executor === kind);
    // A plain def has no event loop to share; an "async" run of it is a thread pool in disguise.
    if (python && !input.isAsync && kind === 'async') runs = [];
    if (runs.length) byKind[kind] = summarize(kind, runs);
  }
  const concurrent = (['async', 'thread', 'process'] as ExecutorKind[]).map((k) => byKind[k]?.best.speedup ?? 0);
  const bestConcurrentSpeedup = Math.max(0, ...concurrent);

  // Only waiting can go faster than the core count; the interval's low end must clear it.
  const scalesBeyondCores = (['async', 'thread'] as ExecutorKind[]).some((k) => {
    const best = byKind[k]?.best;
    return !!best && best.speedupCi[0] > Math.max(1.5, cores * 1.15);
  });
  const offloaded =
    !python &&
    callCpuRatio != null &&
    callCpuRatio < IO_BOUND_AT &&
    machineCpuShare != null &&
    machineCpuShare >= 0.5 &&
    !scalesBeyondCores;

  const cpuShare = offloaded
    ? Math.min(1, machineCpuShare ?? 1)
    : callCpuRatio ?? Math.min(1, machineCpuShare ?? 0);

  return {
    input,
    python,
    cores,
    seq,
    callMs,
    callCpuRatio,
    machineCpuShare,
    cpuShare,
    offloaded,
    byKind,
    bestConcurrentSpeedup,
    uvPool: input.uvThreadpoolSize && input.uvThreadpoolSize > 0 ? input.uvThreadpoolSize : DEFAULT_UV_THREADPOOL,
  };
}

function summarize(kind: ExecutorKind, runs: RunResult[]): ExecutorSummary {
  const sorted = [...runs].sort((a, b) => a.concurrency - b.concurrency);
  const best = sorted.reduce((a, b) => (b.throughputPerSec > a.throughputPerSec ? b : a));
  const knee = sorted.find((r) => r.throughputPerSec >= best.throughputPerSec * (1 - KNEE_TOLERANCE)) ?? best;
  return { kind, runs: sorted, best, knee, maxConcurrency: sorted[sorted.length - 1].concurrency };
}

function kindOf(cpuShare: number): WorkloadKind {
  if (cpuShare >= CPU_BOUND_AT) return 'cpu-bound';
  if (cpuShare <= IO_BOUND_AT) return 'io-bound';
  return 'mixed';
}

/** Waits that hold the thread (Atomics.wait, execSync, time.sleep in async def): async can't overlap them, threads can. */
function isBlockingWait(ev: Evidence, kind: WorkloadKind): boolean {
  if (kind === 'cpu-bound' || ev.offloaded) return false;
  const a = ev.byKind.async;
  const pool = Math.max(ev.byKind.thread?.best.speedup ?? 0, ev.byKind.process?.best.speedup ?? 0);
  return !!a && a.best.speedup < 1.6 && pool >= 1.5 && pool >= a.best.speedup * 2;
}

// ---------------------------------------------------------------------------------
// GIL

function gilVerdict(ev: Evidence, kind: WorkloadKind): { verdict: GilVerdict; reason: string } {
  const t = ev.byKind.thread;
  const p = ev.byKind.process;
  if (ev.input.python && !ev.input.python.gilEnabled) {
    const scaled = t ? ` threads gave ${x(t.best.speedup)} with ${t.best.concurrency}` : '';
    return {
      verdict: 'free-threaded',
      reason: `This interpreter runs without a GIL (free-threaded build), so threads can run Python bytecode on several cores at once;${scaled || ' no thread runs were measured'}.`,
    };
  }
  if (kind === 'io-bound') {
    return {
      verdict: 'not-applicable',
      reason: 'The GIL does not matter here: a waiting call (sleep, socket, file) releases it, so threads overlap their waits freely.',
    };
  }
  if (!t) {
    return { verdict: 'held', reason: 'No thread runs were measured, so the GIL could not be tested; pure-Python code holds it.' };
  }
  // Under a held GIL only the waiting part overlaps: threads top out near 1/r. Released,
  // they reach min(K, cores/r). The threshold sits halfway between, on a log scale.
  const r = Math.max(ev.cpuShare, 0.05);
  const heldCeiling = Math.max(1, 1 / r);
  const releasedCeiling = Math.max(heldCeiling, Math.min(t.maxConcurrency, ev.cores / r));
  const threshold = Math.max(1.2, Math.sqrt(heldCeiling * releasedCeiling));
  const tTxt = `threads ×${t.best.concurrency} gave ${x(t.best.speedup)}`;
  const pTxt = p ? `processes ×${p.best.concurrency} gave ${x(p.best.speedup)}` : 'no process runs were measured';
  if (ev.cores < 2) {
    return {
      verdict: 'held',
      reason: `With one core, neither threads nor processes can run bytecode in parallel, so the GIL could not be tested (${tTxt}); assume pure-Python code holds it.`,
    };
  }
  if (t.best.speedup < threshold) {
    const processesScaled = p && p.best.speedup >= threshold;
    return {
      verdict: 'held',
      reason:
        `${tTxt}, ${pTxt}: ` +
        (processesScaled
          ? "the GIL serializes this function's bytecode, so only one thread runs it at a time, while each process has its own interpreter and GIL."
          : 'threads did not scale, as expected while the GIL is held; processes did not scale either, so something else also limits this run.'),
    };
  }
  return {
    verdict: 'released',
    reason: `${tTxt} on ${ev.cores} cores: the heavy work runs in C code that releases the GIL (as hashlib, zlib and numpy do), so threads use several cores without the cost of processes.`,
  };
}

// ---------------------------------------------------------------------------------
// Dispatch overhead: tiny tasks, and (Python processes) serialization

interface Overhead {
  tiny: boolean;
  serializationBound: boolean;
  /** Executor whose dispatch was measured. */
  pool?: ExecutorKind;
  /** Per-task cost of handing a call to that pool, excluding pickling. */
  dispatchMs: number;
  serializationMs: number;
  batchSize?: number;
  reason: string;
}

function overheadOf(ev: Evidence, gil: GilVerdict | undefined): Overhead {
  const none: Overhead = { tiny: false, serializationBound: false, dispatchMs: 0, serializationMs: 0, reason: '' };
  if (!Number.isFinite(ev.callMs) || ev.callMs <= 0 || !ev.seq) return none;
  // The pool the physics would pick: under a held GIL only processes can help.
  const pool: ExecutorKind = gil === 'held' ? 'process' : ev.byKind.thread ? 'thread' : 'process';
  const summary = ev.byKind[pool];
  const one = summary?.runs.find((r) => r.concurrency === 1);
  if (!summary || !one) return none;
  const perTaskMs = 1000 / one.throughputPerSec;
  const overheadMs = Math.max(0, perTaskMs - ev.callMs);
  const serializationMs = one.serialization?.msPerTask ?? summary.best.serialization?.msPerTask ?? 0;
  const dispatchMs = Math.max(0, overheadMs - serializationMs);
  const disappointing = summary.best.speedup < Math.max(1.2, 0.6 * ev.cores);
  const name = executorName(pool, ev.python);
  const callTxt = ms(ev.callMs);

  // The K=1 run must be slower than a plain loop beyond its interval, or the "overhead" is noise.
  const slowerForSure = one.speedupCi[1] < 1 / (1 + TINY_OVERHEAD_SHARE);
  if (disappointing && slowerForSure && dispatchMs >= TINY_OVERHEAD_SHARE * ev.callMs) {
    const batchSize = Math.max(2, Math.ceil(dispatchMs / (BATCH_OVERHEAD_TARGET * ev.callMs)));
    return {
      tiny: true,
      serializationBound: false,
      pool,
      dispatchMs,
      serializationMs,
      batchSize,
      reason:
        `Each call takes only ${callTxt}, but handing one to ${name} costs about ${ms(dispatchMs)} ` +
        `(${name} ×1 ran a task every ${ms(perTaskMs)}), so the pool spends more time passing messages than working: ` +
        `the best ${name} run gave ${x(summary.best.speedup)}. Send calls in batches of about ${batchSize} so the hand-off is under ${pct(BATCH_OVERHEAD_TARGET)} of each task.`,
    };
  }
  if (disappointing && slowerForSure && serializationMs >= TINY_OVERHEAD_SHARE * ev.callMs && serializationMs >= dispatchMs) {
    const bytes = one.serialization?.bytesPerTask ?? summary.best.serialization?.bytesPerTask;
    return {
      tiny: false,
      serializationBound: true,
      pool,
      dispatchMs,
      serializationMs,
      reason:
        `Pickling each task's arguments and result costs ${ms(serializationMs)}${bytes != null ? ` (${kb(bytes)})` : ''} against a ${callTxt} call, ` +
        `so processes lose what they gain: the best process run gave ${x(summary.best.speedup)}. Send less data per task (a path or an index instead of the data itself), ` +
        'or give each task more work (batch calls, or chunksize= with ProcessPoolExecutor.map) so the copying is a smaller share.',
    };
  }
  return { ...none, pool, dispatchMs, serializationMs };
}

// ---------------------------------------------------------------------------------
// Reasons

function cpuReason(ev: Evidence): string {
  const call = Number.isFinite(ev.callMs) ? ` (a call takes ${ms(ev.callMs)} alone)` : '';
  if (ev.offloaded) {
    return (
      `The calling thread was on CPU for only ${pct(ev.callCpuRatio ?? 0)} of each call${call}, ` +
      `yet the machine was busy ${num(ev.machineCpuShare ?? 0)} cores per call in flight: the CPU work ran elsewhere, on libuv's thread pool.`
    );
  }
  if (ev.callCpuRatio == null) {
    return `CPU time per call could not be measured here; judging by machine load instead, each call kept ${num(ev.machineCpuShare ?? 0)} cores busy${call}.`;
  }
  return `Each call used ${pct(ev.callCpuRatio)} of its wall time on CPU${call}.`;
}

function shapeReason(ev: Evidence): string {
  const parts: string[] = [];
  const a = ev.byKind.async;
  const t = ev.byKind.thread;
  const p = ev.byKind.process;
  if (a) parts.push(`${executorName('async', ev.python)} gave ${x(a.best.speedup)} (best at ${a.best.concurrency} in flight)`);
  if (t) parts.push(`${executorName('thread', ev.python)} gave ${x(t.best.speedup)} with ${t.best.concurrency}`);
  if (p) parts.push(`${executorName('process', ev.python)} gave ${x(p.best.speedup)} with ${p.best.concurrency}`);
  if (!parts.length) return '';
  return `${capitalize(parts.join('; '))}, on ${ev.cores} ${ev.cores === 1 ? 'core' : 'cores'}.`;
}

function lessonFor(ev: Evidence, kind: WorkloadKind, blocking: boolean): string[] {
  const out: string[] = [];
  const a = ev.byKind.async;
  if (ev.offloaded) {
    const cap = Math.min(ev.cores, ev.uvPool);
    out.push(
      `This is CPU work offloaded to libuv's thread pool (as crypto.pbkdf2 or async zlib do): the event loop only starts it and waits, ` +
        `so the calling thread looks idle, but the pool's ${ev.uvPool} threads burn CPU. Scaling stops near min(cores, UV_THREADPOOL_SIZE) = min(${ev.cores}, ${ev.uvPool}) = ${cap}` +
        (a ? `; async concurrency reached ${x(a.best.speedup)}.` : '.') +
        (ev.uvPool < ev.cores ? ` Raising UV_THREADPOOL_SIZE (or using child processes, each with its own pool) would let it use all ${ev.cores} cores.` : ''),
    );
    return out;
  }
  if (kind === 'cpu-bound') {
    out.push(
      ev.python
        ? 'The call keeps a core busy the whole time, so only more cores help: several calls at once on one interpreter just take turns.'
        : 'The call keeps its thread on the CPU the whole time, so the event loop can run only one at a time: async concurrency cannot help, only more threads on more cores can, and no more than the number of cores.',
    );
  } else if (kind === 'io-bound') {
    if (blocking) {
      out.push(
        ev.python
          ? 'The call waits while holding its thread (a blocking wait inside async def stalls the asyncio loop), so asyncio cannot overlap calls but threads can.'
          : 'The call waits without using CPU, but the wait blocks its thread (like Atomics.wait or execSync): the event loop is stuck until it returns, so async concurrency cannot overlap calls, while each worker thread blocks on its own.',
      );
    } else if (ev.python && !ev.input.isAsync) {
      out.push('The call mostly waits, and a waiting plain def releases the GIL, so threads overlap the waits; a plain def cannot be awaited, so asyncio does not apply.');
    } else {
      out.push(
        ev.python
          ? 'The call mostly waits, and awaiting hands control back to the asyncio loop, so one thread can keep many calls in flight.'
          : 'The call mostly waits, and waiting hands control back to the event loop, so one thread can keep many calls in flight; cores are not the limit.',
      );
    }
    const t = ev.byKind.thread;
    const beyond = Math.max(a?.best.speedup ?? 0, t?.best.speedup ?? 0);
    if (beyond > ev.cores * 1.3) out.push(`A speedup of ${x(beyond)} on ${ev.cores} cores is itself proof of waiting: CPU work could not go faster than the core count.`);
  } else {
    const r = ev.cpuShare;
    out.push(
      `The call is part CPU (${pct(r)}) and part waiting, so ${ev.python && !ev.input.isAsync ? 'threads' : 'one event loop'} can overlap only the waiting part, ` +
        `up to about 1/${num(r)} = ${x(1 / Math.max(r, 0.01))}, while a pool can go up to about cores/${num(r)} = ${x(ev.cores / Math.max(r, 0.01))} before the CPU runs out.`,
    );
  }
  return out;
}

/** Where the shape of the scaling disagrees with the CPU share, say so and lower the confidence. */
function checkShapeAgainstKind(ev: Evidence, kind: WorkloadKind, gil: GilVerdict | undefined, tiny: boolean, doubts: string[]): void {
  const a = ev.byKind.async;
  const pools = Math.max(ev.byKind.thread?.best.speedup ?? 0, ev.byKind.process?.best.speedup ?? 0);
  if (kind === 'cpu-bound' && !ev.offloaded) {
    if (a && a.best.speedup > 1.5 && !(ev.python && !ev.input.isAsync)) {
      doubts.push(`async concurrency gave ${x(a.best.speedup)}, more than CPU work on one thread allows; part of the call may be waiting.`);
    }
    if (pools > ev.cores * 1.3) doubts.push(`a pool gave ${x(pools)} on ${ev.cores} cores, more than CPU work can; the CPU ratio may be overstated.`);
    if (!tiny && ev.cores >= 2 && pools > 0 && pools < 1.2 && gil !== 'held') {
      doubts.push(`no pool beat ${x(pools)} on ${ev.cores} cores; something else (background load, a shared lock, memory bandwidth) limits scaling.`);
    }
  }
  if (kind === 'io-bound' && ev.bestConcurrentSpeedup > 0 && ev.bestConcurrentSpeedup < 1.3) {
    const maxK = Math.max(0, ...Object.values(ev.byKind).map((s) => s?.maxConcurrency ?? 0));
    if (maxK >= 2) {
      doubts.push(`no executor beat ${x(ev.bestConcurrentSpeedup)} even at ${maxK} in flight, so the wait is on something shared (one connection, a lock, a rate limit).`);
    }
  }
  if (ev.offloaded && a && a.best.speedup > Math.min(ev.cores, ev.uvPool) * 1.4) {
    doubts.push(`async gave ${x(a.best.speedup)}, above min(cores, UV_THREADPOOL_SIZE); part of the call may be waiting rather than computing.`);
  }
}

// ---------------------------------------------------------------------------------
// Recommendation

function recommend(
  ev: Evidence,
  kind: WorkloadKind,
  gil: GilVerdict | undefined,
  blocking: boolean,
  overhead: Overhead,
): Recommendation {
  const formulaWorkers = formulaWorkersOf(ev.cores, ev.cpuShare);
  const formulaTxt = `the classic formula cores × (1 + wait/compute) = ${ev.cores} × (1 + ${num(waitOverCompute(ev.cpuShare))}) gives ${formulaWorkers}`;

  if (overhead.tiny && overhead.pool && overhead.batchSize) {
    const workers = ev.cores;
    // Batching removes the hand-off cost, not the work: what is left scales like the work.
    const expected = round2((1 - BATCH_OVERHEAD_TARGET) * Math.min(workers, ev.cores / Math.max(ev.cpuShare, 0.05)));
    const measured = ev.byKind[overhead.pool]?.best.speedup ?? 0;
    return {
      executor: overhead.pool,
      workers,
      expectedSpeedup: expected,
      formulaWorkers,
      batchSize: overhead.batchSize,
      reason:
        `Calls are so short that a pool per call loses (${executorName(overhead.pool, ev.python)} measured ${x(measured)}). ` +
        `Batch ${overhead.batchSize} calls per task ` +
        (ev.python && overhead.pool === 'process' ? '(ProcessPoolExecutor.map(..., chunksize=' + overhead.batchSize + ')) ' : '') +
        `on ${workers} ${unitOf(overhead.pool, ev.python, workers)}: estimated ${x(expected)} (a model estimate, not measured). For comparison, ${formulaTxt}.`,
    };
  }

  const choice = chooseExecutor(ev);
  if (!choice || (choice.run.executor === 'sequential' && !choice.runnerUp)) {
    return {
      executor: 'sequential',
      workers: 1,
      expectedSpeedup: 1,
      formulaWorkers,
      reason: `Nothing but the sequential run could be measured, so there is nothing to compare. For comparison, ${formulaTxt}.`,
    };
  }
  const { run, runnerUp } = choice;
  if (run.executor === 'sequential') {
    const bestOther = ev.bestConcurrentSpeedup;
    return {
      executor: 'sequential',
      workers: 1,
      expectedSpeedup: 1,
      formulaWorkers,
      reason:
        `No executor beat a plain loop (the best gave ${x(bestOther)}), so keep it sequential.` +
        (overhead.serializationBound ? ' Pickling the data costs processes their gain; see the reasons above.' : '') +
        ` For comparison, ${formulaTxt}.`,
    };
  }

  const name = executorName(run.executor, ev.python);
  const summary = ev.byKind[run.executor]!;
  const atBest =
    summary.best !== run ? ` (within ${pct(KNEE_TOLERANCE)} of its best, ${x(summary.best.speedup)} with ${summary.best.concurrency})` : '';
  let why: string;
  if (ev.offloaded) {
    why =
      run.executor === 'process'
        ? 'each child process has its own libuv pool, so together they can use every core.'
        : `the CPU work already runs on libuv's pool, so more calls in flight are enough until the pool or the cores run out.`;
  } else if (kind === 'cpu-bound') {
    why =
      run.executor === 'process'
        ? ev.python && gil === 'held'
          ? 'the GIL lets one thread run bytecode at a time, so only separate processes use several cores.'
          : 'the work needs more cores, and here processes used them best.'
        : 'the work needs more cores, not more calls in flight, and more workers than cores only take turns.';
    if (ev.python && gil === 'released' && run.executor === 'thread') why = 'the work releases the GIL, so threads use several cores without pickling data to processes.';
  } else if (kind === 'io-bound') {
    if (blocking) why = 'the wait blocks its thread, so async cannot overlap it, while each thread waits on its own.';
    else if (run.executor === 'async') why = 'the calls wait without using CPU, and one event loop overlaps the waits at almost no cost per call.';
    else if (ev.python && !ev.input.isAsync) why = 'the calls wait, and a waiting thread releases the GIL, so threads overlap the waits cheaply.';
    else why = 'the calls wait, so more in flight means more done, and this executor overlapped them best.';
  } else {
    why = 'the call both computes and waits: it gains from more cores for its CPU part and from overlap for its waiting part.';
  }
  let alt = '';
  if (runnerUp) {
    const otherName = executorName(runnerUp.executor, ev.python);
    const cheaper = COST_ORDER.indexOf(runnerUp.executor) < COST_ORDER.indexOf(run.executor);
    if (cheaper) alt = ` ${capitalize(otherName)} would cost less but measured clearly lower (${x(runnerUp.speedup)}).`;
    else if (runnerUp.speedup >= run.speedup * (1 - KNEE_TOLERANCE) || runnerUp.speedupCi[1] >= run.speedupCi[0]) {
      alt = ` ${capitalize(otherName)} did about as well (${x(runnerUp.speedup)}) but cost more, so the cheaper one wins.`;
    } else alt = ` Next best: ${otherName}, ${x(runnerUp.speedup)}.`;
  }
  return {
    executor: run.executor,
    workers: run.concurrency,
    expectedSpeedup: round2(run.speedup),
    formulaWorkers,
    reason:
      `${capitalize(name)} reached ${x(run.speedup)} with ${run.concurrency} ${unitOf(run.executor, ev.python, run.concurrency)}${atBest}: ${why}${alt}` +
      ` For comparison, ${formulaTxt}` +
      (Math.abs(formulaWorkers - run.concurrency) > Math.max(1, run.concurrency * 0.5) ? '; the measurement beats the formula, which assumes nothing else limits scaling.' : '.'),
  };
}

/**
 * The best executor at its knee; a cheaper one wins when it is within KNEE_TOLERANCE of
 * the best, or when the two intervals overlap and it is within 25% (the measurement
 * cannot tell them apart, and cheaper is then the better bet).
 */
function chooseExecutor(ev: Evidence): { run: RunResult; runnerUp?: RunResult } | undefined {
  const candidates = COST_ORDER.map((k) => ev.byKind[k]).filter((s): s is ExecutorSummary => !!s);
  if (candidates.length === 0) return undefined;
  const best = candidates.reduce((a, b) => (b.knee.speedup > a.knee.speedup ? b : a));
  let chosen = best;
  for (const c of candidates) {
    if (c === best) break;
    const close = c.knee.speedup >= best.knee.speedup * (1 - KNEE_TOLERANCE);
    const overlap =
      c.kind !== 'sequential' && c.knee.speedupCi[1] >= best.knee.speedupCi[0] && c.knee.speedup >= best.knee.speedup * 0.75;
    const seqTie = c.kind === 'sequential' && best.knee.speedupCi[0] <= 1 && best.knee.speedup < 1.1;
    if (close || overlap || seqTie) {
      chosen = c;
      break;
    }
  }
  const others = candidates.filter((c) => c !== chosen && c.kind !== 'sequential');
  const runnerUp = others.length ? others.reduce((a, b) => (b.knee.speedup > a.knee.speedup ? b : a)).knee : undefined;
  return { run: chosen.knee, runnerUp };
}

export function waitOverCompute(cpuRatio: number): number {
  const r = clamp(cpuRatio, MIN_FORMULA_CPU_RATIO, 1);
  return (1 - r) / r;
}

/** cores × (1 + wait/compute), with the CPU ratio floored at MIN_FORMULA_CPU_RATIO. */
export function formulaWorkersOf(cores: number, cpuRatio: number): number {
  return Math.max(1, Math.round(cores * (1 + waitOverCompute(cpuRatio))));
}

// ---------------------------------------------------------------------------------
// Caveats and confidence

function caveatsFor(ev: Evidence): Caveat[] {
  const out: Caveat[] = [];
  const bg = ev.input.background;
  if (bg.busy) {
    out.push({
      level: 'warning',
      message: `Other processes kept ${num(bg.busyCores)} of ${ev.cores} cores busy (${pct(bg.utilization)}) before the run: speedups may read low and the verdict is less certain. Profile again on a quieter machine.`,
    });
  }
  if (bg.steal >= HIGH_STEAL) {
    out.push({
      level: 'warning',
      message: `Steal time was ${pct(bg.steal)}: the hypervisor gave this machine's CPU to other guests, so timings vary from run to run.`,
    });
  }
  const noisy = ev.input.runs.filter((r) => r.noisy && r.tasks > 0);
  if (noisy.length) {
    out.push({
      level: 'warning',
      message: `${noisy.length} of ${ev.input.runs.length} points were noisy (95% interval wider than ±10%): ${noisy.map(label).join(', ')}.`,
    });
  }
  for (const r of ev.input.runs) {
    if (r.errors.count <= 0) continue;
    const attempted = Math.max(r.tasks, r.errors.count);
    const sample = r.errors.samples[0];
    const failing = r.errors.samples.every((s) => ['timeout', 'exit', 'crash', 'out-of-memory'].includes(s.kind)) && r.errors.samples.length > 0;
    out.push({
      level: 'warning',
      message:
        `${label(r)}: ${r.errors.count} of ${attempted} calls ${failing ? 'failed' : 'threw'} (${pct(r.errors.count / attempted)})` +
        (sample ? `, e.g. ${sample.kind}: ${sample.message}` : '') +
        (r.errors.rate >= UNUSABLE_ERROR_RATE ? '; this run was left out of the verdict.' : '.'),
    });
  }
  if (ev.seq && ev.seq.tasks < 5) {
    out.push({
      level: 'info',
      message: `Only ${ev.seq.tasks} sequential ${ev.seq.tasks === 1 ? 'call' : 'calls'} fit in the window (${ms(ev.callMs)} each), so intervals are wide; a longer --budget tightens them.`,
    });
  } else {
    const few = ev.input.runs.filter((r) => r.tasks > 0 && r.tasks < 3);
    if (few.length) {
      out.push({ level: 'info', message: `Few calls were measured at ${few.map(label).join(', ')}; a longer --budget tightens those points.` });
    }
  }
  if (!ev.seq) out.push({ level: 'warning', message: 'There was no usable sequential run, so speedups have no baseline and the verdict leans on the probe call alone.' });
  if (ev.callCpuRatio == null) {
    out.push({ level: 'info', message: 'Per-call CPU time was unavailable here; the CPU share comes from machine-wide load, which other processes can inflate.' });
  }
  if (ev.cores < 2) out.push({ level: 'info', message: 'This machine has one core, so no executor can speed up CPU work here; only waiting can overlap.' });
  return out;
}

function confidenceOf(ev: Evidence, kind: WorkloadKind, doubts: number, caveats: Caveat[]): number {
  let c = 1;
  // Distance from the nearest class boundary, in units of 0.15 of CPU share.
  const edges = kind === 'mixed' ? [IO_BOUND_AT, CPU_BOUND_AT] : [kind === 'cpu-bound' ? CPU_BOUND_AT : IO_BOUND_AT];
  const margin = Math.min(...edges.map((e) => Math.abs(ev.cpuShare - e))) / 0.15;
  c *= 0.6 + 0.4 * clamp(margin, 0, 1);
  c *= Math.pow(0.7, doubts);
  const runs = ev.input.runs.filter((r) => r.tasks > 0);
  const noisyShare = runs.length ? runs.filter((r) => r.noisy).length / runs.length : 1;
  c *= 1 - 0.3 * noisyShare;
  if (ev.input.background.busy) c *= 0.85;
  if (ev.input.background.steal >= HIGH_STEAL) c *= 0.85;
  const attempted = runs.reduce((s, r) => s + Math.max(r.tasks, r.errors.count), 0);
  const failed = runs.reduce((s, r) => s + r.errors.count, 0);
  if (attempted > 0) c *= 1 - Math.min(0.5, failed / attempted);
  if (ev.callCpuRatio == null) c *= 0.7;
  if (!ev.seq) c *= 0.6;
  if (caveats.some((k) => k.message.startsWith('Only '))) c *= 0.85;
  if (ev.bestConcurrentSpeedup === 0) c *= 0.7;
  return round2(clamp(c, 0.05, 0.99));
}

// ---------------------------------------------------------------------------------
// Words and numbers

export function executorName(kind: ExecutorKind, python: boolean): string {
  switch (kind) {
    case 'sequential':
      return 'a plain loop';
    case 'async':
      return python ? 'asyncio' : 'async concurrency';
    case 'thread':
      return python ? 'threads' : 'worker threads';
    case 'process':
      return python ? 'processes' : 'child processes';
    case 'distributed':
      return python ? 'Celery workers' : 'BullMQ workers';
  }
}

export function unitOf(kind: ExecutorKind, python: boolean, n: number): string {
  const plural = n === 1 ? '' : 's';
  switch (kind) {
    case 'sequential':
      return 'call at a time';
    case 'async':
      return python ? `task${plural} in flight` : `call${plural} in flight`;
    case 'thread':
      return python ? `thread${plural}` : `worker${plural}`;
    case 'process':
      return `process${n === 1 ? '' : 'es'}`;
    case 'distributed':
      return `job${plural} in flight`;
  }
}

function label(r: RunResult): string {
  return r.executor === 'sequential' ? 'sequential' : `${r.executor} ×${r.concurrency}`;
}

/** "1.9×", "1.02×", "63.8×", "128×". */
export function x(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 100) return `${Math.round(v)}×`;
  if (v >= 10) return `${v.toFixed(1)}×`;
  let s = v.toFixed(2);
  if (s.endsWith('0')) s = s.slice(0, -1);
  return `${s}×`;
}

export function pct(v: number): string {
  const p = v * 100;
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
}

export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 1000) return `${(v / 1000).toFixed(v >= 10_000 ? 0 : 2)} s`;
  if (v >= 10) return `${v.toFixed(0)} ms`;
  if (v >= 1) return `${v.toFixed(1)} ms`;
  return `${Math.round(v * 1000)} µs`;
}

function num(v: number): string {
  return v >= 10 ? v.toFixed(0) : v.toFixed(2);
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${Math.round(bytes)} B`;
}

function capitalize(s: string): string {
  // asyncio is a module name and keeps its lower case.
  if (s.startsWith('asyncio')) return s;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const round3 = (v: number) => Math.round(v * 1000) / 1000;
