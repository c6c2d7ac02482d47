// The orchestrator: load the target, measure the machine, probe one call, then climb
// each executor's concurrency ladder inside the time budget, and turn the samples into
// a Report. It runs no user code itself: runtimes put every call in a worker thread, a
// child process or a Python process.
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classify } from './classify';
import { CpuSampler, measureBackgroundLoad, nowMs } from './cpuSampler';
import { Errors, ProfileError } from './errors';
import type { Executor, ExecutorLimits, PointSamples, TargetRuntime } from './executorTypes';
import { createJsRuntime } from './js/jsRuntime';
import { nextConcurrency, planWindow, TYPICAL_POINTS, type LadderPoint } from './ladder';
import { DEFAULTS, defaultMaxConcurrency, type ProfileHooks, type ProfileOptions, type ProgressEvent } from './options';
import { createPythonRuntime } from './python/pythonRuntime';
import {
  SCHEMA_VERSION,
  type BackgroundLoad,
  type Caveat,
  type Environment,
  type ExecutorKind,
  type Language,
  type Report,
  type RunResult,
  type TimelineMark,
} from './report';
import { ratioCi, throughputStats } from './stats';

export function languageOf(file: string): Language {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.py') return 'python';
  if (['.ts', '.tsx', '.mts', '.cts'].includes(ext)) return 'typescript';
  return 'javascript';
}

/** Stop a point once this many calls have failed: the error rate is clear by then. */
const MAX_ERRORS_PER_POINT = 50;
/** Time kept back for analysis and tear-down. */
const RESERVE_MS = 250;
/** First guesses of per-worker start-up cost, replaced by what we observe. */
const STARTUP_GUESS_MS: Record<ExecutorKind, number> = { sequential: 30, async: 30, thread: 40, process: 120 };

