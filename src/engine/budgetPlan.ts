// How the budget is shared out between a profile's points: what is left, what starting
// and warming up new workers will cost (learned from the points measured so far), and
// the window each point gets. The orchestrator (profile.ts) asks; the ladder session
// decides what to measure; this decides how long.
import type { ColdStart, ExecutorKind, WarmupPolicy } from '../shared/report';
import { WARMUP_MAX_CALLS, WARMUP_SETUP_ONLY_CALLS, WARMUP_STEADY_CALLS, WARMUP_TOLERANCE, WARMUP_UNSTEADY_MIN_CALLS } from '../shared/pointContract';
import type { Executor, PointSamples } from './executorTypes';
import { round3 } from '../shared/rounding';
import { GROWTH_TO_CLIMB, MIN_WINDOW_MS, planWindow, type WindowPlan } from './ladder';
import { REFERENCE_SHARE, type LadderSession, type PlannedPoint } from './ladderSession';

/** Share of the budget a worker may warm up in, whatever its call time (warmupPolicy). */
const WARMUP_BUDGET_SHARE = 0.08;
/** Cold calls' worth of time a JIT-heavy function takes to warm up (warmupPolicy). */
const WARMUP_COLD_CALLS = 6;
/**
 * While V8 is still compiling the function (shared/warmup.ts stillCompiling), the JS
 * sequential worker's warm-up may run to this many times its cap, within
 * COMPILING_BUDGET_SHARE of the budget and COMPILING_MAX_MS. At 6 s the sequential
 * worker's cap (651 ms) ended js-yaml's warm-up inside the recompile storm of its calls
 * 10-13, its window ran there at 106 ms a call (settled: 55-80), and against that
 * baseline async read 1.81x for CPU work. Code that has stopped compiling never uses the
 * extra time.
 */
const COMPILING_CAP_FACTOR = 2;
const COMPILING_BUDGET_SHARE = 0.25;
const COMPILING_MAX_MS = 3000;
/**
 * Pools warm K workers at once, and in the engine process those share the cores with
 * V8's compiler and GC threads (one set per process, busy with every isolate's tier-ups
 * and marking): a fresh pool worker's early calls of an allocation-heavy npm function ran
 * 1.5-2× slower than the sequential worker's did, and it needed about as many calls to
 * settle. So pools may make POOL_WARMUP_CALLS_FACTOR × the calls the sequential worker
 * needed, in up to POOL_WARMUP_TIME_FACTOR × its time: within a fifth of the budget, or
 * more where the budget holds it (BudgetPlan.widened), and at short budgets up to a
 * floor (POOL_WARMUP_FLOOR_SHARE).
 */
const POOL_WARMUP_CALLS_FACTOR = 2;
const POOL_STEADY_SLACK = 1.25;
const POOL_WARMUP_TIME_FACTOR = 3;
const POOL_WARMUP_BUDGET_SHARE = 0.2;
const POOL_WARMUP_MAX_MS = 3000;
/**
 * However short the budget, a pool may warm up for POOL_WARMUP_TIME_FACTOR × what the
 * sequential worker needed, up to POOL_WARMUP_FLOOR_MS and this share of the budget:
 * each executor's first point is measured whatever it costs (a caveat then says the
 * profile overran), and one measured before its workers settled says nothing. At 3 s a
 * fifth of the budget (600 ms) stopped two marked workers after three calls at 235 ms
 * (warm: 45), and four JIT-heavy parsers answered "keep it sequential" there against a
 * pool at 15 s; two bare worker threads warming marked side by side need 7 calls,
 * 0.9-1 s. No more than that: worker threads of allocation-heavy code share one
 * process's heap and helper threads, and some never get near the sequential call time
 * (fast-xml-parser's at 65 ms against 34); given 2.1 s at 6 s they spent all of it.
 */
