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
import { ladderStep, MIN_WINDOW_MS, nextConcurrency, planWindow, TYPICAL_POINTS, type LadderPoint, type WindowPlan } from './ladder';
import { DEFAULTS, defaultMaxConcurrency, type ProfileHooks, type ProfileOptions, type ProgressEvent } from './options';
import { createPythonRuntime } from './python/pythonRuntime';
import { profileQueue } from './queue/profileQueue';
import {
  SCHEMA_VERSION,
  type BackgroundLoad,
  type Caveat,
  type Environment,
  type ErrorSample,
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
  if (options.queue) return profileQueue(options, hooks);
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
    const points: MeasuredPoint[] = [];
    const marks: TimelineMark[] = [];
    const caveats: Caveat[] = [];
    const perWorkerStartup: Record<ExecutorKind, number> = { ...STARTUP_GUESS_MS };
    let taskIndex = 1;

    const measure = async (executor: Executor, kind: ExecutorKind, k: number, plan: WindowPlan): Promise<MeasuredPoint> => {
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
      // Learn start-up per worker so later points plan with real numbers.
      perWorkerStartup[kind] = Math.max(0, pointEnd - pointStart - measured) / (isPool(kind) ? k : 1);
      const tp = throughputStats({
        startMs: samples.startMs,
        endMs: samples.endMs,
        taskStartMs: samples.taskStartMs,
        taskEndMs: samples.taskEndMs,
        concurrency: k,
      });
      marks.push({ executor: kind, concurrency: k, startMs: round1(samples.startMs - sampler.startedAtMs), endMs: round1(samples.endMs - sampler.startedAtMs) });
      const point = { kind, k, samples, tp, durationMs: plan.durationMs };
      points.push(point);
      return point;
    };

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
          const baseline = points.find((p) => p.kind === 'sequential')?.tp.throughputPerSec ?? 0;
          const k = nextConcurrency(kind, history, cap, baseline, kind === 'async' ? 1 : Math.min(cores, cap), ladderStep(callMs));
          if (k === undefined) break;
          const remaining = budgetMs - (nowMs() - started) - RESERVE_MS;
          // The closing baseline re-check counts as one more point still to come.
          const laterPoints = later.reduce((n, l) => n + TYPICAL_POINTS[l], 0) + 1;
          const pointsLeft = 1 + laterPoints + (history.length === 0 ? Math.max(0, TYPICAL_POINTS[kind] - 1) : 0);
          const plan = planWindow({
            remainingMs: remaining,
            pointsLeft,
            overheadMs: perWorkerStartup[kind] * (isPool(kind) ? k : 1),
            callMs,
            concurrency: k,
            expectedParallelism: expectedParallelism(kind, k, probeCpuRatio, cores),
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
          const { samples, tp } = await measure(executor, kind, k, plan);
          history.push({ concurrency: k, throughputPerSec: tp.throughputPerSec });
          // A run where nearly everything failed measures the failure, not the function.
          // A point can also end with failures and no counted call at all (a worker that
          // died or hung in the warm-up): that is a failed point too, not "no data".
          const failed = samples.taskOk.filter((ok) => !ok).length;
          const succeeded = samples.taskOk.length - failed;
          const failedAny = Math.max(failed, samples.errors.reduce((n, e) => n + e.count, 0));
          if (failed >= MAX_ERRORS_PER_POINT || (samples.taskOk.length > 0 && failed / samples.taskOk.length > 0.5) || (succeeded === 0 && failedAny > 0)) {
            caveats.push({ level: 'warning', message: `${kind} × ${k}: ${failedAny} calls failed; the ladder stopped there.` });
            break;
          }
          if (kind === 'sequential') break;
        }
      } finally {
        live.delete(executor);
        await executor.dispose();
      }
    }

    // Shared machines drift: a baseline taken only at the start turns a slowdown halfway
    // through into a wrong speedup. Re-measure it at the end, if the budget allows, and
    // use both.
    const first = points.find((p) => p.kind === 'sequential');
    const remaining = budgetMs - (nowMs() - started) - RESERVE_MS;
    if (first && remaining > Math.max(MIN_WINDOW_MS, callMs) + perWorkerStartup.sequential) {
      throwIfAborted();
      const executor = runtime.createExecutor('sequential');
      live.add(executor);
      try {
        const duration = Math.min(first.durationMs, remaining - perWorkerStartup.sequential);
        await measure(executor, 'sequential', 1, planWindow({ remainingMs: duration, pointsLeft: 1, overheadMs: 0, callMs, concurrency: 1, expectedParallelism: 1 }));
      } finally {
        live.delete(executor);
        await executor.dispose();
      }
    }
    throwIfAborted();
    sampler.stop();
    // Only the probe worked: there is nothing to compare, and a verdict would be made up.
    if (!points.some((p) => p.samples.taskOk.some(Boolean))) {
      // The most frequent error, preferring a real message over the tally's catch-all.
      const folded = (e: ErrorSample) => (e.message === 'other errors with differing messages' ? 1 : 0);
      const worst = mergeErrorSamples(points.flatMap((p) => p.samples.errors)).sort((a, b) => folded(a) - folded(b) || b.count - a.count)[0];
      if (worst) throw Errors.everyCallFailed(options.functionName, worst);
    }
    emit({ phase: 'analyse', message: 'Analysing' });

    const baselines = points.filter((p) => p.kind === 'sequential');
    const baseline = combineBaselines(baselines.map((p) => p.tp));
    if (baseline.drift > BASELINE_DRIFT) {
      caveats.push({
        level: 'warning',
        message: `The sequential baseline moved by ${Math.round(baseline.drift * 100)}% between the start and the end of the profile: the machine's speed changed, so speedups are less certain.`,
      });
    }
    const runs: RunResult[] = [];
    if (baselines.length) {
      const merged = mergeSamples(baselines.map((p) => p.samples));
      runs.push(toRunResult('sequential', 1, merged, baselines.map((p) => [p.samples.startMs, p.samples.endMs]), baseline, baseline, sampler, background, cores));
    }
    for (const p of points.filter((x) => x.kind !== 'sequential')) {
      const tp = { value: p.tp.throughputPerSec, ci: p.tp.ci, noisy: p.tp.noisy };
      runs.push(toRunResult(p.kind, p.k, p.samples, [[p.samples.startMs, p.samples.endMs]], tp, baseline, sampler, background, cores));
    }
    const samplesByRun = points.map((p) => p.samples);

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

