// The orchestrator: load the target, measure the machine, probe one call, then measure
// the executors in the order a LadderSession plans (breadth first, inside the time
// budget), and turn the samples into a Report. It runs no user code itself: runtimes
// put every call in a worker thread, a child process or a Python process. Executors
// live for the whole profile, so their workers stay warm from one point to the next.
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classify, IO_BOUND_AT } from '../analysis/index';
import { CpuSampler, backgroundThenSample, nowMs } from './cpuSampler';
import { machineEnvironment, uvThreadpoolSize } from './environment';
import { distributedCaveats } from './distributed/distributedVerdict';
import { Errors, ExecutorUnavailable } from '../shared/errors';
import { cancelledOr } from './js/abort';
import { profileHotspots } from './hotspots/hotspots';
import type { Executor, ExecutorLimits, PointSamples, TargetRuntime } from './executorTypes';
import { createJsRuntime } from './js/jsRuntime';
import { languageForFile } from './languages/language';
import { javascript } from './languages/javascript';
// Registers each language's engine half (readSource, openRuntime) for Language users.
import './languages/engines';
import { ladderStep, MIN_WINDOW_MS, planWindow, type WindowPlan } from './ladder';
import { LadderSession, type PlannedPoint } from './ladderSession';
import { DEFAULTS, defaultMaxConcurrency, type ProfileHooks, type ProfileOptions, type ProgressEvent } from '../shared/options';
import { OTHER_ERRORS_MESSAGE, WARMUP_MAX_CALLS, WARMUP_STEADY_CALLS, WARMUP_TOLERANCE } from '../shared/pointContract';
import { createPythonRuntime } from './python/pythonRuntime';
import { profileQueue } from './queue/profileQueue';
import {
  SCHEMA_VERSION,
  type Caveat,
  type ColdStart,
  type Environment,
  type ErrorSample,
  type ExecutorKind,
  type Language,
  type Report,
  type RunResult,
  type TimelineMark,
  type WarmupPolicy,
} from '../shared/report';
import { BASELINE_DRIFT, baselinePoints, combineBaselines, combineRepeats, cpuRatioOf, mergeErrorSamples, mergeOutput, mergeSamples, toRunResult, type MeasuredPoint } from './runResults';
import { throughputStats } from '../analysis/stats';

export { combineBaselines } from './runResults';

/** The report's language for a file; unknown extensions go to the JS runtime, which refuses them with the clear error. */
export function languageOf(file: string): Language {
  return (languageForFile(file) ?? javascript).reportLanguage(file);
}

/** Stop a point once this many calls have failed: the error rate is clear by then. */
const MAX_ERRORS_PER_POINT = 50;
/** Time kept back for analysis and tear-down. */
const RESERVE_MS = 250;
/** First guesses of per-worker start-up cost, replaced by what we observe. */
const STARTUP_GUESS_MS: Record<ExecutorKind, number> = { sequential: 30, async: 30, thread: 40, process: 120, distributed: 400 };

/**
 * The warm-up rule: calls until three in a row are within 10%, at most 30 calls, and a
 * time cap per worker: 5% of the budget, but at least the probe's (cold) call again plus
 * three more like it, so that even a short budget lets a JIT-heavy function (a parser
 * whose first call in a fresh isolate takes 4× a warm one) reach its steady state; never
 * more than 15% of the budget or 1.5 s. Calls slower than the cap skip warm-up: a call
 * that long is dominated by its own steady state (V8 optimises a hot loop inside it).
 */