const POOL_WARMUP_FLOOR_SHARE = 0.35;
const POOL_WARMUP_FLOOR_MS = 1000;
/**
 * The first pool to start (threads in JS) may warm up past its cap while V8 still
 * compiles the function, to FIRST_POOL_COMPILING_FACTOR × the sequential worker's whole
 * warm-up, within FIRST_POOL_COMPILING_SHARE of the budget and POOL_WARMUP_MAX_MS. Two
 * isolates warming side by side on 2 cores need about 1.7× the calls' time one needs
 * alone: js-yaml's sequential worker settled in 1.31 s (16 calls, its recompile storm at
 * calls 9-12), and its pool threads in 2.18 s (19 calls) at 10 s. At 6 s both pools
 * stopped at their 1.2 s caps inside that storm (175 and 148 ms a call, warm: 89), both
 * read 0.91x, and the answer was "keep it sequential" against a pool at 10 and 15 s.
 * Only the first pool gets it: two pools given it would overrun a 6 s budget by half,
 * and one pool measured warm beside one flagged cold (coldPoolsOf) answers the question
 * where two cold ones cannot. Code that has stopped compiling never uses the time.
 */
const FIRST_POOL_COMPILING_FACTOR = 2;
const FIRST_POOL_COMPILING_SHARE = 0.45;
/** A pool's breadth window that holds enough calls for an interval: its two shares at their minimum. */
const POOL_MIN_WINDOW_MS = 2 * MIN_WINDOW_MS;

/**
 * A point's window, in shares of what is left, by what the answer hangs on. Every
 * speedup divides by the baseline; each executor's breadth point (pools at K = cores) is
 * the one its verdict mostly rests on; a pool's K = 1 point only shows what a hand-off
 * costs. Even shares gave a JIT-heavy function's baseline 6 tasks and its K = cores
 * points 7, then the last K = 1 point whatever was left (a 900 ms window at 6 s).
 */
const SHARES: Partial<Record<PlannedPoint['phase'], number>> = { baseline: 2, rebaseline: 2, breadth: 2, dispatch: 0.5, reference: REFERENCE_SHARE };

/** Time kept back for analysis and tear-down. */
const RESERVE_MS = 250;
/** First guesses of per-worker start-up cost, replaced by what we observe. */
const STARTUP_GUESS_MS: Record<ExecutorKind, number> = { sequential: 30, async: 30, thread: 40, process: 120, distributed: 400 };

/**
 * The warm-up rule: calls until their time stops falling (isSteady), at most 30 calls, and a
 * time cap per worker: 8% of the budget, but at least six times the probe's (cold) call,
 * so that even a short budget lets a JIT-heavy function reach its steady state: a parser
 * whose first call in a fresh isolate takes 4× a warm one needs 8-10 calls, about five
 * cold calls' worth, to get there (V8 tiers up by call count). Never more than 15% of the
 * budget or 1.5 s. The cap costs nothing for code that is steady at once: warm-up stops
 * after three steady calls. Calls slower than the cap skip warm-up: a call that long is
 * dominated by its own steady state (V8 optimises a hot loop inside it). A slow call that
 * mostly waits makes one, for its setup (waitsPastCap); `cpuRatio` is the probe's.
 */
export function warmupPolicy(budgetMs: number, callMs: number, cpuRatio = 1): WarmupPolicy {
  const wanted = Math.max(budgetMs * WARMUP_BUDGET_SHARE, WARMUP_COLD_CALLS * callMs);
  const maxMs = Math.round(Math.min(1500, budgetMs * 0.15, Math.max(100, wanted)));
  return {
    steadyCalls: WARMUP_STEADY_CALLS,
    tolerance: WARMUP_TOLERANCE,
    maxCalls: callMs > maxMs ? 0 : waitsPastCap(callMs, maxMs, cpuRatio) ? WARMUP_SETUP_ONLY_CALLS : WARMUP_MAX_CALLS,
    maxMs,
    unsteadyMinCalls: WARMUP_UNSTEADY_MIN_CALLS,
  };
}

/** A call whose CPU time is at most this share of its wall time mostly waits (warmupPolicy). */
const WAITING_CPU_SHARE = 0.1;

/**
 * The share of the cap past which WARMUP_STEADY_CALLS waiting calls leave warm-up
 * nothing to show (waitsPastCap).
 */
