// Words for the verdict's reason findings. Each function reads a finding's numbers and
// returns one sentence; an unknown code (from a newer analysis) returns undefined.
import type { ExecutorKind, FindingData } from './report';
import { kb, ms, num, pct, x } from './format';
import { capitalize, executorName } from './names';

export interface WordingContext {
  python: boolean;
}

type Words = (d: FindingData, ctx: WordingContext) => string;

export const n = (d: FindingData, k: string): number => (typeof d[k] === 'number' ? (d[k] as number) : NaN);
export const has = (d: FindingData, k: string): boolean => d[k] !== undefined;
export const str = (d: FindingData, k: string): string => (d[k] === undefined ? '' : String(d[k]));

/** A comma-separated list of executor kinds as "worker threads and child processes". */
export const poolNames = (kinds: string, python: boolean): string =>
  kinds
    .split(',')
    .filter(Boolean)
    .map((k) => executorName(k as ExecutorKind, python))
    .join(' and ');
const callAlone = (d: FindingData) => (has(d, 'callMs') ? ` (a call takes ${ms(n(d, 'callMs'))} alone)` : '');

function shape(d: FindingData, ctx: WordingContext): string {
  const parts: string[] = [];
  const part = (k: ExecutorKind, s: string) => executorName(k, ctx.python) + s;
  if (has(d, 'asyncSpeedup')) parts.push(part('async', ` gave ${x(n(d, 'asyncSpeedup'))} (best at ${n(d, 'asyncK')} in flight)`));
  if (has(d, 'threadSpeedup')) parts.push(part('thread', ` gave ${x(n(d, 'threadSpeedup'))} with ${n(d, 'threadK')}`));
  if (has(d, 'processSpeedup')) parts.push(part('process', ` gave ${x(n(d, 'processSpeedup'))} with ${n(d, 'processK')}`));
  const cores = n(d, 'cores');
  return `${capitalize(parts.join('; '))}, on ${cores} ${cores === 1 ? 'core' : 'cores'}.`;
}

const threads = (d: FindingData) => `threads ×${n(d, 'threadK')} gave ${x(n(d, 'threadSpeedup'))}`;
/** What the GIL probe's spinner kept: "78% of its speed, 56% while the call computed". */
const kept = (d: FindingData) => `${pct(n(d, 'freeShare'))} of its speed${has(d, 'computeFreeShare') ? `, ${pct(n(d, 'computeFreeShare'))} while the call computed` : ''}`;
/** The GIL probe's reading, when there was one. */
const spinner = (d: FindingData) => (has(d, 'freeShare') ? ` (A Python thread beside one call kept ${kept(d)}.)` : '');
const processes = (d: FindingData) =>
  has(d, 'processSpeedup') ? `processes ×${n(d, 'processK')} gave ${x(n(d, 'processSpeedup'))}` : 'no process runs were measured';

