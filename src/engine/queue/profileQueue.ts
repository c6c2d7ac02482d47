// Queue mode's orchestrator: load the target, crawl from the seeds once with the plain
// FIFO loop (the baseline), then with each executor's native queue at climbing K, every
// crawl from the same seeds, inside the budget; then measure what limits the speed and
// turn it all into a Report. Reached from profile() when options.queue is set.
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classify } from '../../analysis/index';
import { CpuSampler, backgroundThenSample, nowMs } from '../cpuSampler';
import { Errors, ExecutorUnavailable } from '../../shared/errors';
import { cancelledOr } from '../js/abort';
import type { ExecutorLimits, TargetRuntime } from '../executorTypes';
import { createJsRuntime } from '../js/jsRuntime';
import type { HostInit } from '../../shared/jsProtocol';
import { DEFAULTS, defaultMaxConcurrency, type ProfileHooks, type ProfileOptions, type ProgressEvent } from '../../shared/options';
import { languageOf } from '../profile';
import { createPythonRuntime } from '../python/pythonRuntime';
import { machineEnvironment } from '../environment';
import { SCHEMA_VERSION, type BackgroundLoad, type Caveat, type Environment, type ExecutorKind, type Finding, type Report, type RunResult } from '../../shared/report';
import { throughputStats } from '../../analysis/stats';
import { mergeOutput } from '../runResults';
import { crawlMetrics, depthTimeline, type CrawlMetrics } from '../../analysis/queue/crawlMetrics';
import { createJsQueueRunner } from './jsQueueRunners';
import { PythonQueueRunner } from './pythonQueueRunner';
import type { CrawlResult, QueueRunner } from '../../shared/queue/queueTypes';
import { queueVerdict } from '../../analysis/queue/queueVerdict';
import { checkQueueOptions } from '../../shared/queue/queueOptions';
import { round1, round3 } from '../../shared/rounding';
import { caveatOf } from '../../shared/wording';

/** Share of the budget the sequential baseline crawl may use before it stops undrained. */
const SEQUENTIAL_SHARE = 0.35;
const RESERVE_MS = 250;
/** A wider K must beat the narrower one by this much to keep climbing. */
const MIN_GAIN = 0.1;
/** Workers idle this share of a crawl or more: wider pools would only idle more. */
const STOP_IDLE_SHARE = 0.5;

interface Crawled {
  crawl: CrawlResult;
  metrics: CrawlMetrics;
}

/** One executor's ladder in queue mode: its runner, kept warm between its steps. */
interface Climb {
  kind: ExecutorKind;
  runner?: QueueRunner;
  ladder: number[];
  /** Index in `ladder` of the next K to crawl. */
  next: number;
  prev?: Crawled;
  done: boolean;
}

