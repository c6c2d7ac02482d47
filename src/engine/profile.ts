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
import { distributedCaveats } from '../analysis/distributed/distributedVerdict';
import { Errors, ExecutorUnavailable } from '../shared/errors';
import { cancelledOr } from './js/abort';
import { hotspotReserveMs, profileHotspots } from './hotspots/hotspots';
import type { Executor, ExecutorLimits, PointSamples, TargetRuntime } from './executorTypes';
import { createJsRuntime } from './js/jsRuntime';
import { languageForFile } from './languages/language';
import { javascript } from './languages/javascript';
// Registers each language's engine half (readSource, openRuntime) for Language users.
import './languages/engines';
import { ladderStep, type WindowPlan } from './ladder';
import { LadderSession, type PlannedPoint } from './ladderSession';
import { DEFAULTS, defaultMaxConcurrency, type ProfileHooks, type ProfileOptions, type ProgressEvent } from '../shared/options';
import { OTHER_ERRORS_MESSAGE } from '../shared/pointContract';
import { createPythonRuntime } from './python/pythonRuntime';
import { profileQueue } from './queue/profileQueue';
import {
  SCHEMA_VERSION,
  type ColdStart,
  type Environment,
  type ErrorSample,
  type ExecutorKind,
  type Finding,
  type Language,
  type Report,
  type TimelineMark,
  type WarmupPolicy,
} from '../shared/report';
import { combineRepeats, cpuMsPerTaskOf, cpuRatioOf, machineBusy, mergeErrorSamples, mergeOutput, runsOf, settleWindow, type MeasuredPoint } from './runResults';
import { BudgetPlan, warmupAfterSetup, warmupPolicy } from './budgetPlan';
import { isSetupOnly } from '../shared/warmup';
import { caveatOf } from '../shared/wording';
import { throughputStats } from '../analysis/stats';
import { round1, round3 } from '../shared/rounding';

export { combineBaselines } from './runResults';

/** The report's language for a file; unknown extensions go to the JS runtime, which refuses them with the clear error. */
export function languageOf(file: string): Language {
  return (languageForFile(file) ?? javascript).reportLanguage(file);
}

