// The worker processes a profile starts on this machine for the distributed executor
// (BullMQ workers in Node, Celery workers in Python). Each leads its own process group
// so one kill ends it and whatever the user's code spawned; a process-exit hook ends
// every group even if the engine exits without disposing.
import type { ChildProcess } from 'node:child_process';
import { killGroup, killGroupAtExit } from '../processGroups';

export { killGroup };

export interface LocalWorker {
  readonly proc: ChildProcess;
  /** Resolves once the worker consumes the queue; rejects with a one-line reason if it cannot. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  alive(): boolean;
  kill(): Promise<void>;
  /** Last lines of its stderr, for messages. */
  stderrTail(): string;
}

/** Wraps a spawned (detached) worker; `isReady` decides from its IPC messages or stderr lines. */
export function trackWorker(proc: ChildProcess, opts: { readyTimeoutMs: number; what: string; readyOnStderr?: RegExp }): LocalWorker {
  const pid = proc.pid;
  const untrack = pid ? killGroupAtExit(pid) : undefined;
  let tail = '';
  let alive = pid !== undefined;
  proc.stdout?.on('data', () => undefined);
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      alive = false;
      if (pid) {
        killGroup(pid);
        untrack?.();
      }
      resolve();
    });
    proc.once('error', () => {
      alive = false;
      resolve();
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.what} did not start within ${opts.readyTimeoutMs / 1000} s${tail ? `: ${lastLine(tail)}` : ''}`)), opts.readyTimeoutMs);
    proc.stderr?.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      if (opts.readyOnStderr?.test(tail)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('message', (m: { type?: string; error?: { kind: string; message: string } }) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (m?.type === 'loadError' && m.error) {
        clearTimeout(timer);
        reject(new Error(`${m.error.kind}: ${m.error.message}`));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${opts.what} exited before it was ready${tail ? `: ${lastLine(tail)}` : ''}`));
    });
  });
  ready.catch(() => undefined);
  return {
    proc,
    ready,
    exited,
    alive: () => alive,
    kill: () => {
      if (alive && pid) killGroup(pid);
      return exited;
    },
    stderrTail: () => tail,
  };
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop() ?? '';
}
