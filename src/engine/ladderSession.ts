// The breadth-first plan of one profile. A pure object: the orchestrator feeds it each
// measured point and asks what to run next; it never looks at a clock or a worker, so
// it is unit-tested on made-up throughputs (test/unit/ladderSession.test.ts).
//
// Why breadth first: executors used to climb their ladders one after another, so the
// last one (processes) was often cut by the budget before it reached K = cores, the one
// point that decides CPU work. Now every executor is first measured at its most
// informative point (pools at K = cores, or where the waits overlap when no event
// loop overlaps them; async at a K predicted from the CPU ratio);
// what is left of the budget then goes where it can still change the answer: ladders
// that still scale, the pools' K = 1 point that shows the hand-off cost, near-ties
// between the two best executors and noisy best points.
import type { ExecutorKind } from '../shared/report';
import { GROWTH_TO_CLIMB, ladderStep } from './ladder';
import { lanesAllStarted } from '../shared/closedLoop';
import { handedOff, KNEE_TOLERANCE, loopShareOf, offloadedInFlight } from '../analysis/evidence';
import { CHEAPER_TIE_ZONE, speedupCeiling } from '../analysis/recommend';
import { SHORT_CALL_MS } from '../analysis/overhead';

/** Why an executor's ladder ended; the analysis turns a ladder cut while scaling into "at least K". */
export type StopReason = 'knee' | 'budget' | 'cap' | 'failures' | 'single-point';

export type PointPhase = 'baseline' | 'breadth' | 'climb' | 'dispatch' | 'repeat' | 'rebaseline' | 'reference' | 'closing';

export interface PlannedPoint {
  kind: ExecutorKind;
  k: number;
  phase: PointPhase;
}

export interface SessionConfig {
  /** Executors to measure, cheapest first; 'sequential' is always measured. */
  kinds: ExecutorKind[];
  cores: number;
  /** Highest K per executor (the user's cap and the executor's own, whichever is lower). */
  caps: Partial<Record<ExecutorKind, number>>;
  /** Wall time of the probe call. */
  callMs: number;
  /** CPU share of the probe call, 0..1. */
  cpuRatio: number;
  /** Ladder step: ×2, or ×4 for slow calls. */
  step: number;
  /** The profile's budget: a long one gives slower calls reference windows too (referenced). */
  budgetMs?: number;
  /** Cores the process kept busy per call in flight in the warm baseline (setMachineShare); unknown before. */
  machineShare?: number;
  /** Threads of libuv's pool (UV_THREADPOOL_SIZE) for JS targets: offloaded work runs at most this many at once. */
  uvPool?: number;
  /**
   * Threads and processes have one ceiling here (JS: no interpreter lock), so a thread
   * pool far below the process pool (SIBLING_GAP) was more likely disturbed than slow.
   */
  threadsLikeProcesses?: boolean;
}

export interface PointOutcome {
  throughputPerSec: number;
  /** Nearly every call failed, or none succeeded: the ladder stops there. */
  failed: boolean;
  /** 95% interval of the throughput and whether it is wider than ±10%; after a repeat, of both windows. */
  ci?: [number, number];
  noisy?: boolean;
  /**
   * Calls the window ran. Fewer than K (lanesAllStarted) means that on async each call
   * held the thread until it ended, so nothing overlapped, however wide the interval of
   * a few calls.
   */
  calls?: number;
  /** Thread CPU per call in the window (an async point's: its event loop's, wake-ups included). */
  cpuMsPerTask?: number;
}

/**
 * A sequential reference window costs this share of a full point's: it needs no warm-up
 * (the sequential worker stays warm), only enough calls to read the machine's speed.
 */
export const REFERENCE_SHARE = 0.5;

/**
 * Calls slower than this get no reference windows on a short budget: a half-share
 * window (150-300 ms at 3-6 s) would hold too few of them to read the machine's speed
 * better than its own noise, and the time it takes would come out of the points'
 * windows. A 25 ms parser at 6 s had 4-6 calls per pool window with references, against
 * 8-12 without. A long budget gives slower CPU calls references (REFERENCE_BUDGET_CALLS).
 */
export const REFERENCE_MAX_CALL_MS = 10;

