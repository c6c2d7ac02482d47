// The JavaScript/TypeScript TargetRuntime: checks the input, bundles the module, and
// hands out the four executors. Nothing here runs user code on the caller's thread:
// the probe, like every executor, calls the function in a worker thread or child.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Errors } from '../../shared/errors';
import type { Executor, ExecutorLimits, HotspotRequest, HotspotResult, LoadedTarget, ProbeResult, TargetRuntime } from '../executorTypes';
import { jsHotspots } from '../hotspots/hotspotsJs';
import type { ExecutorKind } from '../../shared/report';
import { raceAbort, throwIfAborted } from './abort';
import { buildTarget } from './buildTarget';
import { findJsFunctions, JS_EXTENSIONS } from './findJsFunctions';
import { JsLoopExecutor, LoadFailure, LoopThreadSlot, LoopWorkerHost } from './loopWorkerExecutor';
import { JsProcessExecutor } from './processExecutor';
import type { HostInit } from '../../shared/jsProtocol';
import { JsThreadExecutor } from './threadExecutor';
import { BullmqExecutor } from '../distributed/bullmqExecutor';
import type { DistributedOptions } from '../../shared/distributed/distributedTypes';

export interface JsRuntimeOptions {
  file: string;
  functionName: string;
  args: unknown[];
  /** Unsaved editor text to profile instead of the file on disk. */
  sourceText?: string;
  workspaceRoot?: string;
  distributed?: DistributedOptions;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
/** Hard upper bound for the process ladder; the orchestrator caps it lower (cores × 2). */
const MAX_PROCESSES = 64;
/** A worker thread's start and bundle import, until the probe's thread has measured it. */
const FRESH_THREAD_GUESS_MS = 150;

/** Reads and checks the user's source, with one-line errors for every kind of bad input. */
export function readJsSource(file: string, sourceText?: string): string {
  const abs = resolve(file);
  if (!JS_EXTENSIONS.includes(extname(abs).toLowerCase())) {
    if (sourceText === undefined && !existsSync(abs)) throw Errors.fileNotFound(file);
    if (sourceText === undefined && statSync(abs).isDirectory()) throw Errors.notAFile(file);
    throw Errors.unsupportedFile(file);
  }
  let text = sourceText;
  if (text === undefined) {
    if (!existsSync(abs)) throw Errors.fileNotFound(file);
    if (statSync(abs).isDirectory()) throw Errors.notAFile(file);
    const bytes = readFileSync(abs);
    if (bytes.includes(0)) throw Errors.binaryFile(file);
    text = bytes.toString('utf8');
  } else if (text.includes('\0')) {
    throw Errors.binaryFile(file);
  }
  if (text.trim() === '') throw Errors.emptyFile(file);
  return text;
}

export async function createJsRuntime(opts: JsRuntimeOptions, limits: ExecutorLimits): Promise<TargetRuntime> {
  const source = readJsSource(opts.file, opts.sourceText);
  const scan = findJsFunctions(source, opts.file);
  const fn = scan.functions.find((f) => f.name === opts.functionName);
  if (!fn) {
    const other = scan.others.find((o) => o.name === opts.functionName);
    if (other) throw Errors.notAFunction(opts.functionName, opts.file, other.what);
    throw Errors.functionNotFound(
      opts.functionName,
      opts.file,
      scan.functions.map((f) => f.name),
    );
  }
  const abs = resolve(opts.file);
  const built = await buildTarget({
    file: abs,
    displayFile: opts.file,
    functionName: fn.name,
    ...(fn.owner ? { owner: fn.owner } : {}),
    sourceText: opts.sourceText,
    isModule: scan.isModule,
  });
  const target: LoadedTarget = {
    language: TS_EXTENSIONS.has(extname(abs).toLowerCase()) ? 'typescript' : 'javascript',
    file: abs,
    functionName: fn.name,
    args: opts.args,
    isAsync: fn.isAsync,
    bundlePath: built.bundlePath,
    tempDir: built.tempDir,
  };
  if (opts.workspaceRoot) target.workspaceRoot = opts.workspaceRoot;
  return new JsRuntime(target, limits, opts.distributed);
}

class JsRuntime implements TargetRuntime {
  private readonly init: HostInit;
  private readonly executors = new Set<Executor>();
  private readonly probes = new Set<LoopWorkerHost>();
  /** The probe's thread lives on as the sequential and async executors' thread. */
  private readonly loopSlot: LoopThreadSlot;
  private disposed = false;

