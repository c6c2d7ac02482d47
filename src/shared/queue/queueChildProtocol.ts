// Messages between the engine's queue child pool (src/engine/queue/queueChildPool.ts)
// and the child-process runtime of queue mode's process executor (src/hosted/jsQueueChild.ts).
import type { ErrorInfo } from '../errorInfo';
import type { HostInit } from '../../hosted/lib/targetHost';
import type { CpuSource } from '../report';
import type { ItemTaskResult } from './queueTypes';

export type QueueChildRequest = { type: 'init'; init: HostInit } | { type: 'item'; id: number; item: unknown };
export type QueueChildMessage =
  | { type: 'ready'; cpuSource: CpuSource }
  | { type: 'loadError'; error: ErrorInfo }
  | { type: 'result'; id: number; result: ItemTaskResult };