/**
 * Slower CPU calls get reference windows too when the budget holds this many warm calls:
 * the half-share windows then hold about 8-10 calls early in the ladder and 3-5 late (a
 * profile's points take some twelve shares of the two thirds of the budget left after
 * warm-up), enough to read a drift of 10-20% through calls that vary by 5-10%.
 * Without them, js-sha256 (45 ms a call) at 15 s divided every point by one baseline
 * from the start: its pools' K = 1 points, which cannot beat the plain loop by more
 * than noise, read 0.71-0.75x, and its K = 2 points 1.47-1.76x, where bare pools beside
 * interleaved sequential windows gave 1.6-2.0x. With them, over seven runs, K = 1 read
 * 0.80-1.06x and K = 2 1.60-2.35x (most near 2), the reference windows holding 10, 8, 5
 * and 3 calls. A 25 ms parser at 6 s (240 calls) stays without them (see above).
 */
export const REFERENCE_BUDGET_CALLS = 250;

/** A point is measured again at most this many times (near-ties, noisy points). */
export const MAX_REPEATS = 2;

/**
 * Where threads and processes share a ceiling (SessionConfig.threadsLikeProcesses), a
 * thread pool whose best reads this many times below the process pool's is measured
 * again. In an e2e run with the browser loading the machine, a pure CPU loop read
 * threads ×2 at 0.96× beside processes ×2 at 1.79×, and the answer was processes. The
 * repeat confirms or corrects: allocation-heavy work can make threads honestly slower
 * (a gunzip's buffers read threads ×4 at 0.33×), and the slower window stands then.
 */
export const SIBLING_GAP = 1.5;

/**
 * A pool's K = 1 point hands every call to a worker and back: it can never be faster than
 * the plain loop, and no point can beat its ceiling (LadderSession.speedupCeiling). One
 * that beats the baseline's interval by this much over its ceiling says the baseline was
 * slowed (a burst of load, a cold CPU), and the baseline is measured again.
 */
export const IMPOSSIBLE_K1_GAIN = 1.05;

/**
 * A point that gained under this share of what its calls in flight allow (its ceiling:
 * min(K, 1 / CPU share) for async) was held back by something else, and its knee lies
 * below it (LadderSession.stepDownPoint). Timers at ×64 read 60-64×; a client of 8
 * connections read 8.1× at ×32 and 8.0× at ×16, right at half; the powers of two the
 * search tries are below the point only when it read under about half of K anyway.
 */
export const STEP_DOWN_BELOW = 0.6;

/** A call below this CPU share mostly waits (LadderSession.waitsOverlapK). */
export const BLOCKED_WAIT_MAX_SHARE = 0.5;
/**
 * The most workers a pool's first point starts for waits no event loop overlaps: eight
 * child processes cost about a second of start-up CPU on 2 cores; the climb goes on
 * from there.
 */
export const BLOCKED_WAIT_MAX_K = 8;

interface LadderPoint {
  k: number;
  throughputPerSec: number;
  ci: [number, number];
  noisy: boolean;
  repeats: number;
  calls?: number;
  cpuMsPerTask?: number;
}

/** An executor and its best point so far. */
interface Best {
  kind: ExecutorKind;
  best: LadderPoint;
}

interface Ladder {
  kind: ExecutorKind;
  cap: number;
  points: LadderPoint[];
  stop?: StopReason;
  /** A pool's K = 1 point is wanted once, after the breadth pass. */
  dispatchWanted: boolean;
}

export class LadderSession {
  private readonly ladders = new Map<ExecutorKind, Ladder>();
  private readonly order: ExecutorKind[];
  private baselineTp = 0;
  private baselineCi: [number, number] = [0, 0];
  private baselineDone = false;
  private rebaselineDone = false;
  /** The baseline ran before its worker could warm up (setCallMs): measure it again. */
  private baselineUnwarmed = false;
  private closingDone = false;
  /**
   * A sequential reference window is due after the last point (see next()). Shared
   * machines change speed by up to 20% within seconds, and a JIT-heavy baseline keeps
   * speeding up after its warm-up cap: a speedup divided by one baseline from the start
   * carries both errors, so each point is paired with sequential windows next to it.
   */
  private referenceWanted = false;
  private lastPhase: PointPhase | undefined;

  private readonly cfg: SessionConfig;
  /** The warm baseline's call time, once measured: what reference windows are sized by (referenced). */
  private warmCallMs: number | undefined;
  /** The baseline's CPU per call, when read: async points are compared with it (loopShare). */
  private baselineCpuMs: number | undefined;

  constructor(cfg: SessionConfig) {
    this.cfg = { ...cfg };
    this.order = ['sequential', ...cfg.kinds.filter((k) => k !== 'sequential')];
    for (const kind of this.order) {
      const cap = Math.max(1, Math.floor(cfg.caps[kind] ?? 1));
      this.ladders.set(kind, { kind, cap: kind === 'sequential' ? 1 : cap, points: [], dispatchWanted: isPool(kind) });
    }
  }