  constructor(
    readonly target: LoadedTarget,
    private readonly limits: ExecutorLimits,
    private readonly distributed?: DistributedOptions,
  ) {
    this.init = {
      bundlePath: target.bundlePath!,
      functionName: target.functionName,
      args: target.args,
      callTimeoutMs: limits.callTimeoutMs,
      maxOutputBytes: limits.maxOutputBytes,
      returnResults: limits.returnResults ?? true,
    };
    this.loopSlot = new LoopThreadSlot(this.init, limits);
  }

  async probe(signal: AbortSignal): Promise<ProbeResult> {
    throwIfAborted(signal);
    const host = new LoopWorkerHost(this.init, this.limits);
    this.probes.add(host);
    let keep = false;
    try {
      let cpuSource: ProbeResult['cpuSource'];
      try {
        cpuSource = await raceAbort(host.ready, signal, () => host.kill());
      } catch (e) {
        if (!(e instanceof LoadFailure)) throw e;
        return { wallMs: 0, cpuMs: null, cpuSource: 'unavailable', error: { ...e.info, count: 1 } };
      }
      const end = await raceAbort(host.probe(0), signal, () => host.kill());
      if (end.ended === 'died') {
        return { wallMs: Date.now() - end.startMs, cpuMs: null, cpuSource, error: { ...end.death, count: 1 } };
      }
      const o = end.outcome;
      const result: ProbeResult = {
        wallMs: o.endMs - o.startMs,
        cpuMs: Number.isFinite(o.cpuMs) ? o.cpuMs : null,
        cpuSource: end.cpuSource,
      };
      if (o.error) result.error = { ...o.error, count: 1 };
      if (end.output) result.output = end.output;
      // A thread whose first call went well is loaded and part-compiled: the sequential
      // and async points carry on with it rather than start another.
      if (!o.error && host.alive) {
        host.firstCallMs = result.wallMs;
        this.loopSlot.adopt(host, end.cpuSource);
        keep = true;
      }
      return result;
    } finally {
      this.probes.delete(host);
      if (!keep) await host.kill();
    }
  }

  hotspots(req: HotspotRequest, signal: AbortSignal): Promise<HotspotResult> {
    return jsHotspots(this.init, this.limits, req, signal, this.target.isAsync);
  }

  /**
   * The pass's fresh thread starts and loads the bundle as the probe's thread did, and
   * warms up about as long as the sequential thread did (a quarter more for noise), or
   * up to the cap until that is known.
   */
  hotspotsSetupMs(warmupCapMs: number): number {
    const host = this.loopSlot.host;
    const warmed = host?.warmup?.elapsedMs;
    return (host?.workerStartMs ?? FRESH_THREAD_GUESS_MS) + Math.min(warmupCapMs, warmed != null ? warmed * 1.25 : warmupCapMs);
  }

  executorKinds(): ExecutorKind[] {
    return ['sequential', 'async', 'thread', 'process'];
  }

  optionalExecutorKinds(): ExecutorKind[] {
    // Only when asked for (--executors …,distributed): it needs Redis.
    return ['distributed'];
  }

  createExecutor(kind: ExecutorKind): Executor {
    if (this.disposed) throw new Error('runtime used after dispose()');
    let ex: Executor;
    switch (kind) {
      case 'sequential':
      case 'async':
        ex = new JsLoopExecutor(kind, this.loopSlot, this.limits);
        break;
      case 'thread':
        ex = new JsThreadExecutor(this.init, this.limits);
        break;
      case 'process':
        ex = new JsProcessExecutor(this.init, this.limits, MAX_PROCESSES);
        break;
      case 'distributed':
        ex = new BullmqExecutor(this.init, this.limits, this.distributed);
        break;
      default:
        throw new Error(`unknown executor kind: ${String(kind)}`);
    }
    this.executors.add(ex);
    return ex;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const executors = [...this.executors];
    this.executors.clear();
    const probes = [...this.probes];
    this.probes.clear();
    await Promise.allSettled([...executors.map((e) => e.dispose()), ...probes.map((p) => p.kill()), this.loopSlot.dispose()]);
    if (this.target.tempDir) rmSync(this.target.tempDir, { recursive: true, force: true });
  }
}
