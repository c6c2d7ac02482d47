// One `harness.py serve` process and its pipes. Commands go out on the child's fd 4 and
// results come back as JSON lines on its fd 3, so whatever the user's module prints on
// stdout/stderr is only captured output, never protocol. The child leads its own
// process group (spawned detached), so killing the group also ends its process-pool
// workers and forkserver: nothing Python outlives a timeout, an abort or dispose.
import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import { Errors } from '../../shared/errors';
import type { HotspotRequest, PointRequest, PointSamples } from '../executorTypes';
import type { PythonHotspotPass } from '../hotspots/hotspotsPython';
import type { ColdStart, ErrorSample, ExecutorKind, GilProbe } from '../../shared/report';
import { pythonFile } from '../paths';
import { ErrorTally } from '../../shared/errorInfo';
import { ChildGuard } from '../childGuard';
import type { PythonOutput } from './pythonOutput';

export interface LoadConfig {
  sourcePath: string;
  displayPath: string;
  function: string;
  sysPath: string[];
  memoryLimitMb: number;
}

/** A PointRequest as the harness receives it: no signal (the session handles abort), plus what to run. */
export interface PointCommand extends Omit<PointRequest, 'signal'> {
  executor: ExecutorKind;
  args: unknown[];
  /** The largest K the executor may be asked for: the process pool is made with room for it. */
  poolMax?: number;
}

/** The point's samples as the harness sends them (the same columns as every runtime's), plus how it ended. */
export interface HarnessPointResult
  extends Pick<PointSamples, 'startMs' | 'endMs' | 'taskStartMs' | 'taskEndMs' | 'taskCpuMs' | 'taskOk' | 'errors' | 'abandoned' | 'note' | 'serialization' | 'coldStart'> {
  cpuSource?: string;
  /** Set when the point ended because the session died (timeout, crash, exit). */
  ended?: 'timeout' | 'died';
}

interface Message {
  t: string;
  [key: string]: unknown;
}

export class LoadError extends Error {
  constructor(readonly error: ErrorSample & { line?: number; col?: number }, readonly notCallable: boolean) {
    super(error.message);
  }
}

const KILL_WAIT_MS = 2000;

export class HarnessSession {
  private readonly child: ChildProcess;
  private readonly commands: Writable;
  private handler: ((m: Message) => void) | undefined;
  private exitHandler: ((how: string) => void) | undefined;
  private readonly exitPromise: Promise<void>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private killing = false;
  private readonly guard = new ChildGuard(); // descendants that left the group, RSS cap
  info: Record<string, unknown> | undefined;
  /** What the harness found after import: the callable is async. */
  isAsync = false;
  /** Set by the last message received: a hung interpreter stops sending them. */
  lastMessageAt = Date.now();