  /**
   * The warm baseline's call time, which replaces the probe's when the probe's first call
   * was mostly one-time setup (profile.ts, probeSetupOf): the ladder's step, the dispatch
   * point's place and the reference windows follow the call the points will make. With
   * `remeasureBaseline`, the baseline, measured with no warm-up (the probe's call had
   * been over the cap), is measured again on its worker warmed up: a JIT-compiled
   * function was still tiering up in it (JS).
   */
  setCallMs(ms: number, remeasureBaseline: boolean): void {
    if (!(Number.isFinite(ms) && ms > 0)) return;
    this.cfg.callMs = ms;
    this.cfg.step = ladderStep(ms);
    if (remeasureBaseline) this.baselineUnwarmed = true;
  }

  /**
   * The CPU ratio of the warm baseline, which replaces the probe's: a first call also
   * pays for module start-up, JIT and caches, so it overstates the CPU share.
   */
  setCpuRatio(r: number): void {
    if (Number.isFinite(r) && r >= 0) this.cfg.cpuRatio = Math.min(1, r);
  }

  /**
   * The cores the whole process kept busy per call in flight in the warm baseline (its
   * own threads and helpers, less the background load), beside the calling thread's
   * CPU ratio: the two differ when the work runs on other threads (libuv's pool).
   */
  setMachineShare(share: number): void {
    if (Number.isFinite(share) && share >= 0) this.cfg.machineShare = share;
  }

  /** The warm baseline's CPU ratio once measured, the probe's before (the budget plans windows and warm-ups with it). */
  get cpuRatio(): number {
    return this.cfg.cpuRatio;
  }

  /**
   * Whether points get sequential reference windows: calls up to REFERENCE_MAX_CALL_MS,
   * and CPU calls the budget holds REFERENCE_BUDGET_CALLS of (a wait does not slow down
   * with the machine, and its ladder needs the time to climb). The budget's calls are
   * counted at the warm baseline's call time once it is measured: a JIT-heavy probe
   * call runs 1.5-4x a warm one.
   */
  private get referenced(): boolean {
    if (this.cfg.callMs <= REFERENCE_MAX_CALL_MS) return true;
    const callMs = this.warmCallMs ?? this.cfg.callMs;
    // CPU on the calling thread or handed off (libuv's pool): both slow down with the machine.
    return this.busyShare() > BLOCKED_WAIT_MAX_SHARE && (this.cfg.budgetMs ?? 0) >= callMs * REFERENCE_BUDGET_CALLS;
  }

  /** The share of a call that keeps a core busy: on the calling thread, or handed off to other threads (machineShare). */
  private busyShare(): number {
    return Math.max(this.cfg.cpuRatio, this.cfg.machineShare ?? 0);
  }

  /** The first K of an executor: the point that says most about it on its own. */
  firstConcurrency(kind: ExecutorKind): number {
    const l = this.ladder(kind);
    if (kind === 'sequential') return 1;
    if (kind === 'async') {
      // One event loop overlaps only the waiting part: about 1 / cpuRatio calls make
      // progress at once. Start there (a power of two, at least 2 so the point still
      // shows whether async helps at all).
      const overlap = 1 / Math.max(this.cfg.cpuRatio, 1 / 1024);
      // Work the calling thread hands to other threads (async crypto and zlib on libuv's
      // pool) leaves that thread idle, so 1 / cpuRatio says 32 or more; but each call in
      // flight still keeps about machineShare of a core busy somewhere, and the cores run
      // at most cores ÷ machineShare of them at once (offloadedInFlight). Started at ×32
      // or ×16, pbkdf2 and a 1 MB gzip queued calls behind libuv's 4 threads, each took
      // 8-16 calls' time, and 3 s windows held too few to tell async from the pools
      // (1.35-2.08× in four profiles).
      const m = this.cfg.machineShare;
      const offloaded = m != null && handedOff(this.cfg.cpuRatio, m);
      // The same limit as the analysis's (recommend.allowedCandidates): the cores, or
      // libuv's threads where there are fewer of them.
      const parallel = Math.min(this.cfg.cores, this.cfg.uvPool ?? this.cfg.cores);
      const k = offloaded ? Math.min(pow2AtMost(overlap), offloadedInFlight(parallel, m)) : pow2AtMost(overlap);
      return Math.min(l.cap, Math.max(2, k));
    }
    return Math.min(l.cap, Math.max(1, this.cfg.cores, this.waitsOverlapK() ?? 0));
  }