const WAITING_STEADY_CAP_SHARE = 0.5;

/**
 * A call that mostly waits and is too slow for WARMUP_STEADY_CALLS of them to fit half
 * the cap: its wait has no JIT tier or heap to warm, so one call (its one-time setup: a
 * connection, a cache) is all warm-up can give it, and the steady rule only spends the
 * cap. 1 s sleeps had made two warm-up calls on every executor, 2 s each of a 15 s
 * budget, and threads stopped at ×8. A wait also jitters (a spawn, a round trip), so
 * three alike rarely come first: a call that spawned a Node child (260 ms, 3% CPU on the
 * calling thread) made 5-6 warm-up calls per executor, 4.3 s of a 6 s budget, and the
 * windows held 1-4 calls each.
 */
function waitsPastCap(callMs: number, maxMs: number, cpuRatio: number): boolean {
  return cpuRatio <= WAITING_CPU_SHARE && callMs * WARMUP_STEADY_CALLS > maxMs * WAITING_STEADY_CAP_SHARE;
}

/**
 * The cap while V8 is still compiling (COMPILING_CAP_FACTOR), never below the plain cap.
 * Only the sequential and async worker get it (BudgetPlan.warmupFor); Python ignores it.
 */
function compilingCap(budgetMs: number, maxMs: number): number {
  return Math.round(Math.max(maxMs, Math.min(maxMs * COMPILING_CAP_FACTOR, budgetMs * COMPILING_BUDGET_SHARE, COMPILING_MAX_MS)));
}

/** A warm call at most this share of the probe's says the probe's call was mostly one-time setup. */
export const SETUP_SHARE = 0.5;

/**
 * The warm-up rule once the warm baseline has shown that the probe's call was mostly
 * one-time setup inside the function (a table or cache built on first use, a connection,
 * a lazy import): undefined unless that call had switched warm-up off (it was slower than
 * the cap) and a warm call fits under the cap, at most SETUP_SHARE of the probe's. A
 * function that built a 1.5 s table on its first call, then took 2-10 ms, had been
 * planned as 1.5 s calls with no warm-up: every pool worker built its table inside the
 * measured window, and pools read 0.00-0.01x (JS: "keep it sequential"; Python: "batch
 * 7,805 calls per task"). Each new worker's first call builds its own copy, so the cap
 * counts after it (capAfterFirstCall): stopped by the cap after that one call, JS pools
 * then tiered up inside their windows. The cap stays the one the cold call set.
 */
export function warmupAfterSetup(warmup: WarmupPolicy, probeMs: number, warmCallMs: number): WarmupPolicy | undefined {
  if (warmup.maxCalls > 0 || !(warmCallMs > 0) || warmCallMs > warmup.maxMs || warmCallMs > probeMs * SETUP_SHARE) return undefined;
  return { ...warmup, maxCalls: WARMUP_MAX_CALLS, capAfterFirstCall: true };
}

export interface BudgetPlanConfig {
  budgetMs: number;
  /** When the profile started, on `now`'s clock. */
  startedMs: number;
  now: () => number;
  cores: number;
  /** The probe's call time (the CPU share comes from the session: the probe's, then the warm baseline's). */
  callMs: number;
  warmup: WarmupPolicy;
  kinds: ExecutorKind[];
  session: LadderSession;
  /**
   * Time kept back for work after the ladder (the hot-spot pass), until ladderDone():
   * asked again at each point, as what the pass needs becomes known (the warm call, the
   * sequential worker's warm-up).
   */
  afterLadderMs?: () => number;
  /** What the budget needs to know of each executor's workers: whose worker it runs on, whether more of them come warm. */
  executors?: Partial<Record<ExecutorKind, Pick<Executor, 'sharesWorkerOf' | 'growsWarm'>>>;
}