export function warmupPolicy(budgetMs: number, callMs: number): WarmupPolicy {
  const wanted = Math.max(budgetMs * 0.05, (WARMUP_STEADY_CALLS + 1) * callMs);
  const maxMs = Math.round(Math.min(1500, budgetMs * 0.15, Math.max(100, wanted)));
  return { steadyCalls: WARMUP_STEADY_CALLS, tolerance: WARMUP_TOLERANCE, maxCalls: callMs > maxMs ? 0 : WARMUP_MAX_CALLS, maxMs };
}

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
  const returnResults = options.returnResults ?? true;
  const limits: ExecutorLimits = {
    callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    memoryLimitMb: options.memoryLimitMb ?? DEFAULTS.memoryLimitMb,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
    returnResults,
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
    distributed: options.distributed,
  };
  const runtime: TargetRuntime =
    language === 'python'
      ? await createPythonRuntime({ ...runtimeOptions, python: options.python }, limits)
      : await createJsRuntime(runtimeOptions, limits);

  const sampler = new CpuSampler(50);
  const executors = new Map<ExecutorKind, Executor>();
  const onAbort = () => {
    for (const e of executors.values()) void e.dispose();
    void runtime.dispose();
  };
  signal.addEventListener('abort', onAbort);
  try {
    const background = await backgroundThenSample(sampler, signal, emit);

    emit({ phase: 'probe', message: `Calling ${options.functionName} once` });
    const probe = await runtime.probe(signal);
    throwIfAborted();
    if (probe.error) throw Errors.functionFailed(options.functionName, probe.error);
    const callMs = Math.max(0.001, probe.wallMs);
    const probeCpuRatio = probe.cpuMs != null && probe.wallMs > 0 ? Math.min(1, probe.cpuMs / probe.wallMs) : 1;
    // Hot spots: a separate, uncounted pass with a profiler on; the ladder plans with what is left.
    const hotspots = await profileHotspots(runtime, budgetMs, callMs, signal);
    // Python: whether a call holds the GIL, measured directly beside it (python/gil_probe.py).
    const gilWindow = gilProbeWindowMs({ budgetMs, callMs, cpuRatio: probeCpuRatio, cores, backgroundBusy: background.busy });
    const gil = runtime.gilProbe && gilWindow ? await runtime.gilProbe(gilWindow, signal) : undefined;
    throwIfAborted();

    const wanted = options.executors ?? DEFAULTS.executors;
    const offered = [...runtime.executorKinds(), ...(runtime.optionalExecutorKinds?.() ?? [])];
    const kinds = offered.filter((k) => k === 'sequential' || wanted.includes(k));
    const warmup = warmupPolicy(budgetMs, callMs);
    const executorOf = (kind: ExecutorKind): Executor => {
      let e = executors.get(kind);
      if (!e) executors.set(kind, (e = runtime.createExecutor(kind)));
      return e;
    };
    const capOf = (kind: ExecutorKind) => Math.min(caps[kind], executorOf(kind).maxConcurrency);
    const session = new LadderSession({
      kinds,
      cores,
      caps: Object.fromEntries(kinds.map((k) => [k, capOf(k)])),
      callMs,
      cpuRatio: probeCpuRatio,
      step: ladderStep(callMs),
    });
    // Start every executor's host at once (Python: an interpreter and an import each),
    // rather than one per point while the budget runs.
    await Promise.all(kinds.map((k) => executorOf(k).prepare?.(signal)));
    throwIfAborted();
    const points: MeasuredPoint[] = [];
    const marks: TimelineMark[] = [];
    const caveats: Caveat[] = [];
    const coldStart: Partial<Record<ExecutorKind, ColdStart>> = {};
    const perWorkerStartup: Record<ExecutorKind, number> = { ...STARTUP_GUESS_MS };
    /** Workers each executor has started so far: pools only grow, and only new workers cost start-up. */
    const workers: Partial<Record<ExecutorKind, number>> = {};
    let taskIndex = 1 + (hotspots?.calls ?? 0);

    /** How long the first worker's warm-up took (its calls), once known. */
    let warmingSeen: number | undefined;
    const newWorkers = (kind: ExecutorKind, k: number) => Math.max(0, (isPool(kind) ? k : 1) - (workers[kind] ?? 0));
    const overheadOf = (p: PlannedPoint) => {
      const fresh = newWorkers(p.kind, p.k);
      if (fresh === 0) return 0;
      // New workers start and warm up side by side, about `cores` at a time; each warms
      // up for at most maxMs (plus the call that crosses it).
      const waves = Math.max(1, Math.ceil(fresh / cores));
      // Until a worker has warmed up, plan for the cap; then for what warming up took (with margin).
      const warming = warmup.maxCalls > 0 ? Math.min(warmup.maxMs + callMs, (warmingSeen ?? Infinity) * 1.25) : 0;
      return waves * (perWorkerStartup[p.kind] + warming);
    };
    const remaining = () => budgetMs - (nowMs() - started) - RESERVE_MS;
    /** Start-up and warm-up that executors not yet started will need: kept out of this point's share. */
    const laterOverhead = (p: PlannedPoint) =>
      kinds.filter((k) => k !== p.kind && !workers[k]).reduce((n, k) => n + overheadOf({ kind: k, k: session.firstConcurrency(k), phase: 'breadth' }), 0);
    // The closing baseline re-check keeps at least one short window for itself.
    const closingReserve = () => Math.max(MIN_WINDOW_MS, callMs);
    const windowFor = (p: PlannedPoint, remainingMs: number, pointsLeft: number): WindowPlan =>
      planWindow({
        remainingMs,
        pointsLeft,
        overheadMs: overheadOf(p),
        callMs,
        concurrency: p.k,
        expectedParallelism: expectedParallelism(p.kind, p.k, probeCpuRatio, cores),
      });
    // Breadth points come before the optional closing re-check; later points leave room for it.
    const fits = (p: PlannedPoint) =>
      windowFor(p, 0, 1).predictedMs <= remaining() - (p.phase === 'closing' || p.phase === 'breadth' || p.phase === 'baseline' ? 0 : closingReserve());

    const measure = async (p: PlannedPoint, plan: WindowPlan): Promise<MeasuredPoint> => {
      const { kind, k } = p;
      emit({ phase: 'run', executor: kind, concurrency: k, message: `${kind} × ${k}` });
      const pointStart = nowMs();
      const samples = await executorOf(kind).runPoint({
        concurrency: k,
        durationMs: plan.durationMs,
        minTasks: plan.minTasks,
        warmupMs: plan.warmupMs,
        taskIndexStart: taskIndex,
        maxErrors: MAX_ERRORS_PER_POINT,
        signal,
        warmup,
      });
      const pointEnd = nowMs();
      taskIndex += samples.taskEndMs.length + 2 * k;
      const fresh = newWorkers(kind, k);
      workers[kind] = Math.max(workers[kind] ?? 0, isPool(kind) ? k : 1);
      if (samples.coldStart && !coldStart[kind]) coldStart[kind] = roundColdStart(samples.coldStart);
      const c = samples.coldStart;
      if (warmingSeen === undefined && c && c.warmupCalls > 0 && c.firstCallMs != null && c.steadyCallMs != null) {
        warmingSeen = c.firstCallMs + (c.warmupCalls - 1) * c.steadyCallMs;
      }
      // Learn start-up per worker so later points plan with real numbers.
      if (fresh > 0) {
        const measured = Math.max(0, samples.endMs - samples.startMs);
        perWorkerStartup[kind] = samples.coldStart?.workerStartMs ?? Math.max(0, pointEnd - pointStart - measured) / fresh;
      }
      const tp = throughputStats({
        startMs: samples.startMs,
        endMs: samples.endMs,
        taskStartMs: samples.taskStartMs,
        taskEndMs: samples.taskEndMs,
        concurrency: k,
      });
      marks.push({ executor: kind, concurrency: k, startMs: round1(samples.startMs - sampler.startedAtMs), endMs: round1(samples.endMs - sampler.startedAtMs) });
      const one: MeasuredPoint = { kind, k, samples, tp, durationMs: plan.durationMs, windows: [[samples.startMs, samples.endMs]], phase: p.phase };
      // A repeat joins the point it measures again; a closing baseline stays its own.
      const i = p.phase === 'repeat' ? points.findIndex((x) => x.kind === kind && x.k === k) : -1;
      const point = i >= 0 ? combineRepeats(points[i], one) : one;
      if (i >= 0) points[i] = point;
      else points.push(point);
      return point;
    };

    for (;;) {
      throwIfAborted();
      const p = session.next(fits);
      if (process.env.WP_TRACE) process.stderr.write(`[plan] t=${Math.round(nowMs() - started)} remaining=${Math.round(remaining())} next=${JSON.stringify(p)} stops=${JSON.stringify(session.stops())}\n`);
      if (!p) break;
      const plan = windowFor(p, remaining() - closingReserve() - laterOverhead(p), session.pointsLeft());
      if (process.env.WP_TRACE) process.stderr.write(`[plan] window=${JSON.stringify(plan)} overhead=${Math.round(overheadOf(p))}\n`);
      let measured: MeasuredPoint;
      try {
        measured = await measure(p, plan);
      } catch (e) {
        // An executor this machine cannot run (no Redis for the distributed one): skip it, say why.
        if (!(e instanceof ExecutorUnavailable) || p.kind === 'sequential') throw e;
        caveats.push({ level: 'info', message: `Skipped the ${p.kind} executor: ${e.message}` });
        session.fail(p.kind);
        continue;
      }
      const failed = failedPoint(measured.samples);
      session.record(p, { ...measured.tp, failed: !!failed });
      if (p.phase === 'baseline') {
        const r = cpuRatioOf(measured.samples);
        if (r != null) session.setCpuRatio(r);
      }
      if (failed) caveats.push({ level: 'warning', message: `${p.kind} × ${p.k}: ${failed} calls failed; the ladder stopped there.` });
    }

    // Shared machines drift: a baseline taken only at the start turns a slowdown halfway
    // through into a wrong speedup. Re-measure it at the end on the same warm worker,
    // if the budget allows, and use both.
    // It yields to an executor the budget left unmeasured: that executor matters more.
    const first = points.find((p) => p.kind === 'sequential');
    const unmeasured = kinds.some((k) => !points.some((p) => p.kind === k));
    const closing = first && !unmeasured ? session.closing(fits) : undefined;
    if (first && closing) {
      throwIfAborted();
      const duration = Math.min(first.durationMs, remaining());
      await measure(closing, planWindow({ remainingMs: duration, pointsLeft: 1, overheadMs: 0, callMs, concurrency: 1, expectedParallelism: 1 }));
    }
    for (const kind of kinds) {
      if (points.some((p) => p.kind === kind) || session.stops()[kind] === 'failures') continue;
      caveats.push({
        level: 'warning',
        message: `${kind} was not measured: even its first point (K = ${session.firstConcurrency(kind)}) would not fit in the ${fmtS(budgetMs)} budget after the others; a longer --budget measures it.`,
      });
    }
    throwIfAborted();
    sampler.stop();
    // Only the probe worked: there is nothing to compare, and a verdict would be made up.
    if (!points.some((p) => p.samples.taskOk.some(Boolean))) {
      // The most frequent error, preferring a real message over the tally's catch-all.
      const folded = (e: ErrorSample) => (e.message === OTHER_ERRORS_MESSAGE ? 1 : 0);
      const worst = mergeErrorSamples(points.flatMap((p) => p.samples.errors)).sort((a, b) => folded(a) - folded(b) || b.count - a.count)[0];
      if (worst) throw Errors.everyCallFailed(options.functionName, worst);
    }
    emit({ phase: 'analyse', message: 'Analysing' });

    const { baselines, replaced } = baselinePoints(points);
    if (replaced) {
      caveats.push({
        level: 'info',
        message: `A pool with one worker ran faster than the first sequential baseline, which a hand-off to a worker cannot do: the machine was slowed during it. The baseline was measured again (the first one was ${Math.round(replaced.slower * 100)}% slower) and the first one left out.`,
      });
    }
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
    // One row per executor and K, in ladder order (the plan visits them breadth first).
    const others = points.filter((x) => x.kind !== 'sequential').sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || a.k - b.k);
    for (const p of others) {
      const tp = { value: p.tp.throughputPerSec, ci: p.tp.ci, noisy: p.tp.noisy };
      runs.push(toRunResult(p.kind, p.k, p.samples, p.windows, tp, baseline, sampler, background, cores));
    }

    const pyEnv = (await runtime.environment?.()) as Environment['python'] | undefined;
    const analysis = classify({
      language,
      isAsync: runtime.target.isAsync,
      cores,
      runs,
      probe: { wallMs: probe.wallMs, cpuMs: probe.cpuMs, ...(gil ? { gil } : {}) },
      background,
      python: pyEnv ? { gilEnabled: pyEnv.gilEnabled } : undefined,
      uvThreadpoolSize: uvThreadpoolSize(),
      stops: session.stops(),
    });
    const environment: Environment = { ...machineEnvironment(background, pyEnv), uvThreadpoolSize: uvThreadpoolSize() };
    const report: Report = {
      schemaVersion: SCHEMA_VERSION,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      durationMs: Math.round(nowMs() - started),
      budgetMs,
      target: { file, function: options.functionName, language, args, isAsync: runtime.target.isAsync },
      environment,
      probe: { wallMs: round3(probe.wallMs), cpuMs: probe.cpuMs == null ? null : round3(probe.cpuMs), cpuSource: probe.cpuSource, ...(gil ? { gil } : {}) },
      runs,
      timeline: { intervalMs: sampler.intervalMs, cores: sampler.grid(), marks },
      verdict: analysis.verdict,
      recommendation: analysis.recommendation,
      ...(analysis.scaling.length ? { scaling: analysis.scaling } : {}),
      caveats: [...caveats, ...analysis.caveats, ...distributedCaveats(runs)],
      output: mergeOutput([probe.output, ...points.map((p) => p.samples.output)], limits.maxOutputBytes),
      coldStart,
      warmup,
      resultsReturned: returnResults,
      ...hotspots?.fields,
    };
    emit({ phase: 'done', message: 'Done' });
    return report;
  } catch (e) {
    throw cancelledOr(e, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
    sampler.stop();
    for (const e of executors.values()) await e.dispose();
    await runtime.dispose();
  }
}

