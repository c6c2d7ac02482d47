// A small pool of child processes, one call per task over IPC.
//
// Why not tinypool's child_process runtime (piscina's sibling, evaluated first):
// - it pipes every child's stdout/stderr into ours, so a user's console.log would land
//   in the CLI's --json output;
// - it ends a child with SIGTERM to that child only: anything the user's code spawned
//   survives, and there is no process-group kill;
// - an unexpected exit becomes "Worker exited unexpectedly" with neither exit code nor
//   signal, so process.exit, a native crash and an out-of-memory abort look the same;
// - it has no per-task timeout that kills a busy child, and it is ESM-only while our
//   runtime bundles are CommonJS.
// What we need is small: K forked children started detached (each leads its own process
// group), a per-call timeout that SIGKILLs the group (one watchdog timer for the pool), stdout/stderr piped and kept
// (bounded) instead of inherited, --max-old-space-size, replacement of a dead child,
// and a process-exit hook so no group outlives us.
import { fork, type ChildProcess } from 'node:child_process';
import type { CpuSource, WarmupPolicy } from '../../shared/report';
import type { ExecutorLimits } from '../executorTypes';
import { runtimeFile } from '../paths';
import { ChildGuard } from '../childGuard';
import { killGroup, killGroupAtExit } from '../processGroups';
import { CallWatchdog } from './callWatchdog';
import { childReady } from './childReady';
import { epochNow, type TaskOutcome } from '../../shared/closedLoop';
import { childDeath } from './deaths';
import type { ErrorInfo } from '../../shared/errorInfo';
import type { CapturedOutput } from '../../shared/outputCapture';
import type { ChildCallReply, ChildMessage, ChildRequest } from '../../shared/jsProtocol';
import type { HostInit } from '../../shared/jsProtocol';
import type { WarmupResult } from '../../shared/warmup';

const STDERR_TAIL = 4096;

/** A child's module failed to load: the user's error, not ours. */
export class ChildLoadFailure extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

export interface TaskResult {
  outcome: TaskOutcome;
  output?: CapturedOutput;
  /** Sampled cost of sending the result back (V8 serialization over IPC). */
  wire?: { ms: number; bytes: number };
}

interface Busy {
  id: number;
  startMs: number;
  /** Epoch ms past which the pool's watchdog kills the child (Infinity: never). */
  deadlineMs: number;
  timedOut: boolean;
  resolve: (r: TaskResult) => void;
  /** Set for a warm-up request: its reply is a 'warmed' message. */
  warm?: (w: WarmupResult | undefined, death?: ErrorInfo) => void;
}

/** A call's reply as the executor takes it. */
function callResult(m: ChildCallReply): TaskResult {
  const x = m[5];
  const outcome: TaskOutcome = { ok: !x?.error, startMs: m[1], endMs: m[2], cpuMs: m[3] ?? NaN };
  if (!x) return { outcome };
  if (x.error) outcome.error = x.error;
  return { outcome, output: x.output, wire: x.wire };
}

class Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<CpuSource>;
  readonly exited: Promise<void>;
  alive = true;
  loaded = false;
  /** Handed to a task (set synchronously, before the call is sent). */
  reserved = false;
  busy?: Busy;
  private stderrTail = '';
  private readonly guard = new ChildGuard(); // descendants that left the group, RSS cap

  constructor(
    init: HostInit,
    private readonly limits: ExecutorLimits,
    onOutput: (stream: 'stdout' | 'stderr', text: string) => void,
  ) {
    this.proc = fork(runtimeFile('jsChild'), [], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [`--max-old-space-size=${limits.memoryLimitMb}`],
      env: this.guard.env(),
      // The V8 serializer, as a pool built for results would use: Node's default (JSON)
      // escapes and re-parses a 400 kB HTML string on every call, on the engine's main
      // thread too, and cost the process pool a third of its speedup on marked.
      serialization: 'advanced',
    });
    const pid = this.proc.pid;
    const untrack = pid ? killGroupAtExit(pid) : undefined;
    this.proc.stdout!.on('data', (d: Buffer) => onOutput('stdout', d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      onOutput('stderr', text);
    });
    const stderrClosed = new Promise<void>((resolve) => this.proc.stderr!.once('close', () => resolve()));
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.alive = false;
        if (pid) {
          // The group may still hold grandchildren the user started (and our pipes).
          killGroup(pid);
          untrack?.();
        }
        // V8's "heap out of memory" report arrives on stderr, possibly just after exit.
        let wait: NodeJS.Timeout | undefined;
        const late = new Promise<void>((r) => (wait = setTimeout(r, 200)));
        void Promise.race([stderrClosed, late]).then(() => {
          clearTimeout(wait);
          const b = this.busy;
          this.busy = undefined;
          if (b) {
            const error = this.guard.overMemory ? { kind: 'out-of-memory', message: this.guard.overMemory } : childDeath(
              { timedOutAfterMs: b.timedOut ? this.limits.callTimeoutMs : undefined, code, signal, stderrTail: this.stderrTail },
              this.limits.memoryLimitMb,
            );
            // A child that died warming up is the point's failure to show, like a call's.
            if (b.warm) b.warm(undefined, error);
            else b.resolve({ outcome: { ok: false, startMs: b.startMs, endMs: epochNow(), cpuMs: NaN, error } });
          }
          resolve();
        });
      });
    });
    // A failed fork (EAGAIN) also ends in 'exit'/'error'; keep it from throwing.
    this.proc.on('error', () => undefined);
    const died = { stderrTail: () => this.stderrTail, memoryLimitMb: limits.memoryLimitMb };
    this.ready = childReady<ChildMessage>(this.proc, this.exited, died, (info) => new ChildLoadFailure(info), (m) => {
      const b = this.busy;
      if (Array.isArray(m)) {
        if (b?.id !== m[0]) return;
        this.busy = undefined;
        b.resolve(callResult(m));
      } else if (m.type === 'warmed' && b?.id === m.id) {
        this.busy = undefined;
        // Warm-up output is dropped: the probe already showed what a call prints.
        b.warm?.(m.warmup);
      }
    });
    this.ready.then(
      () => (this.loaded = true),
      () => undefined,
    );
    this.guard.attach(this.proc, limits.memoryLimitMb, () => void this.kill(), this.ready);
    this.send({ type: 'init', init });
  }

  /** Sends one call; `done` gets its result (a death included). The pool's watchdog enforces the deadline. */
  call(id: number, index: number, startMs: number, deadlineMs: number, done: (r: TaskResult) => void): void {
    this.busy = { id, startMs, deadlineMs, timedOut: false, resolve: done };
    this.send([id, index]);
  }

  /** Warm-up calls until steady (warmup.ts); undefined if the child died meanwhile. */
  warmUp(id: number, policy: WarmupPolicy, deadlineMs: number): Promise<{ warmup?: WarmupResult; death?: ErrorInfo }> {
    return new Promise((resolve) => {
      this.busy = { id, startMs: epochNow(), deadlineMs, timedOut: false, resolve: () => resolve({}), warm: (warmup, death) => resolve({ warmup, death }) };
      this.send({ type: 'warm', id, policy });
    });
  }

  kill(): Promise<void> {
    if (this.alive && this.proc.pid) killGroup(this.proc.pid);
    return this.exited;
  }

  private send(m: ChildRequest): void {
    if (this.proc.connected) this.proc.send(m, () => undefined);
  }
}

export class ChildProcessPool {
  private children: Child[] = [];
  private waiting: { resolve: (c: Child) => void; reject: (e: Error) => void }[] = [];
  private nextId = 1;
  private destroyed = false;
  private target = 0;
  cpuSource: CpuSource = 'process.cpuUsage';
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void = () => undefined;
  /** Kills the group of a child whose call (or warm-up) ran past its deadline. */
  private readonly watchdog = new CallWatchdog((now) => {
    let next = Infinity;
    for (const c of this.children) {
      const b = c.busy;
      if (!b || b.timedOut) continue;
      if (b.deadlineMs <= now) {
        b.timedOut = true;
        void c.kill();
      } else if (b.deadlineMs < next) next = b.deadlineMs;
    }
    return next;
  });

  constructor(
    private readonly init: HostInit,
    private readonly limits: ExecutorLimits,
  ) {}

  get size(): number {
    return this.children.length;
  }