export class BudgetPlan {
  private readonly startup: Record<ExecutorKind, number> = { ...STARTUP_GUESS_MS };
  /** Workers each executor has started so far: pools only grow, and only new workers cost start-up. */
  private readonly workers: Partial<Record<ExecutorKind, number>> = {};
  /** How long the first worker's warm-up took (its calls), once known. */
  private warmingSeen: number | undefined;
  /** The pools' warm-up rule, once the sequential worker's warm-up is known (warmupFor). */
  private poolWarmup: WarmupPolicy | undefined;
  /** The first pool's longer cap while V8 compiles, once the sequential worker's warm-up is known (firstPoolCompiling). */
  private firstPoolCompilingMs: number | undefined;

  /** Kept back for after the ladder (BudgetPlanConfig.afterLadderMs). */
  private afterLadderMs: () => number;
  /** The probe's call, cold: what a new worker's first warm-up call may take (overheadOf). */
  private readonly coldCallMs: number;

  constructor(private readonly c: BudgetPlanConfig) {
    this.afterLadderMs = c.afterLadderMs ?? (() => 0);
    this.coldCallMs = c.callMs;
  }

  /**
   * Plans from here on with the warm baseline's call time and the warm-up rule that
   * follows from it (warmupAfterSetup): the probe's call was mostly one-time setup. The
   * pools' rule, derived from the sequential worker's warm-up under the old one, goes.
   * (What the work after the ladder keeps back follows by itself: `afterLadderMs` reads
   * the call time it depends on each time.)
   */
  rebase(callMs: number, warmup: WarmupPolicy): void {
    this.c.callMs = callMs;
    this.c.warmup = warmup;
    this.poolWarmup = undefined;
    this.firstPoolCompilingMs = undefined;
  }

  remaining(): number {
    return this.c.budgetMs - (this.c.now() - this.c.startedMs) - RESERVE_MS - this.afterLadderMs();
  }

  /** The ladder is over: what it kept back is for the work after it, and the closing re-check plans with what that leaves. */
  ladderDone(): void {
    this.afterLadderMs = () => 0;
  }

  /**
   * Whether a point fits in what is left. Breadth points come before the optional closing
   * re-check; later points leave room for it. Sequential windows (references, a baseline
   * measured again) never take the room the executors not measured yet need.
   */
  readonly fits = (p: PlannedPoint): boolean => {
    const reserve = p.phase === 'closing' || p.phase === 'breadth' || p.phase === 'baseline' ? 0 : this.closingReserve();
    const yields = p.phase === 'reference' || p.phase === 'rebaseline' ? this.unmeasuredNeed(p) : 0;
    return this.windowFor(p, 0, 1).predictedMs <= this.remaining() - reserve - yields;
  };

  /** The next point's window: its share of what is left once the closing re-check and the executors not yet started are set aside. */
  planFor(p: PlannedPoint): WindowPlan {
    const shares = this.sharesOf(p);
    return this.windowFor(p, this.remaining() - this.closingReserve() - this.laterOverhead(p), this.c.session.pointsLeft() / shares);
  }

  /**
   * A point's shares (SHARES), but one, not two, for an async breadth point that physics
   * already caps below GROWTH_TO_CLIMB: one event loop computes one call at a time, so
   * on a call that is 95% CPU async gives at most 1.05× and its point only confirms
   * that. At 6 s a YAML parser's async ×2 took 580 ms while its pools, still warming,
   * got 200-350 ms windows each.
   */
  private sharesOf(p: PlannedPoint): number {
    const asyncCapped = p.phase === 'breadth' && p.kind === 'async' && this.c.session.speedupCeiling('async', p.k) < GROWTH_TO_CLIMB;
    return asyncCapped ? 1 : (SHARES[p.phase] ?? 1);
  }

  /**
   * Whether a point whose new workers warm up sooner than planned may keep the time they
   * did not use (PointRequest.windowUntilMs). Only when no other executor has still to
   * start: the later ones are breadth points, worth as much as this one, and the plan
   * shares what is left between them. A JIT-heavy parser's baseline kept 430 ms its
   * warm-up did not need (a 890 ms window where 450 were planned) while both pools,
   * warming up for 1.1-1.3 s each after it, got 150 ms windows of 4-13 calls at 6 s.
   */
  keepsUnusedWarmup(p: PlannedPoint): boolean {
    return this.laterOverhead(p) === 0;
  }

