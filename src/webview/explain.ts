// The "why" under the verdict: turns the measured facts into the mechanism behind them
// (the event loop, libuv's pool, cores, Python's GIL and pickling), in plain words.
// The measured numbers and the verdict's own reasons are in the "What was measured" list
// (src/shared/wording.ts); this list only explains the mechanism, with the same formatters.
import type { Report } from '../shared/report';
import { kb, ms, pct } from '../shared/format';

export function explain(report: Report): string[] {
  const { verdict: v, environment: env, recommendation: rec } = report;
  const python = report.target.language === 'python';
  const cores = env.cores;
  const ratio = !Number.isFinite(v.cpuRatio) ? 'an unknown share' : v.cpuRatio < 0.01 ? 'under 1%' : pct(v.cpuRatio);
  const out: string[] = [];

  switch (v.kind) {
    case 'cpu-bound':
      out.push(
        `Each call keeps its thread computing for ${ratio} of its time, so more calls in flight only make them take turns.`,
        python
          ? 'An asyncio loop runs one coroutine at a time on one thread, so async concurrency cannot speed up computation.'
          : 'Async concurrency runs every call on the same event loop (one thread), so it cannot speed up computation.',
        `${python ? 'Worker processes can: each has its own interpreter and' : 'Parallel workers can: each'} runs on its own core, so the speedup stops growing at this machine's ${cores} core${cores === 1 ? '' : 's'}.`,
      );
      break;
    case 'io-bound':
      out.push(`Each call spends most of its time waiting (computing for ${ratio} of it): on timers, sockets, files or a database.`);
      if (rec.executor === 'async') {
        out.push(
          python
            ? 'While one coroutine awaits, the asyncio loop runs the others, so many waits overlap on one thread without needing extra cores.'
            : 'While one call waits, the event loop is free to start the next, so async concurrency overlaps many waits on one thread without needing extra cores.',
          'Threads or processes would add start-up and messaging cost for no more overlap than async already gets.',
        );
      } else if (rec.executor === 'thread') {
        out.push(
          python
            ? 'A blocking call (time.sleep, a socket or file read) releases the GIL while it waits, so a pool of threads overlaps the waits; a plain def cannot be awaited, so asyncio cannot.'
            : 'The call blocks its thread while it waits (synchronous I/O or Atomics.wait), so the event loop cannot overlap the waits; worker threads each block on their own.',
          'Waiting costs no core, which is why more workers than cores still help.',
        );
      } else if (rec.executor === 'process') {
        out.push('The waits overlap best in separate processes here; waiting costs no core, so more workers than cores still help.');
      }
      break;
    case 'mixed':
      out.push(
        `Each call both computes (${ratio} of its time) and waits. Overlapping the waits helps, but the computing part still needs a core.`,
        `A pool of about cores × (1 + wait/compute) ≈ ${Math.round(rec.formulaWorkers)} workers keeps the ${cores} core${cores === 1 ? '' : 's'} busy while other calls wait.`,
      );
      break;
  }

  if (v.parallelInside) {
    out.push(
      'One call alone already kept more than one core busy: the function runs threads of its own (a multi-threaded library, its own workers, GC helpers). ' +
        'A pool would only share the same cores; cap those internal threads first if you want to run calls side by side.',
    );
  }
  if (rec.atLeast) {
    out.push(
      `Throughput was still growing at ${rec.workers} when the ladder stopped (the time budget or a cap cut it), so ${rec.workers} is a floor, not the best size` +
        (rec.extrapolatedWorkers ? `; about ${rec.extrapolatedWorkers} is where it should level off (an estimate).` : '.'),
    );
  }
  if (v.offloadedCpu && python) {
    out.push(
      'The CPU work ran outside the calling thread (asyncio.to_thread, run_in_executor, or a library of its own): the calling thread looked idle while the cores worked, ' +
        'so the work is limited by the cores, and threads share them only where the work releases the GIL.',
    );
  }
  if (v.offloadedCpu && !python) {
    out.push(
      `Part of the CPU work ran outside the calling thread: on libuv's thread pool (fs, crypto, zlib and dns.lookup use it), or in child processes the call started` +
        (env.uvThreadpoolSize ? `. libuv's pool has ${env.uvThreadpoolSize} threads (UV_THREADPOOL_SIZE), which caps how many such calls run at once.` : '.'),
    );
  }
  if (python) {
    switch (v.gil) {
      case 'not-applicable':
        if (v.parallelInside) out.push('Flat thread scaling says nothing about the GIL here: the cores were already busy with the call\'s own threads.');
        break;
      case 'held':
        out.push(
          "Python's GIL lets only one thread run Python code at a time, so a thread pool does not speed this function up; each process has its own interpreter and GIL, so processes do.",
        );
        break;
      case 'released':
        out.push('This function releases the GIL while it works (waiting on I/O, or inside C code such as hashlib or NumPy), so threads really run it in parallel.');
        break;
      case 'free-threaded':
        out.push('This interpreter is free-threaded (no GIL), so threads can run Python code in parallel.');
        break;
    }
    const ser = report.runs.find((r) => r.serialization)?.serialization;
    if (ser) {
      out.push(
        `A process pool pickles the arguments and the result of every call to pass them between processes: ${ms(ser.msPerTask)} and ${kb(ser.bytesPerTask)} per task here.`,
      );
    }
  }
  if (v.tinyTasks) {
    out.push(
      `A call takes only ${ms(report.probe.wallMs)}, less than handing a task to a pool costs` +
        (rec.batchSize ? `; group about ${rec.batchSize} calls per task before parallelising.` : '; batch calls before parallelising.'),
    );
  }
  return out;
}