  constructor(python: string, cwd: string, private readonly output: PythonOutput) {
    this.child = spawn(python, [pythonFile('harness.py'), 'serve'], {
      cwd,
      detached: true,
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: this.guard.env({
        ...process.env,
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONIOENCODING: 'utf-8',
        // Every thread may otherwise reserve a 64 MB malloc arena, which the address
        // space cap would count against the user's memory allowance.
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '4',
      }),
    });
    const results = this.child.stdio[3] as Readable;
    this.commands = this.child.stdio[4] as Writable;
    this.commands.on('error', () => undefined); // EPIPE after a crash: reported via exit
    const decoder = new StringDecoder('utf8');
    let pending = '';
    results.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.trim()) continue;
        let msg: Message;
        try {
          msg = JSON.parse(line) as Message;
        } catch {
          continue;
        }
        this.lastMessageAt = Date.now();
        if (msg.t === 'ready') this.info = msg.info as Record<string, unknown>;
        this.handler?.(msg);
      }
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const d = new StringDecoder('utf8');
      this.child[stream]!.on('data', (c: Buffer) => this.output.add(stream, d.write(c)));
    }
    let resultsEnded = false;
    results.once('close', () => (resultsEnded = true));
    this.exitPromise = new Promise((resolve) => {
      let done = false;
      const finish = (how: string) => {
        if (done) return;
        done = true;
        this.exitHandler?.(how);
        resolve();
      };
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        // Let the last result lines drain before declaring the session over.
        if (resultsEnded) finish('exit');
        else results.once('close', () => finish('exit'));
        setTimeout(() => finish('exit'), 200).unref();
      });
      this.child.on('error', (e) => {
        this.exitInfo = { code: null, signal: null };
        this.spawnError = e;
        finish('error');
      });
    });
    // Idle sessions must not keep the CLI or a test runner alive; operations in flight
    // hold their own timers.
    this.child.unref();
    for (const s of [this.child.stdout, this.child.stderr, results, this.commands]) (s as unknown as { unref?: () => void }).unref?.();
  }

  spawnError: Error | undefined;

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exitInfo && !this.killing;
  }

  /** Alive and between commands: a command sent now is the only one in flight. */
  get idle(): boolean {
    return this.alive && this.handler === undefined;
  }

  /** How the process ended, in words, for error samples. */
  describeExit(): { kind: string; message: string } {
    const info = this.exitInfo;
    if (this.spawnError) return { kind: 'crash', message: `could not start the Python harness: ${this.spawnError.message}` };
    if (this.guard.overMemory) return { kind: 'out-of-memory', message: this.guard.overMemory };
    if (info?.signal) {
      const oom = info.signal === 'SIGKILL' ? ' (often the system running out of memory)' : '';
      return { kind: 'crash', message: `the Python process was killed by ${info.signal}${oom} while running the function` };
    }
    return {
      kind: 'exit',
      message: `the Python process exited with code ${info?.code ?? '?'} while running the function (os._exit() or a fatal error ends the interpreter)`,
    };
  }

  private send(cmd: Record<string, unknown>): void {
    this.commands.write(JSON.stringify(cmd) + '\n');
  }

  /** Waits for the harness to start and import the module. */
  async load(cfg: LoadConfig, timeoutMs: number, signal?: AbortSignal): Promise<{ isAsync: boolean }> {
    const loaded = this.operation<{ isAsync: boolean }>(timeoutMs, signal, (resolve, reject) => {
      this.handler = (m) => {
        if (m.t === 'loaded') {
          this.isAsync = Boolean(m.isAsync);
          resolve({ isAsync: this.isAsync });
        }
        else if (m.t === 'load-error') reject(new LoadError(m.error as ErrorSample, Boolean(m.notCallable)));
        else if (m.t === 'fatal') reject(new Error(`Python harness failed: ${String(m.message)}`));
      };
      this.exitHandler = () => {
        const { message } = this.describeExit();
        const tail = this.output.tail.trim();
        reject(new Error(`importing the module ended the Python process: ${message}${tail ? `\n${tail}` : ''}`));
      };
      this.send({ cmd: 'load', ...cfg });
    }, () => new Error(`importing the module did not finish within ${Math.round(timeoutMs / 1000)} s`));
    return this.guard.attach(this.child, cfg.memoryLimitMb, () => void this.kill(), loaded);
  }

  /**
   * The GIL probe (python/harness_gil_probe.py) on this warm interpreter. Undefined when a call
   * failed; a harness that does not answer within `timeoutMs` is killed, as a point's is.
   */
  gilProbe(windowMs: number, args: unknown[], timeoutMs: number, signal?: AbortSignal): Promise<GilProbe | undefined> {
    return this.ask({ cmd: 'gil-probe', windowMs, args }, 'the GIL probe', timeoutMs, signal, (m) =>
      m.t === 'gil-probe' ? { value: (m.result as GilProbe | null) ?? undefined } : undefined,
    );
  }

  /**
   * The hot-spot pass (python/harness_hotspots.py) on this warm interpreter, between
   * points: the message hotspots.py would send from a process of its own. A harness
   * that does not answer within `timeoutMs` (a call blocking past the call timeout, or
   * holding the GIL) is killed, as a point's is.
   */
  hotspots(req: HotspotRequest, args: unknown[], timeoutMs: number, signal: AbortSignal): Promise<PythonHotspotPass> {
    return this.ask({ cmd: 'hotspots', ...req, args }, 'the hot-spot pass', timeoutMs, signal, (m) => {
      if (m.t === 'hotspots') return { value: m as unknown as PythonHotspotPass };
      return m.t === 'failed' ? new Error(`the hot-spot pass could not run: ${String(m.message)}`) : undefined;
    });
  }

  /**
   * One command and its one reply, which `reply` picks out (an Error rejects; undefined
   * waits for the next message). Timeout and abort kill the harness: a command that has
   * not answered may be stuck in the user's code, and the next command would queue behind it.
   */
  private ask<T>(
    cmd: Record<string, unknown>,
    what: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    reply: (m: Message) => { value: T } | Error | undefined,
  ): Promise<T> {
    return this.operation<T>(timeoutMs, signal, (resolve, reject) => {
      this.handler = (m) => {
        if (m.t === 'fatal') return reject(new Error(`Python harness failed: ${String(m.message)}`));
        const r = reply(m);
        if (r instanceof Error) reject(r);
        else if (r) resolve(r.value);
      };
      this.exitHandler = () => reject(new Error(`${what} ended the Python process: ${this.describeExit().message}`));
      this.send(cmd);
    }, () => new Error(`${what} did not finish within ${fmtSeconds(timeoutMs)}; its Python process group was killed`));
  }

  /**
   * Runs one point. A call older than callTimeoutMs (or a harness that stops talking)
   * gets the whole process group killed and the point returned with what arrived,
   * plus a 'timeout' error. Abort kills the group and rejects with Errors.cancelled().
   */
  runPoint(cmd: PointCommand, callTimeoutMs: number, signal: AbortSignal): Promise<HarnessPointResult> {
    const res: HarnessPointResult = {
      startMs: NaN,
      endMs: NaN,
      taskStartMs: [],
      taskEndMs: [],
      taskCpuMs: [],
      taskOk: [],
      errors: [],
      abandoned: 0,
    };
    // The same tally as the JS runtimes: first stack of each error, the rest folded.
    const tally = new ErrorTally();
    const addError = (kind: string, message: string, stack: string | null | undefined) => {
      tally.add(stack ? { kind, message, stack } : { kind, message });
      res.errors = tally.samples();
    };
    const sentAt = Date.now();
    let oldest: number | null = null;
    let inflight = 0;
    let lastProgress = Date.now();

    return new Promise<HarnessPointResult>((resolve, reject) => {
      let settled = false;
      // Set once we decided to end the point ourselves, so the kill's exit isn't reported as a crash.
      let ending = false;
      const timers: NodeJS.Timeout[] = [];
      const cleanup = () => {
        settled = true;
        timers.forEach(clearInterval);
        signal.removeEventListener('abort', onAbort);
        this.handler = undefined;
        this.exitHandler = undefined;
      };
      const finishEarly = (why: 'timeout' | 'died', kind: string, message: string, stack?: string) => {
        if (settled) return;
        cleanup();
        res.ended = why;
        const now = Date.now();
        if (why === 'timeout' && oldest !== null) {
          // The call that overran is a failed task; the rest in flight were cut short.
          res.taskStartMs.push(oldest);
          res.taskEndMs.push(now);
          res.taskCpuMs.push(NaN);
          res.taskOk.push(false);
          res.abandoned = Math.max(0, inflight - 1);
        } else if (why === 'died' && inflight > 0) {
          res.taskStartMs.push(oldest ?? now);
          res.taskEndMs.push(now);
          res.taskCpuMs.push(NaN);
          res.taskOk.push(false);
          res.abandoned = Math.max(0, inflight - 1);
        }
        addError(kind, message, stack);
        res.startMs = res.taskStartMs.length ? res.taskStartMs.reduce((a, b) => Math.min(a, b)) : sentAt;
        res.endMs = res.taskEndMs.length ? res.taskEndMs.reduce((a, b) => Math.max(a, b)) : now;
        resolve(res);
      };
      const onAbort = () => {
        if (settled) return;
        cleanup();
        void this.kill().then(() => reject(Errors.cancelled()));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort);

      this.handler = (m) => {
        if (m.t === 'tasks') {
          lastProgress = Date.now();
          // Starts and ends are integer ns from the batch's epoch-ms base; CPU is integer ns.
          const base = m.base as number;
          const s = m.s as number[];
          const e = m.e as number[];
          const c = m.c as (number | null)[];
          const ok = m.ok as number[];
          for (let i = 0; i < s.length; i++) {
            res.taskStartMs.push(base + s[i] / 1e6);
            res.taskEndMs.push(base + e[i] / 1e6);
            res.taskCpuMs.push(c[i] == null ? NaN : c[i]! / 1e6);
            res.taskOk.push(ok[i] === 1);
          }
          for (const [, kind, message, stack] of m.err as [number, string, string, string | null][]) addError(kind, message, stack);
        } else if (m.t === 'hb') {
          if (m.oldest !== oldest) lastProgress = Date.now();
          oldest = (m.oldest as number | null) ?? null;
          inflight = Number(m.inflight) || 0;
        } else if (m.t === 'point-done') {
          cleanup();
          res.startMs = m.startMs as number;
          res.endMs = m.endMs as number;
          if (typeof m.cpuSource === 'string') res.cpuSource = m.cpuSource;
          if (typeof m.note === 'string') res.note = m.note;
          for (const e of (m.errors as { kind: string; message: string; stack?: string | null }[] | undefined) ?? []) {
            addError(e.kind, e.message, e.stack);
          }
          if (m.serialization) res.serialization = m.serialization as HarnessPointResult['serialization'];
          if (m.coldStart) res.coldStart = m.coldStart as ColdStart;
          resolve(res);
        } else if (m.t === 'fatal' && !ending) {
          ending = true;
          const message = `the Python harness failed: ${String(m.message)}`;
          void this.kill().then(() => finishEarly('died', 'crash', message, m.stack as string));
        }
      };
      this.exitHandler = () => {
        if (settled || ending) return;
        const { kind, message } = this.describeExit();
        const tail = this.output.tail.trim();
        finishEarly('died', kind, message, tail || undefined);
      };

      // The same words as the JS runtimes ("timed out after N s"), so reports read alike.
      const timeoutMessage = `timed out after ${fmtSeconds(callTimeoutMs)}; its Python process group was killed`;
      const watchdog = setInterval(() => {
        if (settled || ending) return;
        const now = Date.now();
        // A call past the limit; or a harness silent for that long (a C call holding
        // the GIL stops even our monitor thread); or a point stuck without progress.
        const overdue = oldest !== null && now - oldest > callTimeoutMs;
        const silent = now - this.lastMessageAt > callTimeoutMs + 2000;
        const stalled = now - lastProgress > callTimeoutMs + 30_000;
        if (overdue || silent || stalled) {
          ending = true;
          void this.kill().then(() => finishEarly('timeout', 'timeout', timeoutMessage));
        }
      }, 100);
      timers.push(watchdog);
      this.lastMessageAt = Date.now();
      // The harness needs the call timeout too: it bounds the warm-up calls of new pool processes.
      this.send({ cmd: 'point', ...cmd, callTimeoutMs });
    });
  }

  private operation<T>(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    start: (resolve: (v: T) => void, reject: (e: unknown) => void) => void,
    onTimeout: () => Error,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.handler = undefined;
        this.exitHandler = undefined;
        f();
      };
      const onAbort = () => finish(() => void this.kill().then(() => reject(Errors.cancelled())));
      const timer = setTimeout(() => finish(() => void this.kill().then(() => reject(onTimeout()))), timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      start(
        (v) => finish(() => resolve(v)),
        (e) => finish(() => reject(e)),
      );
    });
  }

  /**
   * Ends the session. Nothing in the harness needs an orderly exit (results are
   * already streamed), and a ProcessPoolExecutor's orderly shutdown takes a second or
   * more, so the group is simply killed.
   */
  close(): Promise<void> {
    return this.kill();
  }

  /**
   * SIGKILL to the whole process group (the harness, its pool workers, forkserver and
   * resource tracker), then waits for the harness itself to be gone. Killed workers
   * may linger briefly as zombies until init reaps them; they run nothing.
   */
  async kill(): Promise<void> {
    this.killing = true;
    const pid = this.child.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGKILL');
    try {
      this.commands.destroy();
    } catch {
      /* ignore */
    }
    // A ref'd timer: the child and its pipes are unref'd, and the caller is waiting.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exitPromise, new Promise<void>((r) => (timer = setTimeout(r, KILL_WAIT_MS)))]);
    clearTimeout(timer);
    // Anything forked while the first signal was in flight.
    signalGroup(pid, 'SIGKILL');
  }
}

/** Returns false when the group no longer exists. */
function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    if (process.platform === 'win32') process.kill(pid, sig);
    else process.kill(-pid, sig);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fmtSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number(s.toFixed(s < 1 ? 2 : 1))} s`;
}
