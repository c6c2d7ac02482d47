// How a child that hosts the user's function (the process pool's, queue mode's) comes
// up: it answers its init message with 'ready' (and its CPU clock's source) or with
// 'loadError'; if it exits first, what killed it is the reason it could not load.
import type { ChildProcess } from 'node:child_process';
import type { ErrorInfo } from '../../shared/errorInfo';
import type { CpuSource } from '../../shared/report';
import { childDeath } from './deaths';

type StartMessage = { type: 'ready'; cpuSource: CpuSource } | { type: 'loadError'; error: ErrorInfo };

/**
 * Resolves with the child's CPU source once it is ready; rejects with `loadFailure(...)`
 * when it cannot load the function or dies first (what killed it, from its exit and the
 * tail of its stderr). Every other message (a reply to a
 * call) goes to `onReply`.
 */
export function childReady<M>(
  proc: ChildProcess,
  exited: Promise<void>,
  died: { stderrTail: () => string; memoryLimitMb: number },
  loadFailure: (info: ErrorInfo) => Error,
  onReply: (m: M) => void,
): Promise<CpuSource> {
  return new Promise<CpuSource>((resolve, reject) => {
    proc.on('message', (m: StartMessage | M) => {
      const start = m as Partial<StartMessage>;
      if (start.type === 'ready') resolve((m as StartMessage & { type: 'ready' }).cpuSource);
      else if (start.type === 'loadError') reject(loadFailure((m as StartMessage & { type: 'loadError' }).error));
      else onReply(m as M);
    });
    void exited.then(() => reject(loadFailure(childDeath({ code: proc.exitCode, signal: proc.signalCode, stderrTail: died.stderrTail() }, died.memoryLimitMb))));
  });
}