  /**
   * Pools' first K for a call that mostly waits when no event loop overlaps its waits:
   * the async point, measured before the pools, gained nothing (execSync, Atomics.wait,
   * a sleep inside an async function block the thread), or there is no async executor
   * (a Python plain def, which only threads or processes can run side by side). Then
   * each worker overlaps one wait, and the point that says most about the pools is about
   * as many calls as keep the cores busy (cores ÷ CPU share, as for async), not K =
   * cores. At 6 s, execSync('sleep 0.05') (65 ms a call, 8% CPU) had its pools measured
   * at K = 2 only: the climb from there did not fit, and the answer was "at least 2
   * processes" where the formula said 27; Python's time.sleep(0.05) at 3 s answered
   * threads ×2. Undefined when the rule does not apply (the pools start at cores).
   */
  private waitsOverlapK(): number | undefined {
    const share = this.busyShare();
    if (share >= BLOCKED_WAIT_MAX_SHARE || !this.baselineDone) return undefined;
    const a = this.ladders.get('async');
    if (a && a.stop !== 'failures') {
      // Async to come, or async that helped (its interval reaches a step's growth, and
      // all its lanes started): the waits overlap on one thread, and the pools are
      // compared with it at K = cores. A point whose lanes did not all start ran its
      // calls one at a time whatever its interval: 4 calls of a 40 ms Atomics.wait in
      // a window of async x64 read [0.84x, 1.18x].
      if (!a.points.length || this.baselineTp <= 0) return undefined;
      const helped = (p: LadderPoint) => p.ci[1] >= this.baselineTp * GROWTH_TO_CLIMB && (p.calls === undefined || lanesAllStarted(p.calls, p.k));
      if (a.points.some(helped)) return undefined;
    }
    return Math.min(BLOCKED_WAIT_MAX_K, pow2AtMost(this.cfg.cores / Math.max(share, 1 / 1024)));
  }

  /**
   * What to measure next, given a function that says whether a point fits in what is
   * left of the budget. Returns undefined when the profile should stop measuring.
   */
  next(fits: (p: PlannedPoint) => boolean): PlannedPoint | undefined {
    if (!this.baselineDone) return { kind: 'sequential', k: 1, phase: 'baseline' };
    // 0. The sequential reference for the point just measured, when it fits: the speedup
    // of that point divides by the sequential windows nearest to it in time (runResults).
    if (this.referenceWanted) {
      this.referenceWanted = false;
      const ref: PlannedPoint = { kind: 'sequential', k: 1, phase: 'reference' };
      if (fits(ref)) return ref;
    }
    // 0b. A baseline that a point beat beyond its physical ceiling is measured again
    // before anything else, when it fits beside the executors not measured yet: every
    // later speedup divides by it. A JIT-heavy renderer's baseline, cut by its warm-up
    // cap while still speeding up, let async ×2 (the same worker, right after it) read
    // 1.9× for CPU work, and the pools measured after were divided by it too.
    const early = this.rebaseline(fits);
    if (early) return early;
    // 1. Breadth: every executor gets its first point before any gets a second, even on
    // a budget too small for it (the window shrinks to its minimum): an executor left
    // unmeasured would make the answer a guess.
    for (const kind of this.order) {
      const l = this.ladder(kind);
      if (l.points.length > 0 || l.stop) continue;
      return { kind, k: this.firstConcurrency(kind), phase: 'breadth' };
    }
    // 2. Short calls: the pools' K = 1 points show what a hand-off costs, which decides
    // between a pool and batching; measure them before climbing.
    const dispatchFirst = this.cfg.callMs < SHORT_CALL_MS;
    if (dispatchFirst) {
      const d = this.dispatchPoint(fits);
      if (d) return d;
    }
    // 2b. A ladder that started above its knee (async, or pools for blocking waits):
    // measure below it before anything climbs.
    const down = this.stepDownPoint(fits);
    if (down) return down;
    // 3. Climb the ladders that still scale, the most promising first; among those
    // within 10% of the best so far, the cheapest executor first (it wins a tie).
    const candidates = this.order.map((kind) => this.climbPoint(kind)).filter((p): p is PlannedPoint & { speedup: number } => !!p);
    const top = Math.max(0, ...candidates.map((c) => c.speedup));
    const rank = (c: { kind: ExecutorKind; speedup: number }) => (c.speedup >= top * 0.9 ? this.order.indexOf(c.kind) : this.order.length + 1 / (1 + c.speedup));
    const climbs = candidates.sort((a, b) => rank(a) - rank(b));
    for (const c of climbs) {
      if (fits(c)) return { kind: c.kind, k: c.k, phase: 'climb' };
      this.ladder(c.kind).stop = 'budget';
    }
    // 4. A suspect baseline that did not fit earlier, now that every executor has its
    // point: its last chance, as what is left only shrinks from here.
    const late = this.rebaseline(fits, true);
    if (late) return late;
    if (!dispatchFirst) {
      // 5. Longer calls: a near-tie between the two best executors before the pools'
      // K = 1 points. A hand-off is a small share of such a call, so K = 1 rarely changes
      // the answer, and the tie is the answer. At 6 s a 30 ms parser's threads ×2 got the
      // shortest window (182 ms, 8 calls: each pool warmed up for 1-1.3 s), processes ×2,
      // the last pool to start, kept the warm-up time they did not use (534 ms, 23 calls),
      // and what was left went to threads ×1. Once each: the K = 1 points come next,
      // then the rest of the repeats.
      const tie = this.firstFitting(this.nearTie(), fits, 1);
      if (tie) return tie;
      const d = this.dispatchPoint(fits);
      if (d) return d;
    }
    // 6. What is left tightens the points the answer hangs on.
    return this.repeatPoint(fits);
  }