export async function profile(options: ProfileOptions, hooks: ProfileHooks = {}): Promise<Report> {
  const started = nowMs();
  const budgetMs = options.budgetMs ?? DEFAULTS.budgetMs;
  if (!Number.isFinite(budgetMs) || budgetMs <= 0) throw Errors.badBudget(String(budgetMs / 1000));
  const signal = hooks.signal ?? new AbortController().signal;
  const file = path.resolve(options.file);
  const language = languageOf(file);
  const args = options.args ?? [];
  if (!Array.isArray(args)) throw Errors.badArgs('got ' + typeof args);
  const limits: ExecutorLimits = {
    callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    memoryLimitMb: options.memoryLimitMb ?? DEFAULTS.memoryLimitMb,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
  };
  const cores = os.cpus().length;
  const caps = { ...defaultMaxConcurrency(cores), ...options.maxConcurrency };
  const emit = (e: Omit<ProgressEvent, 'fraction'>) =>
    hooks.onProgress?.({ ...e, fraction: Math.min(1, (nowMs() - started) / budgetMs) });
  const throwIfAborted = () => {
    if (signal.aborted) throw Errors.cancelled();
  };

  emit({ phase: 'load', message: `Loading ${options.functionName} from ${path.basename(file)}` });
  if (!existsSync(file) && options.sourceText === undefined) throw Errors.fileNotFound(options.file);
  if (existsSync(file) && statSync(file).isDirectory()) throw Errors.notAFile(options.file);
  const runtimeOptions = {
    file,
    functionName: options.functionName,
    args,
    sourceText: options.sourceText,
    workspaceRoot: options.workspaceRoot,
  };
  const runtime: TargetRuntime =
    language === 'python'
      ? await createPythonRuntime({ ...runtimeOptions, python: options.python }, limits)
      : await createJsRuntime(runtimeOptions, limits);

  const sampler = new CpuSampler(50);
  const live = new Set<Executor>();
  const onAbort = () => {
    for (const e of live) void e.dispose();
    void runtime.dispose();
  };
  signal.addEventListener('abort', onAbort);
  try {
    throwIfAborted();
    emit({ phase: 'background', message: 'Measuring background load' });
    const background = await measureBackgroundLoad(300, signal);
    throwIfAborted();
    sampler.start();

    emit({ phase: 'probe', message: `Calling ${options.functionName} once` });
    const probe = await runtime.probe(signal);
    throwIfAborted();
    if (probe.error) throw Errors.functionFailed(options.functionName, probe.error);
    const callMs = Math.max(0.001, probe.wallMs);
    const probeCpuRatio = probe.cpuMs != null && probe.wallMs > 0 ? Math.min(1, probe.cpuMs / probe.wallMs) : 1;

    const wanted = options.executors ?? DEFAULTS.executors;
    const kinds = runtime.executorKinds().filter((k) => k === 'sequential' || wanted.includes(k));
    const runs: RunResult[] = [];
    const samplesByRun: PointSamples[] = [];
    const marks: TimelineMark[] = [];
    const caveats: Caveat[] = [];
    const perWorkerStartup: Record<ExecutorKind, number> = { ...STARTUP_GUESS_MS };
    let baseline: { value: number; ci: [number, number] } | undefined;
    let taskIndex = 1;

    for (let ki = 0; ki < kinds.length; ki++) {
      const kind = kinds[ki];
      const later = kinds.slice(ki + 1);
      const executor = runtime.createExecutor(kind);
      live.add(executor);
      const history: LadderPoint[] = [];
      try {
        for (;;) {
          throwIfAborted();
          const cap = Math.min(caps[kind], executor.maxConcurrency);
          const k = nextConcurrency(kind, history, cap, baseline?.value ?? 0, kind === 'async' ? 1 : Math.min(cores, cap));
          if (k === undefined) break;
          const elapsed = nowMs() - started;
          const remaining = budgetMs - elapsed - RESERVE_MS;
          const laterPoints = later.reduce((n, l) => n + TYPICAL_POINTS[l], 0);
          const pointsLeft = 1 + laterPoints + (history.length === 0 ? Math.max(0, TYPICAL_POINTS[kind] - 1) : 0);
          const parallel = expectedParallelism(kind, k, probeCpuRatio, cores);
          const plan = planWindow({
            remainingMs: remaining,
            pointsLeft,
            overheadMs: perWorkerStartup[kind] * (kind === 'thread' || kind === 'process' ? k : 1),
            callMs,
            concurrency: k,
            expectedParallelism: parallel,
          });
          // Keep enough for one point of every executor still to come; never skip the baseline.
          const laterMinimum = later.reduce((n, l) => n + perWorkerStartup[l] + Math.max(150, callMs * 1.2), 0);
          if (kind !== 'sequential' && history.length > 0 && plan.predictedMs > remaining - laterMinimum) {
            caveats.push({
              level: 'info',
              message: `Stopped the ${kind} ladder at K=${history[history.length - 1].concurrency}: K=${k} would not fit the ${fmtS(budgetMs)} budget.`,
            });
            break;
          }
          emit({ phase: 'run', executor: kind, concurrency: k, message: `${kind} × ${k}` });
          const pointStart = nowMs();
          const samples = await executor.runPoint({
            concurrency: k,
            durationMs: plan.durationMs,
            minTasks: plan.minTasks,
            warmupMs: plan.warmupMs,
            taskIndexStart: taskIndex,
            maxErrors: MAX_ERRORS_PER_POINT,
            signal,
          });
          const pointEnd = nowMs();
          taskIndex += samples.taskEndMs.length + 2 * k;
          const measured = Math.max(0, samples.endMs - samples.startMs);
          const startup = Math.max(0, pointEnd - pointStart - measured);
          // Learn start-up per worker so later points plan with real numbers.
          perWorkerStartup[kind] = startup / (kind === 'thread' || kind === 'process' ? k : 1);

          const tp = throughputStats({
            startMs: samples.startMs,
            endMs: samples.endMs,
            taskStartMs: samples.taskStartMs,
            taskEndMs: samples.taskEndMs,
            concurrency: k,
          });
          if (kind === 'sequential') baseline = { value: tp.throughputPerSec, ci: tp.ci };
          const run = toRunResult(kind, k, samples, tp, baseline, sampler, background, cores);
          runs.push(run);
          samplesByRun.push(samples);
          marks.push({ executor: kind, concurrency: k, startMs: round1(samples.startMs - sampler.startedAtMs), endMs: round1(samples.endMs - sampler.startedAtMs) });
          history.push({ concurrency: k, throughputPerSec: tp.throughputPerSec });
          // A run where nearly everything failed measures the failure, not the function.
          if (run.errors.count >= MAX_ERRORS_PER_POINT || (run.tasks > 0 && run.errors.rate > 0.5)) {
            caveats.push({ level: 'warning', message: `${kind} × ${k}: ${run.errors.count} calls failed; the ladder stopped there.` });
            break;
          }
          if (kind === 'sequential') break;
        }
      } finally {
        live.delete(executor);
        await executor.dispose();
      }
    }
    throwIfAborted();
    sampler.stop();
    emit({ phase: 'analyse', message: 'Analysing' });

    const pyEnv = (await runtime.environment?.()) as Environment['python'] | undefined;
    const analysis = classify({
      language,
      isAsync: runtime.target.isAsync,
      cores,
      runs,
      probe: { wallMs: probe.wallMs, cpuMs: probe.cpuMs },
      background,
      python: pyEnv ? { gilEnabled: pyEnv.gilEnabled } : undefined,
      uvThreadpoolSize: uvThreadpoolSize(),
    });
    const environment: Environment = {
      cores,
      platform: os.platform(),
      arch: os.arch(),
      node: process.version,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
      backgroundLoad: background,
      ...(pyEnv ? { python: pyEnv } : {}),
      uvThreadpoolSize: uvThreadpoolSize(),
    };
    const report: Report = {
      schemaVersion: SCHEMA_VERSION,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      durationMs: Math.round(nowMs() - started),
      budgetMs,
      target: { file, function: options.functionName, language, args, isAsync: runtime.target.isAsync },
      environment,
      probe: { wallMs: round3(probe.wallMs), cpuMs: probe.cpuMs == null ? null : round3(probe.cpuMs), cpuSource: probe.cpuSource },
      runs,
      timeline: { intervalMs: sampler.intervalMs, cores: sampler.grid(), marks },
      verdict: analysis.verdict,
      recommendation: analysis.recommendation,
      caveats: [...caveats, ...analysis.caveats],
      output: mergeOutput([probe.output, ...samplesByRun.map((s) => s.output)], limits.maxOutputBytes),
    };
    emit({ phase: 'done', message: 'Done' });
    return report;
  } catch (e) {
    if (signal.aborted && !(e instanceof ProfileError && e.code !== 'cancelled')) throw Errors.cancelled();
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    sampler.stop();
    for (const e of live) await e.dispose();
    await runtime.dispose();
  }
}

