// The Python TargetRuntime: validates the file and function, imports the module once to
// surface import errors with their traceback, and hands out executors that each drive
// their own `harness.py serve` process (sequential loop, asyncio, ThreadPoolExecutor or
// ProcessPoolExecutor inside it).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Errors, ProfileError } from '../../shared/errors';
import { ONE_CALL, type Executor, type ExecutorLimits, type HotspotRequest, type HotspotResult, type LoadedTarget, type PointRequest, type PointSamples, type ProbeResult, type TargetRuntime } from '../executorTypes';
import { foldHotspotPass, hotspotPassTimeoutMs, pythonHotspots, type PythonHotspotPass } from '../hotspots/hotspotsPython';
import type { CpuSource, ErrorSample, ExecutorKind, GilProbe } from '../../shared/report';
import { findPythonFunctions } from './findPythonFunctions';
import { HarnessSession, LoadError, type LoadConfig } from './harnessSession';
import { PythonOutput } from './pythonOutput';
import { resolvePython, type PythonInfo } from './resolvePython';
import { CeleryExecutor } from '../distributed/celeryExecutor';
import type { DistributedOptions } from '../../shared/distributed/distributedTypes';

export interface PythonRuntimeOptions {
  file: string;
  functionName: string;
  args: unknown[];
  sourceText?: string;
  workspaceRoot?: string;
  python?: string;
  distributed?: DistributedOptions;
}

/** An interpreter's start and import for a pass of its own, when no warm harness can run it. */
const FRESH_INTERPRETER_GUESS_MS = 600;
/** Importing a module may legitimately take a while (big packages), but not forever. */
const MIN_LOAD_TIMEOUT_MS = 60_000;

export async function createPythonRuntime(opts: PythonRuntimeOptions, limits: ExecutorLimits): Promise<TargetRuntime> {
  const file = path.resolve(opts.file);
  const source = readSource(file, opts.file, opts.sourceText);
  const py = await resolvePython(opts.python);
  const { functions, others } = await findPythonFunctions(source, file, py.executable);
  const fn = functions.find((f) => f.name === opts.functionName);
  if (!fn) {
    const other = others.find((o) => o.name === opts.functionName);
    if (other) throw Errors.notAFunction(opts.functionName, file, other.what);
    throw Errors.functionNotFound(opts.functionName, file, functions.map((f) => f.name));
  }

  let tempDir: string | undefined;
  let sourcePath = file;
  if (opts.sourceText !== undefined) {
    // The unsaved buffer goes to a private dir; the harness compiles it under the
    // user's own path so tracebacks name their file, and their folder stays on sys.path.
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'workload-py-'));
    sourcePath = path.join(tempDir, path.basename(file));
    writeFileSync(sourcePath, opts.sourceText, { mode: 0o600 });
  }
  const workspaceRoot = opts.workspaceRoot ? path.resolve(opts.workspaceRoot) : undefined;
  const loadConfig: LoadConfig = {
    sourcePath,
    displayPath: file,
    function: opts.functionName,
    sysPath: [path.dirname(file), ...(workspaceRoot && workspaceRoot !== path.dirname(file) ? [workspaceRoot] : [])],
    memoryLimitMb: limits.memoryLimitMb,
  };
  const target: LoadedTarget = {
    language: 'python',
    file,
    functionName: opts.functionName,
    args: opts.args,
    isAsync: fn.isAsync,
    python: py.executable,
    ...(workspaceRoot ? { workspaceRoot } : {}),
    ...(tempDir ? { tempDir } : {}),
  };
  // User code often opens files relative to the project, as when run from its root.
  const cwd = [workspaceRoot, path.dirname(file)].find((d) => d && isDirectory(d)) ?? os.tmpdir();
  const runtime = new PythonRuntime(target, py, loadConfig, limits, cwd, opts.distributed);
  try {
    await runtime.importOnce();
  } catch (e) {
    await runtime.dispose();
    throw e;
  }
  return runtime;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function readSource(file: string, given: string, sourceText: string | undefined): string {
  if (sourceText !== undefined) {
    if (!sourceText.trim()) throw Errors.emptyFile(given);
    return sourceText;
  }
  let st;
  try {
    st = statSync(file);
  } catch {
    throw Errors.fileNotFound(given);
  }
  if (st.isDirectory()) throw Errors.notAFile(given);
  if (path.extname(file).toLowerCase() !== '.py') throw Errors.unsupportedFile(given);
  const buf = readFileSync(file);
  if (buf.includes(0)) throw Errors.binaryFile(given);
  const text = buf.toString('utf8');
  if (!text.trim()) throw Errors.emptyFile(given);
  return text;
}