  /** The closing baseline re-check: as long as the first baseline, within what is left. */
  closingPlan(firstDurationMs: number): WindowPlan {
    const remainingMs = Math.min(firstDurationMs, this.remaining());
    return planWindow({ remainingMs, pointsLeft: 1, overheadMs: 0, callMs: this.c.callMs, concurrency: 1, expectedParallelism: 1 });
  }

  /**
   * The warm-up rule for an executor's new workers: the profile's, except that pools get
   * room for what the sequential worker needed to settle (POOL_WARMUP_*). A pool whose
   * workers were measured before they settled undersold itself by 2-3× on
   * allocation-heavy npm code at short budgets. The sequential and async worker (the
   * baseline's) may run on past their cap while V8 still compiles (compilingCap). Of the
   * pools, only the first may (FIRST_POOL_COMPILING_*), and by more: an extra 300 ms for
   * every pool had left js-yaml's pool workers inside the same recompile storm (calls
   * 10-13 at 200 ms side by side), the profile 0.7 s longer, and the answers unchanged in
   * 12 runs of four JIT-heavy parsers at 6 s. Up to twice the sequential warm-up for
   * threads alone, js-yaml's threads settled near 80 ms a call, and three 6 s runs of it
   * answered threads ×2 (1.25-2.0×) in 7.6-8.0 s, where both pools had read 0.91× in 7.5 s.
   */
  warmupFor(kind: ExecutorKind): WarmupPolicy {
    if (isPool(kind)) {
      const w = this.poolWarmup ?? this.c.warmup;
      return kind === this.firstPool() && this.firstPoolCompilingMs ? { ...w, compilingMaxMs: this.firstPoolCompilingMs } : w;
    }
    const w = this.c.warmup;
    return w.maxCalls > 0 ? { ...w, compilingMaxMs: compilingCap(this.c.budgetMs, w.maxMs) } : w;
  }

  /** Start-up and warm-up that this point's new workers will cost. */
  overheadOf(p: Pick<PlannedPoint, 'kind' | 'k'>): number {
    const fresh = this.newWorkers(p.kind, p.k);
    if (fresh === 0) return 0;
    // New workers start and warm up side by side, as many at once as the cores hold at
    // the call's CPU share: CPU work `cores` at a time, waiting work all at once (six
    // Python threads warming up on a 50 ms subprocess wait took one wave, not three, and
    // a climb predicted at three waves never fit a 3 s budget). Each warms up for at most
    // maxMs (plus the call that crosses it); once a worker has warmed up, for what that
    // took (with margin, and pools' widened rule).
    const waves = Math.max(1, Math.ceil((fresh * this.c.session.cpuRatio) / this.c.cores - 1e-9));
    const w = this.warmupFor(p.kind);
    const widened = isPool(p.kind) && this.poolWarmup !== undefined && this.poolWarmup !== this.c.warmup;
    const warming = w.maxCalls > 0 ? Math.min(w.maxMs + this.coldCallMs, w.maxCalls * this.coldCallMs, (this.warmingSeen ?? Infinity) * 1.25 * (widened ? POOL_WARMUP_TIME_FACTOR : 1)) : 0;
    return waves * ((this.growsInPlace(p.kind) ? 0 : this.startup[p.kind]) + warming);
  }

  /**
   * Python threads beyond the first start no interpreter (Executor.growsWarm): they cost
   * their warm-up only. The climb from K = 2 to 8 had been planned as six interpreter
   * start-ups, and never fit a 3 s budget.
   */
  private growsInPlace(kind: ExecutorKind): boolean {
    return !!this.c.executors?.[kind]?.growsWarm && !!this.workers[kind];
  }