  /**
   * Grows the pool to at least `k` loaded children, warming each new one up by `policy`.
   * It never shrinks: a point at a smaller K runs on children that are all warm, with at
   * most K of them busy. Returns what the new children's start-up and warm-up cost.
   */
  async grow(k: number, policy?: WarmupPolicy): Promise<{ started: number; startMs: number | null; warmups: WarmupResult[]; deaths: ErrorInfo[] }> {
    this.target = Math.max(this.target, k);
    const fresh: Child[] = [];
    const t0 = epochNow();
    while (this.children.length < this.target) {
      const c = this.spawn(false);
      fresh.push(c);
      this.children.push(c);
    }
    const sources = await Promise.all(this.children.map((c) => c.ready));
    this.cpuSource = sources[0] ?? this.cpuSource;
    const startMs = fresh.length ? (epochNow() - t0) / fresh.length : null;
    const warmups: WarmupResult[] = [];
    const deaths: ErrorInfo[] = [];
    if (policy && policy.maxCalls > 0) {
      // One call may run past the time cap, and each call has its own timeout.
      const deadlineMs = epochNow() + policy.maxMs + 2 * this.limits.callTimeoutMs;
      const warming = Promise.all(fresh.map((c) => c.warmUp(this.nextId++, policy, deadlineMs)));
      this.watchdog.watch(deadlineMs);
      const done = await warming;
      for (const w of done) {
        if (w.warmup) warmups.push(w.warmup);
        if (w.death) deaths.push(w.death);
      }
    }
    for (const c of fresh) this.release(c);
    return { started: fresh.length, startMs, warmups, deaths };
  }

  /** `serve`: hand the child to tasks once loaded (a replacement); grow() warms new ones first. */
  private spawn(serve = true): Child {
    const child = new Child(this.init, this.limits, (s, t) => this.onOutput(s, t));
    void child.exited.then(() => this.replace(child));
    void child.ready.then(
      () => serve && this.release(child),
      (e: Error) => {
        // A replacement that cannot load (the module changed, or fails on a second
        // load) would leave tasks waiting forever: fail them instead.
        if (this.destroyed || !this.children.includes(child)) return;
        for (const w of this.waiting.splice(0)) w.reject(e);
      },
    );
    return child;
  }

  private replace(dead: Child): void {
    const i = this.children.indexOf(dead);
    if (i < 0 || this.destroyed) return;
    if (i >= this.target) {
      this.children.splice(i, 1);
      return;
    }
    this.children[i] = this.spawn();
  }

  /** Hands a free, loaded child to the next waiting task. */
  private release(child: Child): void {
    child.reserved = false;
    if (!child.alive || !child.loaded || this.destroyed) return;
    const next = this.waiting.shift();
    if (next) {
      child.reserved = true;
      next.resolve(child);
    }
  }

  /** A loaded child no task holds, now reserved for the caller; undefined when all are busy. */
  private takeIdle(): Child | undefined {
    for (const c of this.children) {
      if (c.alive && c.loaded && !c.reserved) {
        c.reserved = true;
        return c;
      }
    }
    return undefined;
  }

  /**
   * One call on an idle child; resolves with the outcome, failures included. Rejects once
   * destroyed, or when a replacement child cannot load the module. A free child takes
   * the call at once: one promise per call, as a bare pool has.
   */
  run(index: number): Promise<TaskResult> {
    if (this.destroyed) return Promise.reject(new Error('process pool destroyed'));
    const child = this.takeIdle();
    if (child) return this.callOn(child, index);
    return new Promise<Child>((resolve, reject) => this.waiting.push({ resolve, reject })).then((c) => this.callOn(c, index));
  }

  private callOn(child: Child, index: number): Promise<TaskResult> {
    if (this.destroyed) return Promise.reject(new Error('process pool destroyed'));
    const startMs = epochNow();
    const deadlineMs = startMs + this.limits.callTimeoutMs;
    const result = new Promise<TaskResult>((resolve, reject) =>
      child.call(this.nextId++, index, startMs, deadlineMs, (r) => {
        if (this.destroyed) return reject(new Error('process pool destroyed'));
        this.release(child);
        resolve(r);
      }),
    );
    this.watchdog.watch(deadlineMs);
    return result;
  }

  /** Kills every child's process group at once and waits for them to exit. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.watchdog.stop();
    const all = this.children;
    this.children = [];
    for (const w of this.waiting.splice(0)) w.reject(new Error('process pool destroyed'));
    await Promise.all(all.map((c) => c.kill()));
  }
}