class PythonRuntime implements TargetRuntime {
  private readonly output: PythonOutput;
  private readonly sessions = new Set<HarnessSession>();
  private readonly executors = new Set<PythonExecutor>();
  private readonly extra = new Set<Executor>();
  private probeSession: HarnessSession | undefined;
  private spare: HarnessSession | undefined;
  private disposed = false;

  constructor(
    readonly target: LoadedTarget,
    private readonly py: PythonInfo,
    private readonly loadConfig: LoadConfig,
    private readonly limits: ExecutorLimits,
    private readonly cwd: string,
    private readonly distributed?: DistributedOptions,
  ) {
    this.output = new PythonOutput(limits.maxOutputBytes);
  }

  /** Starts a harness and imports the module in it; import errors become ProfileErrors. */
  async startSession(signal?: AbortSignal): Promise<HarnessSession> {
    if (this.disposed) throw Errors.cancelled();
    const session = new HarnessSession(this.py.executable, this.cwd, this.output);
    this.sessions.add(session);
    try {
      await session.load(this.loadConfig, Math.max(MIN_LOAD_TIMEOUT_MS, this.limits.callTimeoutMs), signal);
      return session;
    } catch (e) {
      await session.kill();
      this.sessions.delete(session);
      throw this.importError(e);
    }
  }

  /** A live session with the module imported (the probe's), or undefined. */
  takeSpare(): HarnessSession | undefined {
    const s = this.spare;
    this.spare = undefined;
    return s?.alive ? s : undefined;
  }

  async closeSession(session: HarnessSession | undefined): Promise<void> {
    if (!session) return;
    await session.close();
    this.sessions.delete(session);
  }

  private importError(e: unknown): unknown {
    if (e instanceof ProfileError) return e;
    const file = this.target.file;
    if (e instanceof LoadError) {
      const err = e.error;
      if (err.kind === 'SyntaxError' || err.kind === 'IndentationError' || err.kind === 'TabError') {
        return Errors.syntax(file, err.line ?? 1, err.col ?? 1, err.message);
      }
      if (e.notCallable) return Errors.notAFunction(this.target.functionName, file, 'non-callable value at import time');
      const sample: ErrorSample = { kind: err.kind, message: err.message, count: 1, ...(err.stack ? { stack: err.stack } : {}) };
      return Errors.importFailed(file, sample, this.py.executable);
    }
    return Errors.importFailed(file, { kind: 'crash', message: (e as Error).message, count: 1 }, this.py.executable);
  }

  /** Fails fast on import errors, before the orchestrator spends any budget. */
  async importOnce(): Promise<void> {
    this.probeSession = await this.startSession();
    // A decorator can make a plain def async (or unwrap to one): trust the import.
    if (this.probeSession.isAsync) (this.target as { isAsync: boolean }).isAsync = true;
  }

  async probe(signal: AbortSignal): Promise<ProbeResult> {
    if (!this.probeSession?.alive) this.probeSession = await this.startSession(signal);
    const session = this.probeSession;
    const r = await session.runPoint(
      { ...ONE_CALL, executor: 'sequential', args: this.target.args },
      this.limits.callTimeoutMs,
      signal,
    );
    // The probe's process has imported the module: the first executor takes it over
    // instead of starting and importing all over again.
    this.probeSession = undefined;
    this.spare = r.ended ? undefined : session;
    const n = r.taskEndMs.length;
    const wallMs = n ? r.taskEndMs[0] - r.taskStartMs[0] : 0;
    const cpu = n ? r.taskCpuMs[0] : NaN;
    const result: ProbeResult = {
      wallMs,
      cpuMs: Number.isFinite(cpu) ? cpu : null,
      cpuSource: 'time.thread_time_ns',
    };
    if (r.errors.length) result.error = r.errors[0];
    else if (n && !r.taskOk[0]) result.error = { kind: 'Error', message: 'the call failed', count: 1 };
    const out = this.output.take();
    if (out) result.output = out;
    return result;
  }

