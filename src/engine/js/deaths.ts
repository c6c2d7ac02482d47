// Plain-words accounts of a worker thread or child process that ended mid-call.
import type { ErrorInfo } from '../../shared/errorInfo';
import { userStack } from '../../shared/errorInfo';
import { timeoutMessage } from '../../shared/jsProtocol';

export function workerDeath(
  d: { timedOutAfterMs?: number; error?: Error; exitCode?: number },
  memoryLimitMb: number,
): ErrorInfo {
  if (d.timedOutAfterMs !== undefined) {
    return { kind: 'timeout', message: `${timeoutMessage(d.timedOutAfterMs)}; its worker thread was ended` };
  }
  const err = d.error as (Error & { code?: string }) | undefined;
  if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(err?.message ?? '')) {
    return { kind: 'out-of-memory', message: `out of memory: the worker thread reached its ${memoryLimitMb} MB heap limit and was ended` };
  }
  if (err) {
    const info: ErrorInfo = { kind: 'crash', message: `the worker thread died from an uncaught ${err.name}: ${err.message}` };
    if (err.stack) info.stack = userStack(err.stack);
    return info;
  }
  return { kind: 'exit', message: `process.exit(${d.exitCode ?? '?'}) ended the worker thread` };
}

const OOM = /heap out of memory|Allocation failed|out of memory/i;

export function childDeath(
  d: { timedOutAfterMs?: number; code: number | null; signal: NodeJS.Signals | null; stderrTail: string },
  memoryLimitMb: number,
): ErrorInfo {
  if (d.timedOutAfterMs !== undefined) {
    return { kind: 'timeout', message: `${timeoutMessage(d.timedOutAfterMs)}; its child process was killed` };
  }
  if (OOM.test(d.stderrTail)) {
    return {
      kind: 'out-of-memory',
      message: `out of memory: the child process reached its ${memoryLimitMb} MB heap limit (--max-old-space-size) and died`,
    };
  }
  if (d.signal) return { kind: 'crash', message: `the child process crashed (killed by ${d.signal})` };
  return { kind: 'exit', message: `process.exit(${d.code ?? '?'}) ended the child process` };
}
