// K child processes for queue mode's process executor, one per worker slot, fed one item
// at a time by the engine's queue. Like js/processPool.ts (whose design notes apply:
// detached groups killed whole, piped output, a per-call timer, --max-old-space-size),
// but the message carries an item and the reply the items found, and a dead child is
// replaced in its own slot so the dispatcher can retry the item it was running.
import { fork, type ChildProcess } from 'node:child_process';
import type { ExecutorLimits } from '../executorTypes';
import { runtimeFile } from '../paths';
import { killGroup, killGroupAtExit } from '../processGroups';
import type { CpuSource } from '../../shared/report';
import { epochNow } from '../../shared/closedLoop';
import { childDeath } from '../js/deaths';
import { childReady } from '../js/childReady';
import type { ErrorInfo } from '../../shared/errorInfo';
import type { HostInit } from '../../shared/jsProtocol';
import type { ItemTaskResult } from '../../shared/queue/queueTypes';
import type { QueueChildMessage, QueueChildRequest } from '../../shared/queue/queueChildProtocol';


const STDERR_TAIL = 4096;

export class QueueChildLoadFailure extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

class QueueChild {
  readonly proc: ChildProcess;
  readonly ready: Promise<CpuSource>;
  readonly exited: Promise<void>;
  private stderrTail = '';
  private pending?: { id: number; startMs: number; timedOut: boolean; timer?: NodeJS.Timeout; resolve: (r: ItemTaskResult) => void };

  constructor(init: HostInit, private readonly limits: ExecutorLimits, onOutput: (s: 'stdout' | 'stderr', t: string) => void) {
    this.proc = fork(runtimeFile('jsQueueChild'), [], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [`--max-old-space-size=${limits.memoryLimitMb}`],
    });
    const pid = this.proc.pid;
    const untrack = pid ? killGroupAtExit(pid) : undefined;
    this.proc.stdout!.on('data', (d: Buffer) => onOutput('stdout', d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-STDERR_TAIL);
      onOutput('stderr', d.toString());
    });
    this.proc.on('error', () => undefined);
    const stderrClosed = new Promise<void>((r) => this.proc.stderr!.once('close', () => r()));
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        if (pid) {
          killGroup(pid);
          untrack?.();
        }
        // An out-of-memory report can arrive on stderr just after the exit.
        void Promise.race([stderrClosed, new Promise((r) => setTimeout(r, 200))]).then(() => {
          const p = this.pending;
          this.pending = undefined;
          if (p) {
            clearTimeout(p.timer);
            const error = childDeath({ timedOutAfterMs: p.timedOut ? limits.callTimeoutMs : undefined, code, signal, stderrTail: this.stderrTail }, limits.memoryLimitMb);
            p.resolve({ ok: false, startMs: p.startMs, endMs: epochNow(), cpuMs: NaN, found: [], error });
          }
          resolve();
        });
      });
    });
    const died = { stderrTail: () => this.stderrTail, memoryLimitMb: limits.memoryLimitMb };
    this.ready = childReady<QueueChildMessage>(this.proc, this.exited, died, (info) => new QueueChildLoadFailure(info), (m) => {
      if (m.type !== 'result' || this.pending?.id !== m.id) return;
      const p = this.pending;
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve(m.result);
    });
    this.ready.catch(() => undefined);
    this.send({ type: 'init', init });
  }

  call(id: number, item: unknown): Promise<ItemTaskResult> {
    return new Promise((resolve) => {
      const p: NonNullable<QueueChild['pending']> = { id, startMs: epochNow(), timedOut: false, resolve };
      if (Number.isFinite(this.limits.callTimeoutMs)) {
        p.timer = setTimeout(() => {
          p.timedOut = true;
          void this.kill();
        }, this.limits.callTimeoutMs);
      }
      this.pending = p;
      this.send({ type: 'item', id, item });
    });
  }

  kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null && this.proc.pid) killGroup(this.proc.pid);
    return this.exited;
  }

  private send(m: QueueChildRequest): void {
    if (this.proc.connected) this.proc.send(m, () => undefined);
  }
}

export class QueueChildPool {
  private slots: QueueChild[] = [];
  private nextId = 1;
  private destroyed = false;
  cpuSource: CpuSource = 'process.cpuUsage';

  constructor(private readonly init: HostInit, private readonly limits: ExecutorLimits, private readonly onOutput: (s: 'stdout' | 'stderr', t: string) => void) {}

  /** Starts K children and waits until each has loaded the module (rejects with the user's load error). */
  async start(k: number): Promise<void> {
    this.slots = Array.from({ length: k }, () => new QueueChild(this.init, this.limits, this.onOutput));
    const sources = await Promise.all(this.slots.map((c) => c.ready));
    this.cpuSource = sources[0] ?? this.cpuSource;
  }

  /** One item on the child in `slot`; a child that died before is replaced first. */
  async run(slot: number, item: unknown): Promise<ItemTaskResult> {
    if (this.destroyed) throw new Error('process pool destroyed');
    let child = this.slots[slot];
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      child = this.slots[slot] = new QueueChild(this.init, this.limits, this.onOutput);
    }
    await child.ready;
    return child.call(this.nextId++, item);
  }

  get pids(): number[] {
    return this.slots.map((c) => c.proc.pid).filter((p): p is number => p !== undefined);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    const all = this.slots;
    this.slots = [];
    await Promise.all(all.map((c) => c.kill()));
  }
}