  async gilProbe(windowMs: number, signal: AbortSignal): Promise<GilProbe | undefined> {
    const session = this.spare;
    if (!session?.alive) return undefined;
    // The spinner windows, the calls, and one call that may run past the window.
    const timeoutMs = 4 * windowMs + 2 * Math.min(this.limits.callTimeoutMs, 60_000) + 5_000;
    try {
      return await session.gilProbe(windowMs, this.target.args, timeoutMs, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      // A probe that failed only costs its answer: the verdict falls back on thread scaling.
      if (!session.alive) this.spare = undefined;
      return undefined;
    } finally {
      this.output.take();
    }
  }

  executorKinds(): ExecutorKind[] {
    // For a plain def, "async" would only be asyncio.to_thread, i.e. a thread pool by
    // another name: the ladder skips it (createExecutor('async') still runs it, labelled).
    return this.target.isAsync ? ['sequential', 'async', 'thread', 'process'] : ['sequential', 'thread', 'process'];
  }

  optionalExecutorKinds(): ExecutorKind[] {
    // Celery only runs when asked for: it needs Redis and celery in the interpreter.
    return ['distributed'];
  }

  createExecutor(kind: ExecutorKind): Executor {
    if (kind === 'distributed') {
      const c = this.loadConfig;
      const ex = new CeleryExecutor(
        { sourcePath: c.sourcePath, displayPath: c.displayPath, functionName: c.function, sysPath: c.sysPath, python: this.py.executable, args: this.target.args, cwd: this.cwd },
        this.limits,
        this.distributed,
      );
      this.extra.add(ex);
      return ex;
    }
    const ex = new PythonExecutor(kind, this, this.limits, this.output, () => this.executors.delete(ex));
    this.executors.add(ex);
    return ex;
  }

  /** None when the sequential harness can run the pass; else an interpreter's start and import (0.3-0.6 s here). */
  hotspotsSetupMs(): number {
    return [...this.executors].some((e) => e.canRunHotspots) ? 0 : FRESH_INTERPRETER_GUESS_MS;
  }

  async hotspots(req: HotspotRequest, signal: AbortSignal): Promise<HotspotResult> {
    if (this.disposed) throw Errors.cancelled();
    // The sequential executor's harness has the function imported and warm: no
    // interpreter to start. A pass that kills it costs that executor a fresh session.
    for (const ex of this.executors) {
      const pass = ex.hotspotPass(req, hotspotPassTimeoutMs(this.limits, req, true), signal);
      if (!pass) continue;
      try {
        return foldHotspotPass(await pass);
      } finally {
        this.output.take(); // what the calls printed belongs to no point
      }
    }
    return pythonHotspots({ python: this.py.executable, cwd: this.cwd, load: { ...this.loadConfig }, args: this.target.args }, this.limits, req, signal);
  }

  async environment(): Promise<Record<string, unknown>> {
    return {
      executable: this.py.executable,
      version: this.py.version,
      gilEnabled: this.py.gilEnabled,
      startMethod: this.py.startMethod,
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.executors, ...this.extra].map((e) => e.dispose()));
    await Promise.all([...this.sessions].map((s) => s.kill()));
    this.sessions.clear();
    this.probeSession = undefined;
    this.spare = undefined;
    if (this.target.tempDir) rmSync(this.target.tempDir, { recursive: true, force: true });
  }
}

const MAX_CONCURRENCY: Record<ExecutorKind, number> = {
  sequential: 1,
  async: 1024,
  thread: 256,
  process: Math.max(4, os.cpus().length * 4),
  distributed: 64,
};

class PythonExecutor implements Executor {
  readonly maxConcurrency: number;
  private session: HarnessSession | undefined;
  private disposed = false;
  private coldStartReported = false;
  /** New threads join the harness's started process: a warm-up each, no start-up (Executor.growsWarm). */
  readonly growsWarm: boolean;

