// What the queue-mode suites (queueJs, queuePython) share: the fixtures append every
// item they complete to done.log in QUEUE_TEST_DIR, a fresh directory per test, and each
// suite keeps one runtime per fixture function across its tests, disposed at the end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetRuntime } from '../../src/engine/executorTypes';

export interface QueueScratch {
  /** One runtime per fixture function, reused by the suite's tests. */
  runtimes: Map<string, TargetRuntime>;
  /** Items the function completed, from its own log: one line per successful call. */
  done(): number[];
}

/** Call inside describe(): registers the hooks that make and remove the scratch. */
export function useQueueScratch(prefix: string): QueueScratch {
  const runtimes = new Map<string, TargetRuntime>();
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    process.env.QUEUE_TEST_DIR = dir;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(async () => {
    for (const rt of runtimes.values()) await rt.dispose();
  });
  return {
    runtimes,
    done: () => readFileSync(join(dir, 'done.log'), 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b),
  };
}

/** The whole numbers from..to. */
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