/** Stop a point once this many calls have failed: the error rate is clear by then. */
const MAX_ERRORS_PER_POINT = 50;
export { warmupPolicy } from './budgetPlan';

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
  const limits = limitsOf(options);
  const cores = os.cpus().length;
  const caps = { ...defaultMaxConcurrency(cores), ...options.maxConcurrency };
  const emit = (e: Omit<ProgressEvent, 'fraction'>) =>
    hooks.onProgress?.({ ...e, fraction: Math.min(1, (nowMs() - started) / budgetMs) });
  const throwIfAborted = () => {
    if (signal.aborted) throw Errors.cancelled();
  };

  emit({ phase: 'load', message: `Loading ${options.functionName} from ${path.basename(file)}` });
  const runtime = await openRuntime(options, { file, language, args }, limits);

  const sampler = new CpuSampler(50);
  const executors = new Map<ExecutorKind, Executor>();
  const onAbort = () => {
    for (const e of executors.values()) void e.dispose();
    void runtime.dispose();
  };
  signal.addEventListener('abort', onAbort);
  try {
    const background = await backgroundThenSample(sampler, signal, emit, budgetMs);

    emit({ phase: 'probe', message: `Calling ${options.functionName} once` });
    const probe = await runtime.probe(signal);
    throwIfAborted();
    if (probe.error) throw Errors.functionFailed(options.functionName, probe.error);
    // The probe's call time plans the profile, until a warm baseline shows it was mostly setup (probeSetupOf).
    let callMs = Math.max(0.001, probe.wallMs);
    const probeCpuRatio = probe.cpuMs != null && probe.wallMs > 0 ? Math.min(1, probe.cpuMs / probe.wallMs) : 1;
    // Python: whether a call holds the GIL, measured directly beside it (python/harness_gil_probe.py).
    const gilWindow = gilProbeWindowMs({ budgetMs, callMs, cpuRatio: probeCpuRatio, cores, backgroundBusy: background.busy });
    const gil = runtime.gilProbe && gilWindow ? await runtime.gilProbe(gilWindow, signal) : undefined;
    throwIfAborted();

    const wanted = options.executors ?? DEFAULTS.executors;
    const offered = [...runtime.executorKinds(), ...(runtime.optionalExecutorKinds?.() ?? [])];
    const kinds = offered.filter((k) => k === 'sequential' || wanted.includes(k));
    let warmup = warmupPolicy(budgetMs, callMs, probeCpuRatio);
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
      budgetMs,
      ...(language === 'python' ? {} : { uvPool: uvThreadpoolSize(), threadsLikeProcesses: true }),
    });
    // Start every executor's host at once (Python: an interpreter and an import each),
    // rather than one per point while the budget runs.
    await Promise.all(kinds.map((k) => executorOf(k).prepare?.(signal)));
    throwIfAborted();
    const points: MeasuredPoint[] = [];
    const marks: TimelineMark[] = [];
    // The engine's own caveats, as findings; their words are added with the report's.
    const caveats: Finding[] = [];
    const coldStart: Partial<Record<ExecutorKind, ColdStart>> = {};
    const budget = new BudgetPlan({
      budgetMs,
      startedMs: started,
      now: nowMs,
      cores,
      callMs,
      warmup,
      kinds,
      session,
      executors: Object.fromEntries(kinds.map((k) => [k, executorOf(k)])),
      // Asked again at each point: it follows the warm call time (callMs, rebased below)
      // and the pass's warm-up follows the sequential worker's.
      afterLadderMs: () => hotspotReserveMs(runtime, budgetMs, callMs),
    });
    let taskIndex = 1;

    const measure = async (p: PlannedPoint, plan: WindowPlan): Promise<MeasuredPoint> => {
      const { kind, k } = p;
      emit({ phase: 'run', executor: kind, concurrency: k, message: `${kind} × ${k}` });
      const pointStart = nowMs();
      const rawSamples = await executorOf(kind).runPoint({
        concurrency: k,
        durationMs: plan.durationMs,
        // New workers that warm up sooner than planned leave the time they did not use to
        // this point's window while it is short of calls (FULL_WINDOW_CALLS), rather than
        // to later, minor points (K = 1): the plan reserved the warm-up's cap for them.
        // Not while another executor has still to start (BudgetPlan.keepsUnusedWarmup).
        ...(plan.overheadMs > 0 && budget.keepsUnusedWarmup(p) ? { windowUntilMs: pointStart + plan.overheadMs + plan.durationMs } : {}),
        minTasks: plan.minTasks,
        warmupMs: plan.warmupMs,
        taskIndexStart: taskIndex,
        maxErrors: MAX_ERRORS_PER_POINT,
        signal,
        warmup: budget.warmupFor(kind),
      });
      if (process.env.WP_TRACE) process.stderr.write(`[point] ${kind}×${k} took ${Math.round(nowMs() - pointStart)} ms: window ${Math.round(rawSamples.endMs - rawSamples.startMs)} ms, ${rawSamples.taskEndMs.length} tasks, warm-up ${Math.round(rawSamples.coldStart?.warmupMs ?? 0)} ms\n`);
      taskIndex += rawSamples.taskEndMs.length + 2 * k;
      if (rawSamples.coldStart && !coldStart[kind]) coldStart[kind] = { ...roundColdStart(rawSamples.coldStart), ...warmupCaps(budget.warmupFor(kind), language) };
      // Later points plan with what start-up and warm-up really cost.
      budget.learn(kind, k, rawSamples, nowMs() - pointStart);
      const samples = settleWindow(rawSamples);
      const tp = throughputStats({
        startMs: samples.startMs,
        endMs: samples.endMs,
        taskStartMs: samples.taskStartMs,
        taskEndMs: samples.taskEndMs,
        concurrency: k,
        // Every executor keeps K calls in flight for the whole window (the point contract).
        closedLoop: true,
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
      const p = session.next(budget.fits);
      if (process.env.WP_TRACE) process.stderr.write(`[plan] t=${Math.round(nowMs() - started)} remaining=${Math.round(budget.remaining())} next=${JSON.stringify(p)} stops=${JSON.stringify(session.stops())}\n`);
      if (!p) break;
      const plan = budget.planFor(p);
      if (process.env.WP_TRACE) process.stderr.write(`[plan] window=${JSON.stringify(plan)} overhead=${Math.round(budget.overheadOf(p))}\n`);
      let measured: MeasuredPoint;
      try {
        measured = await measure(p, plan);
      } catch (e) {
        // An executor this machine cannot run (no Redis for the distributed one): skip it, say why.
        if (!(e instanceof ExecutorUnavailable) || p.kind === 'sequential') throw e;
        caveats.push({ level: 'info', code: 'executor-skipped', data: { executor: p.kind, why: e.message } });
        session.fail(p.kind);
        continue;
      }
      const failed = failedPoint(measured.samples);
      const cpuMsPerTask = cpuMsPerTaskOf(measured.samples);
      session.record(p, {
        ...measured.tp,
        failed: !!failed,
        calls: measured.samples.taskEndMs.length + (measured.samples.transientCalls ?? 0),
        ...(cpuMsPerTask != null ? { cpuMsPerTask } : {}),
      });
      if (p.phase === 'baseline') {
        const r = cpuRatioOf(measured.samples);
        if (r != null) session.setCpuRatio(r);
        // One call in flight: the cores busy over the window are the machine CPU per call.
        session.setMachineShare(machineBusy(sampler, measured.windows, cores, background).busyCores);
        const setup = probeSetupOf(warmup, probe.wallMs, measured.tp.throughputPerSec);
        if (setup) {
          ({ callMs, warmup } = setup);
          budget.rebase(callMs, warmup);
          // V8 tiers a function up over its first calls, and the baseline made none to warm up.
          session.setCallMs(callMs, language !== 'python');
          caveats.push(setup.caveat);
        }
      }
      if (failed) caveats.push({ level: 'warning', code: 'ladder-failures', data: { executor: p.kind, k: p.k, failed } });
    }

    // Hot spots: a separate, uncounted pass with a profiler on (Python in the sequential
    // executor's harness, warm by now; JS on a fresh thread: hotspots/hotspots.ts). The
    // ladder kept its time back.
    budget.ladderDone();
    throwIfAborted();
    const hotspots = await profileHotspots(runtime, budgetMs, callMs, taskIndex, budget.warmupFor('sequential'), signal);
    taskIndex += hotspots?.calls ?? 0;

    // Shared machines drift: a baseline taken only at the start turns a slowdown halfway
    // through into a wrong speedup. Re-measure it at the end on the same warm worker,
    // if the budget allows, and use both.
    // It yields to an executor the budget left unmeasured: that executor matters more.
    const first = points.find((p) => p.kind === 'sequential');
    const unmeasured = kinds.some((k) => !points.some((p) => p.kind === k));
    const closing = first && !unmeasured ? session.closing(budget.fits) : undefined;
    if (first && closing) {
      throwIfAborted();
      await measure(closing, budget.closingPlan(first.durationMs));
    }
    caveats.push(...unmeasuredCaveats(kinds, points, session, budgetMs));
    const overrun = overrunCaveat(nowMs() - started, budgetMs);
    if (overrun) caveats.push(overrun);
    throwIfAborted();
    sampler.stop();
    throwIfNothingWorked(points, options.functionName);
    emit({ phase: 'analyse', message: 'Analysing' });

    const runs = runsOf(points, kinds, { sampler, background, cores }, caveats);

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
      coldStart,
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
      // What the engine found while it measured, in words here, beside the analysis's.
      caveats: [...caveats.map((f) => caveatOf(f, { python: language === 'python' })), ...analysis.caveats, ...distributedCaveats(runs)],
      output: mergeOutput([probe.output, ...points.map((p) => p.samples.output)], limits.maxOutputBytes),
      coldStart,
      warmup,
      resultsReturned: limits.returnResults ?? true,
      ...hotspots?.fields,
    };
    emit({ phase: 'done', message: 'Done' });
    return report;
  } catch (e) {
    throw cancelledOr(e, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
    sampler.stop();
    // Settled, not awaited one by one: an executor whose dispose throws must not keep the
    // runtime (and the temp dir, the hosts) from being disposed.
    await Promise.allSettled([...executors.values()].map((e) => e.dispose()));
    await runtime.dispose();
  }
}