  constructor(
    readonly kind: ExecutorKind,
    private readonly runtime: PythonRuntime,
    private readonly limits: ExecutorLimits,
    private readonly output: PythonOutput,
    private readonly onDispose: () => void,
  ) {
    this.maxConcurrency = MAX_CONCURRENCY[kind];
    this.growsWarm = kind === 'thread';
  }

  private startedMs?: number;
  private preparing?: Promise<void>;
  /** A hot-spot pass in this executor's harness; settles, never rejects, when it ends. */
  private passing?: Promise<void>;

  /** Starts this executor's harness (interpreter + import) ahead of its first point. */
  prepare(signal: AbortSignal): Promise<void> {
    if (this.session?.alive) return Promise.resolve();
    const t0 = Date.now();
    // Cleared by .finally, a step after the assignment: a spare is taken without an await,
    // so a finally inside the body would run first and leave this set for good, and a
    // session that died later would never be replaced.
    return (this.preparing ??= (async () => {
      this.session = this.runtime.takeSpare() ?? (await this.runtime.startSession(signal));
      this.startedMs = Date.now() - t0;
    })().finally(() => (this.preparing = undefined)));
  }

  /** The sequential executor's, alive and between points. */
  get canRunHotspots(): boolean {
    return this.kind === 'sequential' && !this.disposed && this.session?.idle === true;
  }

  /**
   * The hot-spot pass in this executor's harness, or undefined unless it is the
   * sequential executor's and alive between points (the orchestrator runs the pass when
   * no point is running, on the harness that ran the baseline).
   */
  hotspotPass(req: HotspotRequest, timeoutMs: number, signal: AbortSignal): Promise<PythonHotspotPass> | undefined {
    const session = this.session;
    if (!this.canRunHotspots || !session) return undefined;
    const pass = session.hotspots(req, this.runtime.target.args, timeoutMs, signal);
    this.passing = pass.then(
      () => undefined,
      () => undefined,
    );
    return pass;
  }

  async runPoint(req: PointRequest): Promise<PointSamples> {
    // One command at a time per harness: a point asked for during a pass waits for it.
    if (this.passing) await this.passing;
    if (req.signal.aborted || this.disposed) throw Errors.cancelled();
    const concurrency = Math.max(1, Math.min(this.maxConcurrency, Math.floor(req.concurrency)));
    if (!this.session?.alive) await this.prepare(req.signal);
    const session = this.session!;
    const startedMs = this.startedMs;
    const r = await session.runPoint(
      {
        executor: this.kind,
        concurrency,
        durationMs: req.durationMs,
        ...(req.windowUntilMs !== undefined ? { windowUntilMs: req.windowUntilMs } : {}),
        minTasks: req.minTasks,
        warmupMs: req.warmupMs,
        taskIndexStart: req.taskIndexStart,
        maxErrors: req.maxErrors,
        args: this.runtime.target.args,
        // The harness warms its own process once, and every new pool process.
        ...(req.warmup ? { warmup: req.warmup } : {}),
        poolMax: this.maxConcurrency,
      },
      this.limits.callTimeoutMs,
      req.signal,
    );
    // A session that timed out or died is gone; the next point starts a fresh one.
    if (r.ended) this.session = undefined;
    const samples: PointSamples = {
      executor: this.kind,
      concurrency,
      startMs: r.startMs,
      endMs: r.endMs,
      taskStartMs: r.taskStartMs,
      taskEndMs: r.taskEndMs,
      taskCpuMs: r.taskCpuMs,
      taskOk: r.taskOk,
      cpuSource: (r.cpuSource as CpuSource | undefined) ?? (this.kind === 'process' ? 'time.process_time_ns' : 'time.thread_time_ns'),
      errors: r.errors,
      abandoned: r.abandoned,
    };
    if (r.serialization) samples.serialization = r.serialization;
    if (r.note) samples.note = r.note;
    if (r.coldStart && !this.coldStartReported) {
      this.coldStartReported = true;
      // Processes report their own start-up; for calls in the harness itself it is the
      // interpreter's start and the module's import.
      samples.coldStart = { ...r.coldStart, workerStartMs: r.coldStart.workerStartMs ?? startedMs ?? null };
    }
    const out = this.output.take();
    if (out) samples.output = out;
    return samples;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const s = this.session;
    this.session = undefined;
    await this.runtime.closeSession(s);
    this.onDispose();
  }
}