export const REASON_WORDS: Record<string, Words> = {
  'cpu.offloaded': (d, ctx) =>
    `The calling thread was on CPU for only ${pct(n(d, 'callCpuRatio'))} of each call${callAlone(d)}, ` +
    `yet the machine was busy ${num(n(d, 'machineCpuShare'))} cores per call in flight: the CPU work ran elsewhere, ` +
    (ctx.python
      ? 'on other threads (asyncio.to_thread, run_in_executor, a library of its own) or in child processes.'
      : "on libuv's thread pool (crypto, zlib, fs) or in child processes the call started."),
  'cpu.machine-only': (d) =>
    `CPU time per call could not be measured here; judging by machine load instead, each call kept ${num(n(d, 'machineCpuShare'))} cores busy${callAlone(d)}.`,
  'cpu.share': (d) => `Each call used ${pct(n(d, 'callCpuRatio'))} of its wall time on CPU${callAlone(d)}.`,
  shape,
  'lesson.parallel-inside': (d) =>
    `One call at a time kept ${num(n(d, 'busyCores'))} of ${n(d, 'cores')} cores busy: the function is already parallel inside ` +
    '(a multi-threaded library such as BLAS under NumPy, its own worker threads, or GC helper threads), so a pool finds few idle cores to add.',
  'lesson.offloaded': (d, ctx) => {
    if (ctx.python) {
      return (
        'This is CPU work the calling thread hands off, to other threads (asyncio.to_thread, run_in_executor) or to child processes (subprocess): it only starts the work and waits, ' +
        `so it looks idle, but the work burns CPU, so the cores limit it (${n(d, 'cores')} here), not the calls in flight` +
        (has(d, 'asyncSpeedup') ? `; asyncio reached ${x(n(d, 'asyncSpeedup'))}.` : '.') +
        ' Threads run it side by side only where it releases the GIL (hashlib, zlib, most C extensions and a wait for a child process do; pure Python does not).'
      );
    }
    const uv = n(d, 'uvPool');
    const cores = n(d, 'cores');
    // The profile cannot tell libuv's threads from child processes (both leave the calling
    // thread idle while the machine works), so the words give both limits.
    return (
      `This is CPU work the calling thread hands off, to libuv's thread pool (as crypto.pbkdf2 or async zlib do) or to child processes: the event loop only starts it and waits, ` +
      `so the calling thread looks idle, but the work burns CPU. On libuv's ${uv} threads, scaling stops near min(cores, UV_THREADPOOL_SIZE) = min(${cores}, ${uv}) = ${n(d, 'cap')}; child processes stop at the ${cores} cores` +
      (has(d, 'asyncSpeedup') ? `. Async concurrency reached ${x(n(d, 'asyncSpeedup'))}.` : '.') +
      (uv < cores ? ` Raising UV_THREADPOOL_SIZE (or using child processes, each with its own pool) would let libuv's work use all ${cores} cores.` : '')
    );
  },
  'lesson.cpu': (_d, ctx) =>
    ctx.python
      ? 'The call keeps a core busy the whole time, so only more cores help: several calls at once on one interpreter just take turns.'
      : 'The call keeps its thread on the CPU the whole time, so the event loop can run only one at a time: async concurrency cannot help, only more threads on more cores can, and no more than the number of cores.',
  'lesson.blocking': (_d, ctx) =>
    ctx.python
      ? 'The call waits while holding its thread (a blocking wait inside async def stalls the asyncio loop), so asyncio cannot overlap calls but threads can.'
      : 'The call waits without using CPU, but the wait blocks its thread (like Atomics.wait or execSync): the event loop is stuck until it returns, so async concurrency cannot overlap calls, while each worker thread blocks on its own.',
  'lesson.io-async-overloaded': (d, ctx) =>
    `But ${ctx.python ? 'asyncio' : 'async concurrency'} with ${n(d, 'asyncK')} calls in flight gave ${x(n(d, 'asyncSpeedup'))}, far below one call at a time, which is the most a wait that blocks the loop costs: ` +
    `the loop overlapped the calls, and what they wait on slowed down with that many at once (a server's backlog or connection limit, a rate limit). Fewer in flight may do better than that point shows.`,
  'lesson.io-plain-def': () =>
    'The call mostly waits, and a waiting plain def releases the GIL, so threads overlap the waits; a plain def cannot be awaited, so asyncio does not apply.',
  'lesson.io-async': (_d, ctx) =>
    ctx.python
      ? 'The call mostly waits, and awaiting hands control back to the asyncio loop, so one thread can keep many calls in flight.'
      : 'The call mostly waits, and waiting hands control back to the event loop, so one thread can keep many calls in flight; cores are not the limit.',
  'lesson.beyond-cores': (d) =>
    `A speedup of ${x(n(d, 'speedup'))} on ${n(d, 'cores')} cores is itself proof of waiting: CPU work could not go faster than the core count.`,
  'lesson.mixed': (d) => {
    const r = n(d, 'cpuShare');
    return (
      `The call is part CPU (${pct(r)}) and part waiting, so ${str(d, 'overlapBy') === 'threads' ? 'threads' : 'one event loop'} can overlap only the waiting part, ` +
      `up to about 1/${num(r)} = ${x(1 / Math.max(r, 0.01))}, while a pool can go up to about cores/${num(r)} = ${x(n(d, 'cores') / Math.max(r, 0.01))} before the CPU runs out.`
    );
  },
  'gil.free-threaded': (d) =>
    'This interpreter runs without a GIL (free-threaded build), so threads can run Python bytecode on several cores at once;' +
    (has(d, 'threadSpeedup') ? ` threads gave ${x(n(d, 'threadSpeedup'))} with ${n(d, 'threadK')}.` : ' no thread runs were measured.'),
  'gil.parallel-inside': (d) =>
    `The GIL could not be judged: one call already keeps ${num(n(d, 'busyCores'))} cores busy, so threads have no idle core to show a gain on, held GIL or not.`,
  'gil.io': () => 'The GIL does not matter here: a waiting call (sleep, socket, file) releases it, so threads overlap their waits freely.',
  'gil.untested': () => 'No thread runs were measured, so the GIL could not be tested; pure-Python code holds it.',
  'gil.one-core': (d) =>
    `With one core, neither threads nor processes can run bytecode in parallel, so the GIL could not be tested (${threads(d)}); assume pure-Python code holds it.`,
  'gil.held': (d) =>
    `${threads(d)}, ${processes(d)}: the GIL serializes this function's bytecode, so only one thread runs it at a time, while each process has its own interpreter and GIL.${spinner(d)}`,
  'gil.held-nothing-scaled': (d) =>
    `${threads(d)}, ${processes(d)}: threads did not scale, as expected while the GIL is held; processes did not scale either, so something else also limits this run.${spinner(d)}`,
  'gil.held-beside-processes': (d) =>
    `${capitalize(threads(d))}, but ${processes(d)} against the same sequential baseline: threads reached only ${pct(n(d, 'ratio'))} of what processes did, as when one GIL makes them take turns. ` +
    `Both read high because the baseline ran slow.${spinner(d)}`,
  'gil.released': (d) =>
    `${threads(d)} on ${n(d, 'cores')} cores: the heavy work runs in C code that releases the GIL (as hashlib, zlib and numpy do), so threads use several cores without the cost of processes.${spinner(d)}`,
  'gil.released-serialized': (d) =>
    `The call leaves the GIL free (a Python thread beside it kept ${kept(d)}), yet ${threads(d)} and ${processes(d)}: ` +
    'so the calls wait for each other on a lock, which each process has a copy of: one of the C code\'s own (a library-wide mutex, a shared allocator), ' +
    'or the GIL itself, when a call drops and retakes it for every small step (sqlite3 binding each row of an executemany from Python): a lone thread beside it barely notices, two such calls hand it back and forth all the time.',
  'gil.released-handoff': (d) =>
    `The call leaves the GIL free (a Python thread beside it kept ${kept(d)}). ${capitalize(threads(d))} and ${processes(d)} because each call is shorter than handing it to a pool (below), not because the GIL or a lock serializes them.`,
  'gil.probe-released': (d) => `A Python thread beside one call kept ${kept(d)}: the call leaves the GIL free (no thread runs were measured).`,
  'gil.probe-held': (d) => `A Python thread beside one call kept only ${kept(d)}: the call holds the GIL (no thread runs were measured).`,
  'overhead.tiny': (d, ctx) => {
    const name = executorName(str(d, 'pool') as ExecutorKind, ctx.python);
    return (
      `Each call takes only ${ms(n(d, 'callMs'))}, but handing one to ${name} costs about ${ms(n(d, 'dispatchMs'))} ` +
      `(${name} ×1 ran a task every ${ms(n(d, 'perTaskMs'))}), ` +
      (n(d, 'dispatchMs') >= n(d, 'callMs') ? 'so the pool spends more time passing messages than working: ' : 'so its workers sit idle through a hand-off for every call: ') +
      (has(d, 'bestK') ? `${name} ×${n(d, 'bestK')} gave ${x(n(d, 'bestSpeedup'))}` : `the best ${name} run gave ${x(n(d, 'bestSpeedup'))}`) + `. Send calls in batches of about ${n(d, 'batchSize')} so the hand-off is under ${pct(n(d, 'target'))} of each task.`
    );
  },
  'overhead.serialization': (d) =>
    `Pickling each task's arguments and result costs ${ms(n(d, 'serializationMs'))}${has(d, 'bytesPerTask') ? ` (${kbOf(d)})` : ''} against a ${ms(n(d, 'callMs'))} call, ` +
    `so processes lose what they gain: the best process run gave ${x(n(d, 'bestSpeedup'))}. Send less data per task (a path or an index instead of the data itself), ` +
    'or give each task more work (batch calls, or chunksize= with ProcessPoolExecutor.map) so the copying is a smaller share.',
  'doubt.async-too-fast': (d) =>
    `async concurrency gave ${x(n(d, 'speedup'))}, more than CPU work on one thread allows: part of the call may be waiting, or the sequential baseline ran slow.`,
  'doubt.pool-beyond-cores': (d) => `a pool gave ${x(n(d, 'speedup'))} on ${n(d, 'cores')} cores, more than CPU work can: the sequential baseline ran slow (a burst of load, a JIT still warming), or the CPU ratio is overstated.`,
  'doubt.no-scaling': (d) =>
    `no pool beat ${x(n(d, 'speedup'))} on ${n(d, 'cores')} cores; something else (background load, a shared lock, memory bandwidth) limits scaling.`,
  'doubt.pools-cold': (d, ctx) =>
    `${poolNames(str(d, 'pools'), ctx.python)} gave at most ${x(n(d, 'speedup'))} while their workers were still warming up (see the caveats): that says how slowly a fresh pool starts, not how this work scales.`,
  'doubt.shared-wait': (d) =>
    `no executor beat ${x(n(d, 'speedup'))} even at ${n(d, 'maxK')} in flight, so the wait is on something shared (one connection, a lock, a rate limit).`,
  'doubt.offload-beyond-pool': (d) =>
    `async gave ${x(n(d, 'speedup'))}, above min(cores, UV_THREADPOOL_SIZE); part of the call may be waiting rather than computing.`,
};

function kbOf(d: FindingData): string {
  return kb(n(d, 'bytesPerTask'));
}