  /**
   * The baseline again, once, when it is suspect (baselineSuspect) and the budget lets it
   * in; on its `lastChance` a baseline that does not fit is given up.
   */
  private rebaseline(fits: (p: PlannedPoint) => boolean, lastChance = false): PlannedPoint | undefined {
    if (this.rebaselineDone || !this.baselineSuspect()) return undefined;
    const p: PlannedPoint = { kind: 'sequential', k: 1, phase: 'rebaseline' };
    const fit = fits(p);
    if (fit || lastChance) this.rebaselineDone = true;
    return fit ? p : undefined;
  }

  /**
   * A near-tie between the two best executors (their best points' intervals overlap, or
   * the runner-up is the cheaper one and within CHEAPER_TIE_ZONE of the leader), then a
   * noisy best point: measuring it again narrows its interval, and the answer may
   * change with it. Each point at most MAX_REPEATS times.
   */
  private repeatPoint(fits: (p: PlannedPoint) => boolean): PlannedPoint | undefined {
    const bests = this.bests();
    const wanted = this.nearTie(bests);
    const threads = bests.find((b) => b.kind === 'thread');
    const processes = bests.find((b) => b.kind === 'process');
    if (this.cfg.threadsLikeProcesses && threads && processes && threads.best.throughputPerSec * SIBLING_GAP < processes.best.throughputPerSec) {
      // The thread point beside the process pool's best, where there is one.
      const same = this.ladder('thread').points.find((p) => p.k === processes.best.k);
      wanted.push(same ? { kind: 'thread', best: same } : threads);
    }
    wanted.push(...bests.filter((b) => b.best.noisy));
    return this.firstFitting(wanted, fits);
  }

  /** Each executor's best point so far, the fastest executor first. */
  private bests(): Best[] {
    return [...this.ladders.values()]
      .filter((l) => l.kind !== 'sequential' && l.points.length > 0 && l.stop !== 'failures')
      .map((l) => ({ kind: l.kind, best: l.points.reduce((a, b) => (b.throughputPerSec > a.throughputPerSec ? b : a)) }))
      .sort((a, b) => b.best.throughputPerSec - a.best.throughputPerSec);
  }

  /**
   * The two best executors' best points when the answer is a tie between them, the less
   * measured first (fewer repeats, then fewer calls); none otherwise. The analysis gives
   * a tie to the cheaper executor when the two intervals meet within CHEAPER_TIE_ZONE
   * (chooseExecutor in src/analysis/recommend.ts), so one window slowed by a burst of
   * load decides between them there: GIL-releasing pbkdf2 read threads ×2 below
   * processes ×2 in one busy 15 s profile, and threads in four quiet ones.
   */
  private nearTie(bests = this.bests()): Best[] {
    const [leader, runnerUp] = bests;
    if (!leader || !runnerUp) return [];
    const cheaperClose = this.order.indexOf(runnerUp.kind) < this.order.indexOf(leader.kind) && runnerUp.best.throughputPerSec >= leader.best.throughputPerSec * (1 - CHEAPER_TIE_ZONE);
    if (leader.best.ci[0] > runnerUp.best.ci[1] && !cheaperClose) return [];
    return [leader, runnerUp].sort((a, b) => a.best.repeats - b.best.repeats || (a.best.calls ?? 0) - (b.best.calls ?? 0));
  }

  /** A repeat of the first of these points measured again fewer than `maxRepeats` times that fits. */
  private firstFitting(wanted: Best[], fits: (p: PlannedPoint) => boolean, maxRepeats = MAX_REPEATS): PlannedPoint | undefined {
    for (const w of wanted) {
      if (w.best.repeats >= maxRepeats) continue;
      const p: PlannedPoint = { kind: w.kind, k: w.best.k, phase: 'repeat' };
      if (fits(p)) return p;
    }
    return undefined;
  }