/**
 * A point where nearly everything failed measures the failure, not the function; so does
 * one that ended with failures and no counted call at all (a worker that died or hung in
 * the warm-up). Returns how many calls failed, or 0 when the point is usable.
 */
function failedPoint(samples: PointSamples): number {
  const failed = samples.taskOk.filter((ok) => !ok).length;
  const succeeded = samples.taskOk.length - failed;
  const failedAny = Math.max(failed, samples.errors.reduce((n, e) => n + e.count, 0));
  const bad =
    failed >= MAX_ERRORS_PER_POINT || (samples.taskOk.length > 0 && failed / samples.taskOk.length > 0.5) || (succeeded === 0 && failedAny > 0);
  return bad ? failedAny : 0;
}

function isPool(kind: ExecutorKind): boolean {
  return kind === 'thread' || kind === 'process' || kind === 'distributed';
}

function roundColdStart(c: ColdStart): ColdStart {
  const r = (x: number | null) => (x == null ? null : round3(x));
  return { ...c, firstCallMs: r(c.firstCallMs), steadyCallMs: r(c.steadyCallMs), workerStartMs: r(c.workerStartMs) };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const fmtS = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The GIL probe's window (each of its three spinner windows), or 0 to skip it: it needs a
 * second core that nothing else is using, it says nothing about a call that mostly waits
 * (waiting releases the GIL), and a call longer than a tenth of the budget is too dear.
 */
export function gilProbeWindowMs(o: { budgetMs: number; callMs: number; cpuRatio: number; cores: number; backgroundBusy: boolean }): number {
  if (o.cores < 2 || o.backgroundBusy || o.cpuRatio < IO_BOUND_AT || o.callMs > o.budgetMs * 0.1) return 0;
  return Math.round(Math.min(200, Math.max(50, o.budgetMs * 0.02)));
}

/**
 * How many calls we expect to make progress at once, from the probe's CPU ratio: on
 * one event loop only the waiting part overlaps; a pool runs CPU work on at most
 * `cores` at a time and waiting work on all K.
 */
function expectedParallelism(kind: ExecutorKind, k: number, cpuRatio: number, cores: number): number {
  if (kind === 'sequential') return 1;
  if (kind === 'async') return Math.max(1, Math.min(k, 1 / Math.max(1 / 1024, cpuRatio)));
  return Math.min(k, Math.max(cores, k * (1 - cpuRatio)));
}