  /** Learns from a measured point: the workers it started, what one cost to start, what warming up took. */
  learn(kind: ExecutorKind, k: number, samples: PointSamples, elapsedMs: number): void {
    const fresh = this.newWorkers(kind, k);
    // What growing in place took is warm-up, not a start-up.
    const grown = this.growsInPlace(kind);
    this.workers[kind] = Math.max(this.workers[kind] ?? 0, isPool(kind) ? k : 1);
    const c = samples.coldStart;
    if (this.warmingSeen === undefined && c && c.warmupCalls > 0 && c.firstCallMs != null && c.steadyCallMs != null) {
      this.warmingSeen = c.warmupMs ?? c.firstCallMs + (c.warmupCalls - 1) * c.steadyCallMs;
    }
    if (kind === 'sequential' && !this.poolWarmup && c?.warmupMs != null) {
      this.poolWarmup = this.widened(c);
      this.firstPoolCompilingMs = this.firstPoolCompiling(c, this.poolWarmup);
    }
    if (fresh > 0 && !grown) {
      const measured = Math.max(0, samples.endMs - samples.startMs);
      this.startup[kind] = c?.workerStartMs ?? Math.max(0, elapsedMs - measured) / fresh;
    }
  }

  /**
   * The pools' rule from the sequential worker's warm-up. One that settled at once keeps
   * the profile's rule (warm-up stops after three steady calls anyway); one that needed
   * n calls lets pool workers make up to 2n calls, since a cap in time alone stopped
   * them after 4-5 of their slower early calls, still at 4× the steady call time. And
   * three calls alike are steady only near the sequential worker's last calls, whether
   * or not those had settled: a thread running fast-xml-parser sat at 119 ms a call for
   * three calls (a lower JIT tier) before it dropped to the 33 ms the others settled at,
   * and when the sequential worker's cap came at 36, 26, 29 ms (not within 10%), pool
   * threads took 114, 112, 109 ms for steady and stopped after four calls.
   */
  private widened(sequential: ColdStart): WarmupPolicy {
    const w = this.c.warmup;
    const calls = sequential.warmupCalls;
    if (w.maxCalls === 0 || calls <= w.steadyCalls || sequential.warmupMs == null) return w;
    const cap = Math.min(POOL_WARMUP_MAX_MS, Math.max(this.c.budgetMs * POOL_WARMUP_BUDGET_SHARE, this.poolWarmupRoom()));
    const wanted = sequential.warmupMs * POOL_WARMUP_TIME_FACTOR;
    const floor = Math.min(wanted, POOL_WARMUP_FLOOR_MS, this.c.budgetMs * POOL_WARMUP_FLOOR_SHARE);
    const maxMs = Math.round(Math.max(w.maxMs, floor, Math.min(cap, wanted)));
    return {
      ...w,
      maxCalls: Math.min(w.maxCalls, Math.max(w.steadyCalls + 1, w.unsteadyMinCalls ?? 0, Math.ceil(calls * POOL_WARMUP_CALLS_FACTOR))),
      maxMs,
      ...(sequential.steadyCallMs != null ? { steadyBelowMs: round3(sequential.steadyCallMs * POOL_STEADY_SLACK) } : {}),
    };
  }

  /**
   * The first pool's longer cap while V8 compiles (FIRST_POOL_COMPILING_*), from the
   * sequential worker's warm-up: only when the pools' rule was widened for it (the
   * function needed more than a few calls to settle) and V8 had finished compiling it
   * there, never below the pools' own cap. Twice a warm-up that V8 did not finish alone,
   * with a core to spare for its compiler threads, does not finish side by side: the
   * TypeScript compiler's threads spent 2.8 s of a 6 s profile at 315 ms a call (warm:
   * 75), and the profile took 12 s where it had taken 9 s.
   */
  private firstPoolCompiling(sequential: ColdStart, pools: WarmupPolicy): number | undefined {
    if (pools === this.c.warmup || sequential.warmupMs == null || sequential.compiling) return undefined;
    const ms = Math.min(POOL_WARMUP_MAX_MS, this.c.budgetMs * FIRST_POOL_COMPILING_SHARE, sequential.warmupMs * FIRST_POOL_COMPILING_FACTOR);
    return ms > pools.maxMs ? Math.round(ms) : undefined;
  }