  /** The closing re-check of the baseline, when it fits. */
  closing(fits: (p: PlannedPoint) => boolean): PlannedPoint | undefined {
    if (this.closingDone || !this.baselineDone) return undefined;
    this.closingDone = true;
    // A reference window just measured the machine's speed at the end.
    if (this.lastPhase === 'reference') return undefined;
    const p: PlannedPoint = { kind: 'sequential', k: 1, phase: 'closing' };
    return fits(p) ? p : undefined;
  }

  record(p: PlannedPoint, outcome: PointOutcome): void {
    const l = this.ladder(p.kind);
    this.lastPhase = p.phase;
    // A point the answer rests on (not a pool's K = 1 hand-off check) wants a reference.
    if (this.referenced && p.kind !== 'sequential' && !outcome.failed && (p.phase === 'breadth' || p.phase === 'climb' || p.phase === 'repeat')) this.referenceWanted = true;
    if (p.phase === 'reference') {
      // Whether a ladder still scales is judged against the machine's speed of late: the
      // mean of this reference and the sequential speed the session held before it. A
      // fast call's async ×2 read 1.11× against a start baseline the machine had since
      // outrun, and the ladder climbed to ×8 for nothing.
      if (!outcome.failed && outcome.throughputPerSec > 0) this.baselineTp = (this.baselineTp + outcome.throughputPerSec) / 2;
      return;
    }
    const point: LadderPoint = {
      k: p.k,
      throughputPerSec: outcome.throughputPerSec,
      ci: outcome.ci ?? [outcome.throughputPerSec, outcome.throughputPerSec],
      noisy: outcome.noisy ?? false,
      repeats: 0,
      ...(outcome.calls !== undefined ? { calls: outcome.calls } : {}),
      ...(outcome.cpuMsPerTask !== undefined ? { cpuMsPerTask: outcome.cpuMsPerTask } : {}),
    };
    if (p.phase === 'rebaseline') {
      // The new baseline replaces the suspect one (the orchestrator drops that one too).
      if (!outcome.failed && outcome.throughputPerSec > 0) {
        this.baselineTp = outcome.throughputPerSec;
        this.baselineCi = point.ci;
        if (outcome.cpuMsPerTask !== undefined) this.baselineCpuMs = outcome.cpuMsPerTask;
      }
      return;
    }
    if (p.phase === 'baseline') {
      this.baselineDone = true;
      this.baselineCpuMs = outcome.cpuMsPerTask;
      if (outcome.throughputPerSec > 0) this.warmCallMs = 1000 / outcome.throughputPerSec;
      this.baselineTp = outcome.throughputPerSec;
      this.baselineCi = point.ci;
      l.points.push(point);
      l.stop = outcome.failed ? 'failures' : 'single-point';
      return;
    }
    if (p.phase === 'closing') return;
    if (p.phase === 'repeat') {
      const seen = l.points.find((x) => x.k === p.k);
      if (seen) Object.assign(seen, { ...point, repeats: seen.repeats + 1 });
    } else {
      if (p.k === 1 && isPool(p.kind)) l.dispatchWanted = false;
      l.points.push(point);
      l.points.sort((a, b) => a.k - b.k);
    }
    if (outcome.failed) l.stop = 'failures';
  }

  /** Marks a ladder that could not even start (its executor failed to load, say). */
  fail(kind: ExecutorKind): void {
    this.ladder(kind).stop = 'failures';
  }

  /** Why each executor's ladder ended, for the analysis ("at least K" when cut while scaling). */
  stops(): Partial<Record<ExecutorKind, StopReason>> {
    const out: Partial<Record<ExecutorKind, StopReason>> = {};
    for (const l of this.ladders.values()) {
      if (l.points.length === 0 && !l.stop) continue;
      out[l.kind] = l.stop ?? this.naturalStop(l);
    }
    return out;
  }

  /** Points still expected, so the orchestrator can share out the budget. */
  pointsLeft(): number {
    let n = this.baselineDone ? 0 : 1;
    // Points that will each want a sequential reference after them.
    let referenced = this.referenceWanted ? 1 : 0;
    for (const l of this.ladders.values()) {
      if (l.kind === 'sequential' || l.stop) continue;
      if (l.points.length === 0) n += 1;
      // A ladder that still scales will want about one more point, a pool its K = 1.
      const more = this.stillScales(l) || l.points.length === 0;
      if (more) n += 1;
      if (more && this.referenced) referenced += 1;
      if (l.dispatchWanted && this.cfg.callMs < SHORT_CALL_MS * 10) n += 1;
    }
    return n + referenced * REFERENCE_SHARE + (this.closingDone ? 0 : 1);
  }