function limitsOf(options: ProfileOptions): ExecutorLimits {
  return {
    callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    memoryLimitMb: options.memoryLimitMb ?? DEFAULTS.memoryLimitMb,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
    returnResults: options.returnResults ?? true,
  };
}

/** Loads the target into its language's runtime (bundling JS/TS, importing Python), after checking the file. */
async function openRuntime(options: ProfileOptions, t: { file: string; language: Language; args: unknown[] }, limits: ExecutorLimits): Promise<TargetRuntime> {
  if (!existsSync(t.file) && options.sourceText === undefined) throw Errors.fileNotFound(options.file);
  if (existsSync(t.file) && statSync(t.file).isDirectory()) throw Errors.notAFile(options.file);
  const runtimeOptions = {
    file: t.file,
    functionName: options.functionName,
    args: t.args,
    sourceText: options.sourceText,
    workspaceRoot: options.workspaceRoot,
    distributed: options.distributed,
  };
  return t.language === 'python'
    ? createPythonRuntime({ ...runtimeOptions, python: options.python }, limits)
    : createJsRuntime(runtimeOptions, limits);
}

/** An executor whose first point never fitted: the report says so rather than leave it out silently. */
function unmeasuredCaveats(kinds: ExecutorKind[], points: MeasuredPoint[], session: LadderSession, budgetMs: number): Finding[] {
  return kinds
    .filter((kind) => !points.some((p) => p.kind === kind) && session.stops()[kind] !== 'failures')
    .map((kind) => ({ level: 'warning', code: 'executor-unmeasured', data: { executor: kind, firstK: session.firstConcurrency(kind), budgetMs } }));
}

