// Names of things: workload kinds, executors and their units, measured points. Pure.
// Executor kinds may grow (e.g. 'distributed'); an unknown kind is named by its id.
import type { ExecutorKind, WorkloadKind } from './report';

/** `one` for a count of 1, else `many`: "1 worker", "2 workers"; "1 job was", "3 jobs were". */
export const plural = (count: number, one: string, many: string): string => (count === 1 ? one : many);

export function kindLabel(kind: WorkloadKind): string {
  switch (kind) {
    case 'cpu-bound':
      return 'CPU-bound';
    case 'io-bound':
      return 'I/O-bound';
    case 'mixed':
      return 'Mixed';
  }
}

/** The executor as a phrase in a sentence: "worker threads", "asyncio", "a plain loop". */
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
    default:
      return String(kind);
  }
}

/** What the recommendation tells a user to build: "a ProcessPoolExecutor", "worker threads". */
export function executorToUse(kind: ExecutorKind, python: boolean): string {
  if (python && kind === 'thread') return 'a ThreadPoolExecutor';
  if (python && kind === 'process') return 'a ProcessPoolExecutor';
  return executorName(kind, python);
}

/** The unit K counts: "2 workers", "64 calls in flight", "4 processes". */
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
    default:
      return `worker${plural}`;
  }
}

const NOUNS: Partial<Record<ExecutorKind, [one: string, many: string]>> = {
  sequential: ['sequential', 'sequential'],
  async: ['async', 'async'],
  thread: ['thread', 'threads'],
  process: ['process', 'processes'],
};

/** Short noun for labels and chart legends: "thread" / "threads". */
export function executorNoun(kind: ExecutorKind, plural = false): string {
  return NOUNS[kind]?.[plural ? 1 : 0] ?? String(kind);
}

/** "threads×2", "async×64", "sequential"; "threads×≥8" for an "at least" answer. */
export function executorAt(kind: ExecutorKind, k: number, atLeast = false): string {
  return kind === 'sequential' ? 'sequential' : `${executorNoun(kind, true)}×${atLeast ? '≥' : ''}${k}`;
}

/** A measured point in a sentence: "sequential", "thread ×4". */
export function pointLabel(executor: ExecutorKind, k: number): string {
  return executor === 'sequential' ? 'sequential' : `${executor} ×${k}`;
}

/** Points are stored in findings as "thread:4,process:2" (data holds only strings and numbers). */
export function encodePoints(points: { executor: ExecutorKind; concurrency: number }[]): string {
  return points.map((p) => `${p.executor}:${p.concurrency}`).join(',');
}

export function decodePoints(s: string): string {
  return pointLabels(s).join(', ');
}

/** Each point of an encoded list (encodePoints) as its label, in order. */
export function pointLabels(s: string): string[] {
  return s
    .split(',')
    .filter(Boolean)
    .map((p) => {
      const [executor, k] = p.split(':');
      return pointLabel(executor as ExecutorKind, Number(k));
    });
}

export function capitalize(s: string): string {
  // asyncio is a module name and keeps its lower case.
  if (s.startsWith('asyncio')) return s;
  return s.charAt(0).toUpperCase() + s.slice(1);
}