export async function profileQueue(options: ProfileOptions, hooks: ProfileHooks = {}): Promise<Report> {
  const started = nowMs();
  const q = checkQueueOptions(options.queue);
  const budgetMs = options.budgetMs ?? DEFAULTS.budgetMs;
  if (!Number.isFinite(budgetMs) || budgetMs <= 0) throw Errors.badBudget(String(budgetMs / 1000));
  const signal = hooks.signal ?? new AbortController().signal;
  const file = path.resolve(options.file);
  const language = languageOf(file);
  const limits: ExecutorLimits = {
    callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    memoryLimitMb: options.memoryLimitMb ?? DEFAULTS.memoryLimitMb,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
  };
  const cores = os.cpus().length;
  const caps = { ...defaultMaxConcurrency(cores), ...options.maxConcurrency };
  const emit = (e: Omit<ProgressEvent, 'fraction'>) => hooks.onProgress?.({ ...e, fraction: Math.min(1, (nowMs() - started) / budgetMs) });
  const throwIfAborted = () => {
    if (signal.aborted) throw Errors.cancelled();
  };

  emit({ phase: 'load', message: `Loading ${options.functionName} from ${path.basename(file)} (queue mode)` });
  if (!existsSync(file) && options.sourceText === undefined) throw Errors.fileNotFound(options.file);
  if (existsSync(file) && statSync(file).isDirectory()) throw Errors.notAFile(options.file);
  const runtimeOptions = { file, functionName: options.functionName, args: [], sourceText: options.sourceText, workspaceRoot: options.workspaceRoot, distributed: options.distributed };
  const runtime: TargetRuntime =
    language === 'python' ? await createPythonRuntime({ ...runtimeOptions, python: options.python }, limits) : await createJsRuntime(runtimeOptions, limits);
  const makeRunner = (kind: ExecutorKind): QueueRunner => {
    if (kind === 'distributed') {
      // BullMQ / Celery workers run the crawl and put found items back on the Redis queue.
      const ex = runtime.createExecutor('distributed');
      return { kind, maxConcurrency: ex.maxConcurrency, crawl: (r) => ex.crawl!(r), dispose: () => ex.dispose() };
    }
    if (language === 'python') return new PythonQueueRunner(kind, runtime.target, limits);
    const init: HostInit = { bundlePath: runtime.target.bundlePath!, functionName: runtime.target.functionName, args: [], callTimeoutMs: limits.callTimeoutMs, maxOutputBytes: limits.maxOutputBytes };
    return createJsQueueRunner(kind, init, limits);
  };

  const sampler = new CpuSampler(50);
  const live = new Set<QueueRunner>();
  const onAbort = () => {
    for (const r of live) void r.dispose();
  };
  signal.addEventListener('abort', onAbort);
  try {
    const background = await backgroundThenSample(sampler, signal, emit, budgetMs);
    const crawls: Crawled[] = [];
    const marks: Report['timeline']['marks'] = [];
    const caveats: Caveat[] = [];
    const ctx = { python: language === 'python' };

    const crawlOnce = async (runner: QueueRunner, k: number, deadlineMs: number): Promise<Crawled> => {
      emit({ phase: 'run', executor: runner.kind, concurrency: k, message: `${runner.kind} × ${k}: crawling from ${q.seeds.length} seed${q.seeds.length === 1 ? '' : 's'}` });
      const crawl = await runner.crawl({ concurrency: k, seeds: q.seeds, dedupe: q.dedupe, maxItems: q.maxItems, deadlineMs, signal });
      throwIfAborted();
      const c = { crawl, metrics: crawlMetrics(crawl) };
      crawls.push(c);
      marks.push({ executor: runner.kind, concurrency: k, startMs: round1(crawl.startMs - sampler.startedAtMs), endMs: round1(crawl.endMs - sampler.startedAtMs) });
      return c;
    };
    const withRunner = async <T>(kind: ExecutorKind, fn: (r: QueueRunner) => Promise<T>): Promise<T> => {
      const r = makeRunner(kind);
      live.add(r);
      try {
        return await fn(r);
      } finally {
        live.delete(r);
        await r.dispose();
      }
    };

    // The share counts from the crawl's start: loading and the background check came first.
    const seq = await withRunner('sequential', (r) => crawlOnce(r, 1, nowMs() + budgetMs * SEQUENTIAL_SHARE));
    if (seq.metrics.items === 0) throw Errors.everyCallFailed(options.functionName, { kind: 'internal', message: 'the sequential crawl processed no item', count: 1 });
    if (seq.metrics.failed === seq.metrics.items) {
      const worst = seq.crawl.errors[0];
      if (worst) throw Errors.everyCallFailed(options.functionName, worst);
    }

    const wanted = options.executors ?? DEFAULTS.executors;
    const offered = [...runtime.executorKinds(), ...(runtime.optionalExecutorKinds?.() ?? [])];
    const kinds = offered.filter((k) => k !== 'sequential' && wanted.includes(k));
    // Breadth first, as the main ladder is: every executor crawls at K = 2, then the
    // ladders still scaling climb one step each in turn, while what is left of the
    // budget holds the next step. Climbed one executor after another, the first one's
    // share ran out first: an async crawler of timer waits stopped at async x2 (1.97x)
    // while threads went on to x8, and the answer was "threads x8" for work one event
    // loop overlaps.
    const climbs: Climb[] = [];
    const remainingMs = () => budgetMs - (nowMs() - started) - RESERVE_MS;
    const step = async (c: Climb, share: number): Promise<void> => {
      const kk = c.ladder[c.next++];
      // At least half a second of crawling even when pool start-up ate the share.
      const crawled = await crawlOnce(c.runner!, kk, nowMs() + Math.max(share, 500));
      if (crawled.metrics.items === 0) {
        crawls.pop();
        marks.pop();
        caveats.push(caveatOf({ level: 'info', code: 'queue-no-items', data: { executor: c.kind, k: kk } }, ctx));
        return finish(c);
      }
      const gained = !c.prev || crawled.metrics.itemsPerSec >= c.prev.metrics.itemsPerSec * (1 + MIN_GAIN);
      const failedMost = crawled.metrics.failed > crawled.metrics.items / 2;
      c.prev = crawled;
      if (!crawled.crawl.drained || !gained || failedMost || crawled.metrics.meanIdleShare >= STOP_IDLE_SHARE || c.next >= c.ladder.length) await finish(c);
    };
    // An executor this machine cannot run (no Redis, no celery for the distributed one):
    // skipped, with the reason; any other failure ends the profile.
    const skipUnavailable = async (c: Climb, run: () => Promise<void>): Promise<void> => {
      try {
        await run();
      } catch (e) {
        await finish(c);
        if (!(e instanceof ExecutorUnavailable)) throw e;
        caveats.push(caveatOf({ level: 'info', code: 'executor-skipped', data: { executor: c.kind, why: e.message } }, ctx));
      }
    };
    const finish = async (c: Climb): Promise<void> => {
      c.done = true;
      const r = c.runner;
      c.runner = undefined;
      if (r) {
        live.delete(r);
        await r.dispose();
      }
    };
    try {
      for (let ki = 0; ki < kinds.length; ki++) {
        const kind = kinds[ki];
        const share = remainingMs() / (kinds.length - ki);
        if (share < 200) {
          caveats.push(caveatOf({ level: 'info', code: 'executor-budget-spent', data: { executor: kind, budgetMs } }, ctx));
          continue;
        }
        const c: Climb = { kind, ladder: [], next: 0, done: false };
        climbs.push(c);
        await skipUnavailable(c, async () => {
          const runner = (c.runner = makeRunner(kind));
          live.add(runner);
          const cap = Math.min(caps[kind], runner.maxConcurrency, q.maxItems);
          // Doubling from 2, and the cap itself last: 2, 4, 8, …, cap.
          for (let k = 2; k < cap; k *= 2) c.ladder.push(k);
          c.ladder.push(Math.max(1, cap));
          await step(c, share);
        });
      }
      for (let active = climbs.filter((c) => !c.done); active.length; active = climbs.filter((c) => !c.done)) {
        for (let i = 0; i < active.length; i++) {
          const c = active[i];
          // The next K, if its crawl (no slower than the last one's) fits in what is left.
          // Where only some do, the cheaper executors climb first (kinds run in cost order),
          // as a tie between executors goes to the cheaper one.
          const guess = c.prev!.metrics.wallMs;
          const left = remainingMs();
          const share = Math.min(left, Math.max(left / (active.length - i), 1.5 * guess));
          if (guess > left) {
            caveats.push(caveatOf({ level: 'info', code: 'ladder-budget', data: { executor: c.kind, k: c.prev!.crawl.concurrency, nextK: c.ladder[c.next], budgetMs } }, ctx));
            await finish(c);
            continue;
          }
          await skipUnavailable(c, () => step(c, share));
        }
      }
    } finally {
      await Promise.allSettled(climbs.map(finish));
    }
    // The runs as the report lists them: by executor, then K (the crawls ran in rounds).
    const rank = (c: Crawled) => (c === seq ? -1 : kinds.indexOf(c.crawl.executor));
    crawls.sort((a, b) => rank(a) - rank(b) || a.crawl.concurrency - b.crawl.concurrency);
    throwIfAborted();
    sampler.stop();
    emit({ phase: 'analyse', message: 'Analysing' });

    const seqRate = seq.metrics.itemsPerSec;
    const runs = crawls.map((c) => toRunResult(c, seqRate, sampler, background, cores));
    // The item tree, from the fullest crawl; the sequential one (calls one at a time,
    // clean per-item times) whenever it drained.
    const tree = seq.crawl.drained ? seq : crawls.reduce((a, b) => (b.metrics.items > a.metrics.items ? b : a));
    const maxSpeedup = tree.metrics.criticalPathMs > 0 ? round3(tree.metrics.workMs / tree.metrics.criticalPathMs) : 1;
    const itemsFound = tree.crawl.items.reduce((a, r) => a + r.found, 0);
    const seqItems = seq.crawl.items.filter((r) => r.ok);
    const meanWall = seqItems.reduce((a, r) => a + (r.endMs - r.startMs), 0) / Math.max(1, seqItems.length);
    const cpus = seqItems.map((r) => r.cpuMs).filter((x) => Number.isFinite(x));
    const pyEnv = (await runtime.environment?.()) as Environment['python'] | undefined;
    const analysis = classify({
      language,
      isAsync: runtime.target.isAsync,
      cores,
      runs,
      probe: { wallMs: meanWall, cpuMs: cpus.length ? cpus.reduce((a, b) => a + b, 0) / cpus.length : null },
      background,
      python: pyEnv ? { gilEnabled: pyEnv.gilEnabled } : undefined,
    });
    const facts = {
      maxItems: q.maxItems,
      itemsProcessed: tree.metrics.items,
      duplicatesDropped: tree.crawl.duplicatesDropped,
      failedItems: tree.metrics.failed,
      treeDepth: tree.metrics.treeDepth,
      criticalPathMs: tree.metrics.criticalPathMs,
      maxSpeedup,
      capped: crawls.some((c) => c.crawl.capped),
    };
    const verdict = queueVerdict({ ...facts, runs, kind: analysis.verdict.kind, cores, itemsFound, formulaWorkers: analysis.recommendation.formulaWorkers });
    // Warnings become caveats; the other findings (but the recommendation's own, which
    // is its reason) lead the reasons, each with its code and numbers, as the
    // classifier's do, so every reader renders them (wording.ts) and none is dropped.
    const queueReasons: Finding[] = [];
    const queueSentences: string[] = [];
    verdict.findings.forEach((f, i) => {
      if (f.level === 'warning') caveats.push({ level: 'warning', message: verdict.sentences[i], code: f.code, data: f.data });
      else if (f.code !== 'queue.recommend') {
        queueReasons.push({ code: f.code, level: 'info', data: f.data });
        queueSentences.push(verdict.sentences[i]);
      }
    });
    const environment = machineEnvironment(background, pyEnv);
    const report: Report = {
      schemaVersion: SCHEMA_VERSION,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      durationMs: Math.round(nowMs() - started),
      budgetMs,
      target: { file, function: options.functionName, language, args: [], isAsync: runtime.target.isAsync },
      environment,
      probe: { wallMs: round3(meanWall), cpuMs: cpus.length ? round3(cpus.reduce((a, b) => a + b, 0) / cpus.length) : null, cpuSource: seq.crawl.cpuSource },
      runs,
      timeline: { intervalMs: sampler.intervalMs, cores: sampler.grid(), marks },
      verdict: {
        ...analysis.verdict,
        reasons: [...queueSentences, ...analysis.verdict.reasons],
        findings: [...queueReasons, ...(analysis.verdict.findings ?? [])],
      },
      recommendation: verdict.recommendation,
      caveats,
      queue: { seeds: q.seeds, dedupe: q.dedupe, ...facts, depthTimeline: crawls.map((c) => depthTimeline(c.crawl)) },
    };
    const output = mergeOutput(crawls.map((c) => c.crawl.output), limits.maxOutputBytes);
    if (output) report.output = output;
    emit({ phase: 'done', message: 'Done' });
    return report;
  } catch (e) {
    throw cancelledOr(e, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
    sampler.stop();
    await Promise.allSettled([...live].map((r) => r.dispose()));
    await runtime.dispose();
  }
}

function toRunResult(c: Crawled, seqRate: number, sampler: CpuSampler, background: BackgroundLoad, cores: number): RunResult {
  const { crawl, metrics } = c;
  const tp = throughputStats({ startMs: crawl.startMs, endMs: crawl.endMs, taskStartMs: crawl.items.map((r) => r.startMs), taskEndMs: crawl.items.map((r) => r.endMs), concurrency: crawl.concurrency });
  const value = metrics.itemsPerSec;
  // The crawl's own rate (items / wall) is the headline; the batch interval only says how steady it was.
  const ci: [number, number] = [Math.min(tp.ci[0], value), Math.max(tp.ci[1], value)];
  const withCpu = crawl.items.filter((r) => Number.isFinite(r.cpuMs));
  const cpuTotal = withCpu.reduce((a, r) => a + r.cpuMs, 0);
  const wallOfCpu = withCpu.reduce((a, r) => a + (r.endMs - r.startMs), 0);
  const util = sampler.utilizationBetween(crawl.startMs, crawl.endMs);
  const sequential = crawl.executor === 'sequential';
  const run: RunResult = {
    executor: crawl.executor,
    concurrency: crawl.concurrency,
    tasks: metrics.items,
    wallMs: metrics.wallMs,
    throughputPerSec: value,
    speedup: sequential ? 1 : seqRate > 0 ? round3(value / seqRate) : 0,
    speedupCi: sequential || seqRate <= 0 ? [1, 1] : [round3(ci[0] / seqRate), round3(ci[1] / seqRate)],
    noisy: tp.noisy,
    cpuMsPerTask: withCpu.length ? round3(cpuTotal / withCpu.length) : null,
    cpuRatio: withCpu.length && wallOfCpu > 0 ? round3(Math.min(1, cpuTotal / wallOfCpu)) : null,
    cpuSource: crawl.cpuSource,
    coreUtilization: round3(util),
    busyCores: round3(Math.max(0, util * cores - background.busyCores)),
    errors: { count: metrics.failed, rate: metrics.items ? round3(metrics.failed / metrics.items) : 0, samples: crawl.errors },
    idleShare: metrics.idleShare,
    drained: crawl.drained,
  };
  if (crawl.note) run.note = crawl.note;
  if (crawl.distributed) run.distributed = crawl.distributed;
  return run;
}

