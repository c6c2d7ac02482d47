// Inputs of one profile, with the defaults the CLI and the extension share.
import type { DistributedOptions } from './distributed/distributedTypes';
import type { ExecutorKind, Report } from './report';

export interface ProfileOptions {
  file: string;
  functionName: string;
  /** JSON array; "$i" anywhere is replaced by the task index. */
  args?: unknown[];
  /** Whole-profile time budget in ms. */
  budgetMs?: number;
  executors?: ExecutorKind[];
  /** Caps of the adaptive ladder per executor. */
  maxConcurrency?: Partial<Record<ExecutorKind, number>>;
  callTimeoutMs?: number;
  memoryLimitMb?: number;
  maxOutputBytes?: number;
  /** Source text to profile instead of the file on disk (unsaved editor buffers). */
  sourceText?: string;
  /** Python interpreter (CLI --python, setting, or the Python extension's choice). */
  python?: string;
  workspaceRoot?: string;
  /**
   * Pools send each call's result back to the caller, as a real pool must, and the
   * report shows what that costs (default true). Off for functions whose results are
   * never used (CLI --discard-results).
   */
  returnResults?: boolean;
  /** The distributed executor's Redis and workers (used only when it is among `executors`). */
  distributed?: DistributedOptions;
  /** Queue mode: the function takes one item and returns the new items it found. */
  queue?: QueueOptions;
}

export interface QueueOptions {
  /** First items of the crawl (a non-empty array). */
  seeds: unknown[];
  /** Drop items JSON-equal to one already seen (default true). */
  dedupe: boolean;
  /** Stop admitting items after this many, so an endless frontier ends. */
  maxItems: number;
}

export const QUEUE_DEFAULT_MAX_ITEMS = 2000;

export interface ProgressEvent {
  phase: 'load' | 'background' | 'probe' | 'run' | 'analyse' | 'done';
  executor?: ExecutorKind;
  concurrency?: number;
  /** 0..1 share of the budget used so far. */
  fraction: number;
  message: string;
}

export interface ProfileHooks {
  onProgress?(e: ProgressEvent): void;
  signal?: AbortSignal;
}

export const DEFAULTS = {
  budgetMs: 15_000,
  executors: ['sequential', 'async', 'thread', 'process'] as ExecutorKind[],
  callTimeoutMs: 30_000,
  memoryLimitMb: 1024,
  maxOutputBytes: 64 * 1024,
};

/** Ladder caps; process defaults to cores × 2 (computed at run time when unset). */
export function defaultMaxConcurrency(cores: number): Record<ExecutorKind, number> {
  return { sequential: 1, async: 128, thread: 64, process: Math.max(2, cores * 2), distributed: Math.max(2, cores * 2) };
}

export type ProfileFn = (options: ProfileOptions, hooks?: ProfileHooks) => Promise<Report>;