interface MeasuredPoint {
  kind: ExecutorKind;
  k: number;
  samples: PointSamples;
  tp: { throughputPerSec: number; ci: [number, number]; noisy: boolean };
  durationMs: number;
}

interface Estimate {
  value: number;
  ci: [number, number];
  noisy: boolean;
}

/** Start and end baselines differing by more than this make the profile's speedups suspect. */
const BASELINE_DRIFT = 0.15;

/**
 * One baseline from the start and end measurements: their mean, an interval that
 * covers both, and how far apart they were (a sign the machine's speed changed).
 */
export function combineBaselines(tps: { throughputPerSec: number; ci: [number, number]; noisy: boolean }[]): Estimate & { drift: number } {
  if (tps.length === 0) return { value: 0, ci: [0, 0], noisy: true, drift: 0 };
  const values = tps.map((t) => t.throughputPerSec);
  const value = values.reduce((a, b) => a + b, 0) / values.length;
  const drift = value > 0 ? (Math.max(...values) - Math.min(...values)) / value : 0;
  return {
    value,
    ci: [Math.min(...tps.map((t) => t.ci[0])), Math.max(...tps.map((t) => t.ci[1]))],
    noisy: tps.some((t) => t.noisy) || drift > BASELINE_DRIFT,
    drift,
  };
}

function mergeSamples(all: PointSamples[]): PointSamples {
  const [head, ...rest] = all;
  const merged: PointSamples = { ...head, taskStartMs: [...head.taskStartMs], taskEndMs: [...head.taskEndMs], taskCpuMs: [...head.taskCpuMs], taskOk: [...head.taskOk], errors: [...head.errors] };
  // Plain loops, not push(...xs): a tiny function leaves 100k+ samples, past the spread limit.
  for (const s of rest) {
    for (let i = 0; i < s.taskEndMs.length; i++) {
      merged.taskStartMs.push(s.taskStartMs[i]);
      merged.taskEndMs.push(s.taskEndMs[i]);
      merged.taskCpuMs.push(s.taskCpuMs[i]);
      merged.taskOk.push(s.taskOk[i]);
    }
    for (const e of s.errors) merged.errors.push(e);
    merged.abandoned += s.abandoned;
    merged.endMs = s.endMs;
  }
  if (all.some((s) => s.taskRunQueueMs)) {
    merged.taskRunQueueMs = [];
    for (const s of all) for (let i = 0; i < s.taskEndMs.length; i++) merged.taskRunQueueMs.push(s.taskRunQueueMs?.[i] ?? NaN);
  }
  return merged;
}

