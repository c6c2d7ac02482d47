// What a report says about an engine process that died while measuring an executor
// (a native crash in a worker thread, or its RSS past the cap): the words, the row of
// the executor that crashed, and the caveat. Used by engineProcess.ts, which starts a
// new engine for the executors still to measure.
import type { ProgressEvent } from '../shared/options';
import type { ErrorSample, ExecutorKind, Finding, RunResult } from '../shared/report';
import { rssMessage } from './rssWatch';

/** V8's own report of a heap that ran out, printed on the engine's stderr. */
const OOM = /heap out of memory|Allocation failed|out of memory|ERR_WORKER_OUT_OF_MEMORY/i;

export interface EngineDeath {
  exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error };
  /** The last progress event: what was running when it died. */
  last?: ProgressEvent;
  /** Executors that had started measuring, in order. */
  seen: ExecutorKind[];
  /** Executors measured before the crash and not again (too little budget left). */
  skipped?: ExecutorKind[];
  stderrTail: string;
  /** Set when the engine was stopped for its resident memory (rssWatch.ts). */
  overMemory?: { rssMb: number; capMb: number };
}

/** The error kind, and how it ended in words ("it was killed by SIGSEGV", "out of memory: RSS reached …"). */
export function deathWords(d: EngineDeath): { kind: 'crash' | 'exit' | 'out-of-memory'; how: string } {
  if (d.overMemory) return { kind: 'out-of-memory', how: rssMessage(d.overMemory.rssMb, d.overMemory.capMb) };
  const how = d.exit.signal ? `it was killed by ${d.exit.signal}` : `it exited with code ${d.exit.code}`;
  if (OOM.test(d.stderrTail)) return { kind: 'out-of-memory', how: `${how} after running out of memory` };
  return { kind: d.exit.signal ? 'crash' : 'exit', how };
}

function where(d: EngineDeath): { executor: RunResult['executor']; k: number } {
  return { executor: d.last?.executor ?? 'thread', k: d.last?.concurrency ?? 1 };
}

/**
 * The row of the executor that crashed: no throughput, one failed call, the crash as
 * its error. A failure rate of 1 keeps it out of any ranking, as a run whose every
 * call failed is.
 */
export function crashRow(d: EngineDeath): RunResult {
  const { executor, k } = where(d);
  const { kind, how } = deathWords(d);
  const sample: ErrorSample = {
    kind,
    message: `the profiler's engine process died while running ${executor} × ${k} (${how}); the other executors were measured in a new one`,
    count: 1,
  };
  const tail = d.stderrTail.trim();
  if (tail) sample.stack = tail.split('\n').slice(-20).join('\n');
  return {
    executor,
    concurrency: k,
    tasks: 0,
    wallMs: 0,
    throughputPerSec: 0,
    speedup: 0,
    speedupCi: [0, 0],
    noisy: true,
    cpuMsPerTask: null,
    cpuRatio: null,
    cpuSource: 'unavailable',
    coreUtilization: 0,
    busyCores: 0,
    errors: { count: 1, rate: 1, samples: [sample] },
  };
}

/** The caveat for an executor that crashed an engine process, as a finding (the words: caveatWords.ts). */
export function crashCaveat(functionName: string, d: EngineDeath): Finding {
  const { executor, k } = where(d);
  const { how } = deathWords(d);
  return { level: 'warning', code: 'engine-crash', data: { executor, k, functionName, how, ...(d.skipped?.length ? { skipped: d.skipped.join(' and ') } : {}) } };
}

/** The raw output of every engine process of one profile, in order. */
export function mergeOutputs(all: { stdout: string; stderr: string; truncated: boolean }[]): { stdout: string; stderr: string; truncated: boolean } {
  return {
    stdout: all.map((o) => o.stdout).join(''),
    stderr: all.map((o) => o.stderr).join(''),
    truncated: all.some((o) => o.truncated),
  };
}
