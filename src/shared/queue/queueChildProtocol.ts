// Messages between the engine's queue child pool (src/engine/queue/queueChildPool.ts)
// and the child-process runtime of queue mode's process executor (src/hosted/jsQueueChild.ts).
import type { ErrorInfo } from '../errorInfo';
import type { HostInit } from '../jsProtocol';
import type { CpuSource } from '../report';
import type { ItemTaskResult } from './queueTypes';

/** Queue mode's thread executor: what a piscina task carries, and what it returns. */
export type QueuePoolTask = { type: 'item'; item: unknown } | { type: 'warm'; barrier: SharedArrayBuffer; parties: number };
export type QueuePoolResult = (ItemTaskResult & { type: 'item'; thread: number }) | { type: 'warm'; cpuSource: CpuSource; thread: number };

export type QueueChildRequest = { type: 'init'; init: HostInit } | { type: 'item'; id: number; item: unknown };
export type QueueChildMessage =
  | { type: 'ready'; cpuSource: CpuSource }
  | { type: 'loadError'; error: ErrorInfo }
  | { type: 'result'; id: number; result: ItemTaskResult };