  /**
   * The pool the budget warms first: the first in play in the ladder's order (inPlay).
   */
  private firstPool(): ExecutorKind | undefined {
    return this.inPlay().find(isPool);
  }

  /** The profile's executors, in the ladder's order, less those given up (failed to load: they never start). */
  private inPlay(): ExecutorKind[] {
    const stops = this.c.session.stops();
    return this.c.kinds.filter((k) => stops[k] !== 'failures');
  }

  /**
   * How long each pool still to start may warm up while every executor to come keeps a
   * window: what is left after the closing re-check and a minimum window for each
   * executor on a worker of its own, shared between the pools, less each one's start and
   * a window that holds an interval. A pool measured before it settled reads cold, and its
   * point then says nothing (coldPoolsOf): at 6 s a fifth of the budget (1.2 s) stopped
   * the pools of marked, js-yaml and acorn still settling, and the answer was sequential.
   * Caps of 1.5-2 s let them settle: four JIT-heavy parsers at 6 s answered a pool in 7
   * of 8 runs, against 5 of 8 at 1.2 s. A baseline that took much of the budget leaves
   * less room, and the fifth is then the floor.
   */
  private poolWarmupRoom(): number {
    const later = this.laterKinds();
    const pools = later.filter((k) => isPool(k) && !this.sharesWorkerOf(k));
    if (!pools.length) return 0;
    const others = later.filter((k) => !isPool(k) && k !== 'sequential').length;
    const shared = this.remaining() - this.closingReserve() - others * MIN_WINDOW_MS;
    return Math.max(0, shared / pools.length - Math.max(...pools.map((k) => this.startup[k])) - POOL_MIN_WINDOW_MS);
  }

  private newWorkers(kind: ExecutorKind, k: number): number {
    const host = this.sharesWorkerOf(kind);
    if (host && this.workers[host]) return 0;
    return Math.max(0, (isPool(kind) ? k : 1) - (this.workers[kind] ?? 0));
  }

  /** Start-up and warm-up that executors not yet started will need: kept out of this point's share. */
  private laterOverhead(p: PlannedPoint): number {
    return this.laterKinds()
      .filter((k) => k !== p.kind && this.sharesWorkerOf(k) !== p.kind)
      .reduce((n, k) => n + this.overheadOf({ kind: k, k: this.c.session.firstConcurrency(k) }), 0);
  }

  /**
   * What a sequential reference or re-measured baseline yields to: the executors not measured yet, whose breadth
   * points (start-up, warm-up and at least a minimum window each) come first.
   */
  private unmeasuredNeed(p: PlannedPoint): number {
    const unstarted = this.laterKinds().filter((k) => k !== 'sequential' && !this.sharesWorkerOf(k)).length;
    return this.laterOverhead(p) + unstarted * MIN_WINDOW_MS;
  }

  /**
   * Executors whose workers are still to start: not started yet, and not given up (an
   * executor that failed to load never starts, and room kept for it would only shorten
   * the windows of those that run).
   */
  private laterKinds(): ExecutorKind[] {
    return this.inPlay().filter((k) => !this.workers[k]);
  }

  private sharesWorkerOf(kind: ExecutorKind): ExecutorKind | undefined {
    return this.c.executors?.[kind]?.sharesWorkerOf;
  }

  /** The closing baseline re-check keeps at least one short window for itself. */
  private closingReserve(): number {
    return Math.max(MIN_WINDOW_MS, this.c.callMs);
  }

  private windowFor(p: PlannedPoint, remainingMs: number, pointsLeft: number): WindowPlan {
    return planWindow({
      remainingMs,
      pointsLeft,
      overheadMs: this.overheadOf(p),
      callMs: this.c.callMs,
      concurrency: p.k,
      expectedParallelism: expectedParallelism(p.kind, p.k, this.c.session.cpuRatio, this.c.cores),
    });
  }
}

export function isPool(kind: ExecutorKind): boolean {
  return kind === 'thread' || kind === 'process' || kind === 'distributed';
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