function toRunResult(
  kind: ExecutorKind,
  k: number,
  s: PointSamples,
  tp: { throughputPerSec: number; ci: [number, number]; noisy: boolean },
  baseline: { value: number; ci: [number, number] } | undefined,
  sampler: CpuSampler,
  background: BackgroundLoad,
  cores: number,
): RunResult {
  const n = s.taskEndMs.length;
  const walls = s.taskEndMs.map((e, i) => e - s.taskStartMs[i]);
  const cpu = s.taskCpuMs.filter((x) => Number.isFinite(x));
  const cpuTotal = cpu.reduce((a, b) => a + b, 0);
  const wallOfCpuTasks = s.taskCpuMs.reduce((acc, x, i) => (Number.isFinite(x) ? acc + walls[i] : acc), 0);
  const failed = s.taskOk.filter((ok) => !ok).length;
  const utilization = sampler.utilizationBetween(s.startMs, s.endMs);
  const speedup = baseline && baseline.value > 0 ? tp.throughputPerSec / baseline.value : 1;
  const speedupCi: [number, number] =
    kind === 'sequential' || !baseline ? [1, 1] : ratioCi({ value: tp.throughputPerSec, ci: tp.ci }, baseline);
  const run: RunResult = {
    executor: kind,
    concurrency: k,
    tasks: n,
    wallMs: round1(s.endMs - s.startMs),
    throughputPerSec: round3(tp.throughputPerSec),
    speedup: round3(kind === 'sequential' ? 1 : speedup),
    speedupCi: [round3(speedupCi[0]), round3(speedupCi[1])],
    noisy: tp.noisy,
    cpuMsPerTask: cpu.length ? round3(cpuTotal / cpu.length) : null,
    cpuRatio: cpu.length && wallOfCpuTasks > 0 ? round3(Math.min(1, cpuTotal / wallOfCpuTasks)) : null,
    cpuSource: s.cpuSource,
    coreUtilization: round3(utilization),
    busyCores: round3(Math.max(0, utilization * cores - background.busyCores)),
    errors: {
      count: failed,
      rate: n > 0 ? round3(failed / n) : 0,
      samples: s.errors,
    },
  };
  if (s.eventLoopUtilization !== undefined) run.eventLoopUtilization = round3(s.eventLoopUtilization);
  if (s.serialization) run.serialization = s.serialization;
  if (s.note) run.note = s.note;
  return run;
}

function mergeOutput(parts: (Report['output'] | undefined)[], max: number): Report['output'] | undefined {
  const present = parts.filter((p): p is NonNullable<Report['output']> => !!p);
  if (!present.length) return undefined;
  let stdout = '';
  let stderr = '';
  let truncated = false;
  for (const p of present) {
    stdout += p.stdout;
    stderr += p.stderr;
    truncated ||= p.truncated;
  }
  if (stdout.length > max) (stdout = stdout.slice(0, max)), (truncated = true);
  if (stderr.length > max) (stderr = stderr.slice(0, max)), (truncated = true);
  return stdout || stderr || truncated ? { stdout, stderr, truncated } : undefined;
}

function uvThreadpoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const fmtS = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/**
 * How many calls we expect to make progress at once, from the probe's CPU ratio: on
 * one event loop only the waiting part overlaps; a pool runs CPU work on at most
 * `cores` at a time and waiting work on all K.
 */
function expectedParallelism(kind: ExecutorKind, k: number, cpuRatio: number, cores: number): number {
  if (kind === 'sequential') return 1;
  if (kind === 'async') return Math.max(1, Math.min(k, 1 / Math.max(0.05, cpuRatio)));
  return Math.min(k, Math.max(cores, k * (1 - cpuRatio)));
}