  /**
   * Whether some point beat what physics allows over the baseline, beyond both intervals
   * (IMPOSSIBLE_K1_GAIN): a pool's K = 1 point the plain loop itself, any point its
   * ceiling (speedupCeiling). Then the baseline ran slow (a burst of load, a cold JIT).
   * Or it ran before its worker could warm up (setCallMs).
   */
  baselineSuspect(): boolean {
    if (!this.baselineDone || this.baselineTp <= 0) return false;
    if (this.baselineUnwarmed) return true;
    return [...this.ladders.values()].some(
      (l) => l.kind !== 'sequential' && l.points.some((x) => x.ci[0] > this.baselineCi[1] * this.speedupCeiling(l.kind, x.k) * IMPOSSIBLE_K1_GAIN),
    );
  }

  /**
   * The analysis's ceiling (speedupCeiling in src/analysis/recommend.ts, which also caps
   * the expected speedup) at the session's CPU share: a pool's K = 1 gains nothing. On 2
   * cores, pools of 15-60 ms calls had read 2.3-2.7× against a start baseline that ran slow.
   */
  speedupCeiling(kind: ExecutorKind, k: number): number {
    const loopShare = kind === 'async' ? this.loopShare() : undefined;
    return speedupCeiling({ cores: this.cfg.cores, cpuShare: this.cfg.cpuRatio, offloaded: false, ...(loopShare !== undefined ? { loopShare } : {}) }, { executor: kind, concurrency: k });
  }

  /**
   * The CPU share the event loop spent per call at its cheapest async point (the
   * analysis's Evidence.loopShare, loopShareOf): calls in flight share the loop's
   * wake-ups, so a call's CPU share alone can overstate what bounds async.
   */
  private loopShare(): number | undefined {
    const l = this.ladders.get('async');
    return l ? loopShareOf(this.cfg.cpuRatio, this.baselineCpuMs, l.points.map((p) => p.cpuMsPerTask)) : undefined;
  }

  private dispatchPoint(fits: (p: PlannedPoint) => boolean): PlannedPoint | undefined {
    for (const kind of this.order) {
      const l = this.ladder(kind);
      if (!l.dispatchWanted || l.stop === 'failures' || l.points.length === 0 || l.points.some((p) => p.k === 1)) continue;
      const p: PlannedPoint = { kind, k: 1, phase: 'dispatch' };
      l.dispatchWanted = false;
      if (fits(p)) return p;
    }
    return undefined;
  }

  /**
   * Async starts at the K its CPU share predicts (firstConcurrency), 32 or more for calls
   * that mostly wait, and pools start at cores ÷ CPU share (up to 8) for waits no event
   * loop overlaps; from there ladders climb only up. When a ladder's best point gained
   * far less than the calls it had in flight allow (under STEP_DOWN_BELOW of its
   * ceiling), something else capped how many made progress at once (a connection pool,
   * an API's concurrency limit, a semaphore): by Little's law about `speedup` calls were
   * under way, and the knee lies below the first K. A client of 8 connections read 8.1×
   * at async ×32 and ×64, and the answer was "32 calls in flight". So measure down there
   * while the lowest point still keeps up with the best: first the power of two at or
   * above 1.25 × the speedup, then the lowest one that could still read within
   * KNEE_TOLERANCE of it; never below 2, nor a pool below the core count.
   */
  private stepDownPoint(fits: (p: PlannedPoint) => boolean): PlannedPoint | undefined {
    for (const kind of this.order) {
      const p = kind === 'sequential' ? undefined : this.stepDownOf(kind);
      if (p && fits(p)) return p;
    }
    return undefined;
  }