/**
 * Whether the probe's call was mostly one-time setup inside the function, judged from the
 * warm baseline's throughput (one call in flight): then the warm call and the warm-up rule
 * that follows from it (warmupAfterSetup) plan the rest, and an info caveat says so.
 */
export function probeSetupOf(warmup: WarmupPolicy, probeMs: number, baselinePerSec: number): { callMs: number; warmup: WarmupPolicy; caveat: Finding } | undefined {
  const warmCallMs = baselinePerSec > 0 ? 1000 / baselinePerSec : NaN;
  const rewarm = warmupAfterSetup(warmup, probeMs, warmCallMs);
  if (!rewarm) return undefined;
  return {
    callMs: warmCallMs,
    warmup: rewarm,
    caveat: { level: 'info', code: 'first-call-setup', data: { probeMs: round3(probeMs), warmCallMs: round3(warmCallMs) } },
  };
}

/** A profile that ran past its budget by more than this says why (overrunCaveat). */
export const OVERRUN_NOTED_AT = 1.15;

/**
 * Why a profile took longer than its budget, when it took more than OVERRUN_NOTED_AT
 * times it. The breadth-first plan measures every executor's first point whatever it
 * costs (a missing executor would leave the answer blind), a point ends only when the
 * calls in flight at its close end, and new workers warm up to their cap first: at 3 s
 * a JIT-heavy parser's profile took 4.5 s, which the report showed only as a number.
 */
export function overrunCaveat(tookMs: number, budgetMs: number): Finding | undefined {
  if (!(tookMs > budgetMs * OVERRUN_NOTED_AT)) return undefined;
  return { level: 'info', code: 'overrun', data: { tookMs: Math.round(tookMs), budgetMs } };
}

/** Only the probe worked: there is nothing to compare, and a verdict would be made up. */
function throwIfNothingWorked(points: MeasuredPoint[], functionName: string): void {
  if (points.some((p) => p.samples.taskOk.some(Boolean))) return;
  // The most frequent error, preferring a real message over the tally's catch-all.
  const folded = (e: ErrorSample) => (e.message === OTHER_ERRORS_MESSAGE ? 1 : 0);
  const worst = mergeErrorSamples(points.flatMap((p) => p.samples.errors)).sort((a, b) => folded(a) - folded(b) || b.count - a.count)[0];
  if (worst) throw Errors.everyCallFailed(functionName, worst);
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

/** The caps a worker's warm-up ran under, as the report states them: JS hosts also watch V8 compile (hosted/lib/warmup.ts). */
function warmupCaps(policy: WarmupPolicy, language: Language): Pick<ColdStart, 'warmupCapMs' | 'compilingCapMs' | 'setupOnly'> {
  const compiling = language !== 'python' && policy.compilingMaxMs != null && policy.compilingMaxMs > policy.maxMs;
  return { warmupCapMs: policy.maxMs, ...(compiling ? { compilingCapMs: policy.compilingMaxMs } : {}), ...(isSetupOnly(policy) ? { setupOnly: true } : {}) };
}

function roundColdStart(c: ColdStart): ColdStart {
  const r = (x: number | null) => (x == null ? null : round3(x));
  return { ...c, firstCallMs: r(c.firstCallMs), steadyCallMs: r(c.steadyCallMs), workerStartMs: r(c.workerStartMs), ...(c.warmupMs !== undefined ? { warmupMs: r(c.warmupMs) } : {}) };
}

/**
 * Calls the GIL probe's window holds at least (within its 200 ms cap): a 60 ms window of
 * two or three 25 ms pbkdf2 calls read "held" at 3 s, where longer ones read 0.9 free.
 */
export const GIL_PROBE_MIN_CALLS = 4;

/**
 * The GIL probe's window (each of its three spinner windows), or 0 to skip it: it needs a
 * second core that nothing else is using, it says nothing about a call that mostly waits
 * (waiting releases the GIL), and a call longer than a tenth of the budget is too dear.
 */
export function gilProbeWindowMs(o: { budgetMs: number; callMs: number; cpuRatio: number; cores: number; backgroundBusy: boolean }): number {
  if (o.cores < 2 || o.backgroundBusy || o.cpuRatio < IO_BOUND_AT || o.callMs > o.budgetMs * 0.1) return 0;
  return Math.round(Math.min(200, Math.max(50, o.budgetMs * 0.02, GIL_PROBE_MIN_CALLS * o.callMs)));
}
