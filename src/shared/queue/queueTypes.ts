// What a queue-mode runner (one per executor and language) hands back for one crawl, and
// the messages between the engine and the JS queue runtimes. A crawl always starts from
// the same seeds, so crawls at different K drain the same item tree.
import type { CpuSource, ErrorSample, ExecutorKind } from '../report';
import type { ErrorInfo } from '../errorInfo';
import type { CapturedOutput } from '../outputCapture';
import type { FrontierState } from './frontier';
import type { DistributedRunStats } from '../distributed/distributedTypes';

export interface CrawlRequest {
  concurrency: number;
  seeds: unknown[];
  dedupe: boolean;
  maxItems: number;
  /** Epoch ms after which no new item starts: the crawl stops undrained. */
  deadlineMs: number;
  signal: AbortSignal;
}

/** One item's final outcome (after its retry, if it needed one). */
export interface ItemRecord {
  id: number;
  parent: number;
  depth: number;
  enqueuedMs: number;
  /** Start and end of the last attempt (epoch ms). */
  startMs: number;
  endMs: number;
  /** Lane / thread / process slot that ran the last attempt, 0..K-1. */
  worker: number;
  ok: boolean;
  attempts: number;
  cpuMs: number;
  /** New items the call returned, before dedupe. */
  found: number;
  error?: ErrorInfo;
}

/** Busy spans of one worker slot: [start, end] pairs of every attempt, failed ones too. */
export type BusySpans = [number, number][];

export interface CrawlResult {
  executor: ExecutorKind;
  concurrency: number;
  /** When the workers were ready and the seeds went in, and when the queue drained. */
  startMs: number;
  endMs: number;
  items: ItemRecord[];
  /** Per worker slot, every attempt it ran (for idle shares). */
  busy: BusySpans[];
  admitted: number;
  duplicatesDropped: number;
  /** --max-items refused an item: the frontier had not ended. */
  capped: boolean;
  /** Every admitted item reached a final outcome (join() returned). */
  drained: boolean;
  cpuSource: CpuSource;
  errors: ErrorSample[];
  output?: CapturedOutput;
  note?: string;
  /** Distributed executor only: workers and the queue's cost per item (becomes runs[].distributed). */
  distributed?: DistributedRunStats;
}

export interface QueueRunner {
  readonly kind: ExecutorKind;
  readonly maxConcurrency: number;
  crawl(req: CrawlRequest): Promise<CrawlResult>;
  /** Ends every thread / process it started. Idempotent. */
  dispose(): Promise<void>;
}

/** Engine → queue loop worker (sequential / async). */
export interface LoopCrawlStart {
  type: 'crawl';
  concurrency: number;
  dedupe: boolean;
  maxItems: number;
  deadlineMs: number;
  seeds?: unknown[];
  /** A previous loop worker died: continue its crawl from here. */
  resume?: FrontierState;
}

/** Queue loop worker → engine: events in the order they happened. */
export type LoopCrawlEvent =
  | { t: 's'; id: number; lane: number; at: number }
  | { t: 'e'; id: number; ok: boolean; startMs: number; endMs: number; cpuMs: number; found: unknown[]; error?: ErrorInfo };

export type LoopCrawlMessage =
  | { type: 'ready'; cpuSource: CpuSource }
  | { type: 'loadError'; error: ErrorInfo }
  | { type: 'events'; events: LoopCrawlEvent[]; output?: CapturedOutput }
  | { type: 'done'; output?: CapturedOutput };

/** Engine → pool worker / child: one item. Reply with what it found. */
export interface ItemTask {
  item: unknown;
}
export interface ItemTaskResult {
  ok: boolean;
  startMs: number;
  endMs: number;
  cpuMs: number;
  found: unknown[];
  error?: ErrorInfo;
  output?: CapturedOutput;
}