  private stepDownOf(kind: ExecutorKind): PlannedPoint | undefined {
    const l = this.ladder(kind);
    const floor = kind === 'async' ? 2 : Math.max(2, this.cfg.cores);
    // A pool's K = 1 point checks the hand-off; it is no rung of this search.
    const points = l.points.filter((p) => p.k >= floor);
    if (l.stop === 'failures' || points.length === 0 || !(this.baselineTp > 0)) return undefined;
    const best = points.reduce((a, b) => (b.throughputPerSec > a.throughputPerSec ? b : a));
    const speedup = best.throughputPerSec / this.baselineTp;
    // Any point of it held back says so for the ladder (×16 of 8 connections reads just at the line).
    if (!points.some((p) => this.limitedBelowK(kind, p))) return undefined;
    // Under 2× there is no knee to find above the ladder's floor: it barely helps, or
    // not at all (calls that block the loop read about 1× at async ×64).
    if (speedup < 2) return undefined;
    const lowest = points[0];
    // The knee is at or above the lowest point once it falls behind the best.
    if (lowest.throughputPerSec < best.throughputPerSec * (1 - KNEE_TOLERANCE)) return undefined;
    for (const k of [pow2AtLeast(speedup * 1.25), pow2AtLeast(speedup * (1 - KNEE_TOLERANCE))].map((x) => Math.max(floor, x))) {
      if (k >= lowest.k || l.points.some((p) => p.k === k)) continue;
      return { kind, k, phase: 'climb' };
    }
    return undefined;
  }

  /** A point that gained under STEP_DOWN_BELOW of what its calls in flight allow. */
  private limitedBelowK(kind: ExecutorKind, p: LadderPoint): boolean {
    return this.baselineTp > 0 && p.throughputPerSec < this.baselineTp * this.speedupCeiling(kind, p.k) * STEP_DOWN_BELOW;
  }

  private climbPoint(kind: ExecutorKind): (PlannedPoint & { speedup: number }) | undefined {
    const l = this.ladder(kind);
    if (kind === 'sequential' || l.stop || l.points.length === 0) return undefined;
    const top = l.points[l.points.length - 1];
    if (!this.stillScales(l)) return undefined;
    if (top.k >= l.cap) return undefined;
    const k = this.nextK(l, top.k);
    if (l.points.some((p) => p.k === k)) return undefined;
    const speedup = this.baselineTp > 0 ? top.throughputPerSec / this.baselineTp : 0;
    return { kind, k, phase: 'climb', speedup };
  }

  /**
   * Whether the top of a ladder still gains: its throughput grew by GROWTH_TO_CLIMB over
   * the next lower point (for the lowest point, over the sequential baseline).
   */
  private stillScales(l: Ladder): boolean {
    if (l.points.length === 0) return false;
    const top = l.points[l.points.length - 1];
    const below = l.points.length >= 2 ? l.points[l.points.length - 2].throughputPerSec : this.baselineTp;
    if (below <= 0) return top.throughputPerSec > 0;
    if (top.throughputPerSec < below * GROWTH_TO_CLIMB) return false;
    // One event loop computes one call at a time: async can give at most 1 ÷ the CPU
    // share its loop spends per call (speedupCeiling: the baseline's, or less where its
    // points shared the loop's wake-ups, loopShare), and a ladder whose next K's ceiling
    // is not GROWTH_TO_CLIMB above what its top already reads has no room to climb. A
    // YAML parser (95% CPU) read async ×2 at 1.17× in a noisy window, and ×4 took 310 ms
    // of a 6 s budget whose pools, still warming, got 200-350 ms windows each. (Pools
    // keep climbing past their ceiling: a larger pool's reading may stand for a K =
    // cores window that read low, see liftAtCores in src/analysis/recommend.ts.)
    const next = this.nextK(l, top.k);
    if (l.kind !== 'async' || this.baselineTp <= 0 || next <= top.k) return true;
    // Calls in flight were not what held it back (stepDownPoint): more of them will not help.
    if (this.limitedBelowK('async', top)) return false;
    return this.baselineTp * this.speedupCeiling('async', next) >= top.throughputPerSec * GROWTH_TO_CLIMB;
  }

  /** The K a ladder climbs to from `k`: one step, never over the cap, nor over the core count from below. */
  private nextK(l: Ladder, k: number): number {
    const next = Math.min(l.cap, k * this.cfg.step);
    // Never step over the core count from below: for CPU work it is the point that matters most.
    return k < this.cfg.cores && next > this.cfg.cores ? this.cfg.cores : next;
  }

  private naturalStop(l: Ladder): StopReason {
    if (l.kind === 'sequential') return 'single-point';
    const top = l.points[l.points.length - 1];
    if (this.stillScales(l)) return top.k >= l.cap ? 'cap' : 'budget';
    return l.points.length === 1 ? 'single-point' : 'knee';
  }

  private ladder(kind: ExecutorKind): Ladder {
    const l = this.ladders.get(kind);
    if (!l) throw new Error(`executor ${kind} is not part of this profile`);
    return l;
  }
}

function isPool(kind: ExecutorKind): boolean {
  return kind === 'thread' || kind === 'process' || kind === 'distributed';
}

function pow2AtMost(x: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, x)));
}

function pow2AtLeast(x: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, x)));
}