function isPool(kind: ExecutorKind): boolean {
  return kind === 'thread' || kind === 'process';
}

function toRunResult(
  kind: ExecutorKind,
  k: number,
  s: PointSamples,
  windows: [number, number][],
  tp: Estimate,
  baseline: Estimate,
  sampler: CpuSampler,
  background: BackgroundLoad,
  cores: number,
): RunResult {
  const n = s.taskEndMs.length;
  const walls = s.taskEndMs.map((e, i) => e - s.taskStartMs[i]);
  const cpu = s.taskCpuMs.filter((x) => Number.isFinite(x));
  const cpuTotal = cpu.reduce((a, b) => a + b, 0);
  // Time spent runnable but queued behind other work is neither compute nor waiting:
  // leave it out, so a busy machine does not make CPU-bound calls look half idle.
  const queued = (i: number) => {
    const q = s.taskRunQueueMs?.[i];
    return q !== undefined && Number.isFinite(q) ? Math.min(Math.max(0, q), walls[i]) : 0;
  };
  const wallOfCpuTasks = s.taskCpuMs.reduce((acc, x, i) => (Number.isFinite(x) ? acc + walls[i] - queued(i) : acc), 0);
  const failed = s.taskOk.filter((ok) => !ok).length;
  const windowMs = windows.reduce((a, [from, to]) => a + Math.max(0, to - from), 0);
  const utilization =
    windowMs > 0 ? windows.reduce((a, [from, to]) => a + sampler.utilizationBetween(from, to) * Math.max(0, to - from), 0) / windowMs : 0;
  const sequential = kind === 'sequential';
  const speedup = sequential ? 1 : baseline.value > 0 ? tp.value / baseline.value : 0;
  const speedupCi: [number, number] = sequential || baseline.value <= 0 ? [1, 1] : ratioCi({ value: tp.value, ci: tp.ci }, baseline);
  const run: RunResult = {
    executor: kind,
    concurrency: k,
    tasks: n,
    wallMs: round1(windowMs),
    throughputPerSec: round3(tp.value),
    speedup: round3(speedup),
    speedupCi: [round3(speedupCi[0]), round3(speedupCi[1])],
    noisy: tp.noisy,
    cpuMsPerTask: cpu.length ? round3(cpuTotal / cpu.length) : null,
    cpuRatio: cpu.length && wallOfCpuTasks > 0 ? round3(Math.min(1, cpuTotal / wallOfCpuTasks)) : null,
    cpuSource: s.cpuSource,
    coreUtilization: round3(utilization),
    busyCores: round3(Math.max(0, utilization * cores - background.busyCores)),
    errors: runErrors(failed, n, mergeErrorSamples(s.errors)),
  };
  if (s.eventLoopUtilization !== undefined) run.eventLoopUtilization = round3(s.eventLoopUtilization);
  if (s.serialization) run.serialization = s.serialization;
  if (s.note) run.note = s.note;
  return run;
}

/** Counted failures; a run with no counted call still shows the failures its warm-up met. */
function runErrors(failed: number, tasks: number, samples: ErrorSample[]): RunResult['errors'] {
  if (tasks === 0) {
    const count = samples.reduce((a, e) => a + e.count, 0);
    return { count, rate: count > 0 ? 1 : 0, samples };
  }
  return { count: failed, rate: round3(failed / tasks), samples };
}

function mergeErrorSamples(samples: ErrorSample[]): ErrorSample[] {
  const byKey = new Map<string, ErrorSample>();
  for (const e of samples) {
    const key = `${e.kind}\u0000${e.message}`;
    const seen = byKey.get(key);
    if (seen) seen.count += e.count;
    else byKey.set(key, { ...e });
  }
  return [...byKey.values()];
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
