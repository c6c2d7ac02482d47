// Hot spots: where inside the user's function the CPU time goes. They come from a
// separate, short pass with a CPU profiler on, run once the ladder is done. Python's
// frame sampler runs in the sequential executor's harness, loaded and warm by then, so
// the pass costs its window only (an interpreter of its own cost 0.3-0.6 s more of a
// 3-6 s budget). JS/TS runs V8's inspector Profiler on a fresh worker thread: on the
// warm sequential thread, Node 24's V8 charged a function inlined before the profiler
// started to its caller (our call loop), and the user's busy loop vanished from the
// list. That thread warms up first (hotspotWarmup) with the profiler already on, so what
// the JIT optimises then keeps its inlined frames, and the warm-up's samples are dropped:
// the profile shows steady calls. The ladder keeps the pass's time back
// (hotspotReserveMs). The pass is never counted: no measured point runs with a profiler
// attached, so the profiler's own slowdown cannot bend a throughput figure.
import type { HotspotResult, TargetRuntime } from '../executorTypes';
import type { Hotspot, Report, WarmupPolicy } from '../../shared/report';
import { round3 } from '../../shared/rounding';

/** Share of the budget the pass may use, and its bounds. */
const BUDGET_SHARE = 0.04;
const MIN_PASS_MS = 100;
const MAX_PASS_MS = 500;
/** Handing the profile back and folding it, past the window (measured: 20-40 ms for ~1000 samples). */
const HANDBACK_MS = 60;
/** A single call may take up to this share of the budget (slow functions get one call). */
const MAX_ONE_CALL_SHARE = 0.1;
/** Side effects: never make more extra calls than this, however fast the function is. */
const MAX_CALLS = 100_000;
/** Functions listed in the report. */
export const TOP_HOTSPOTS = 8;
/** Shares below this are noise from a few samples. */
const MIN_SHARE = 0.01;

export interface HotspotPlan {
  durationMs: number;
  maxCalls: number;
}

/** How long the pass runs, or why it is skipped. */
export function planHotspots(budgetMs: number, callMs: number): HotspotPlan | { skip: string } {
  const window = Math.min(MAX_PASS_MS, Math.max(MIN_PASS_MS, budgetMs * BUDGET_SHARE));
  if (callMs > window && callMs > budgetMs * MAX_ONE_CALL_SHARE) {
    return {
      skip: `No hot spots: one call takes ${fmtMs(callMs)}, more than the ${Math.round(MAX_ONE_CALL_SHARE * 100)}% of the ${fmtMs(budgetMs)} budget a profiled call may use. Raise the budget to get them.`,
    };
  }
  return { durationMs: window, maxCalls: MAX_CALLS };
}

/**
 * What the ladder keeps back for the pass that follows it: a fresh worker's start and
 * warm-up (at most the window again), its window, the call that crosses it, the hand-back.
 */
export function hotspotReserveMs(runtime: TargetRuntime, budgetMs: number, callMs: number): number {
  if (!runtime.hotspots) return 0;
  const plan = planHotspots(budgetMs, callMs);
  return 'skip' in plan ? 0 : (runtime.hotspotsSetupMs?.(plan.durationMs) ?? 0) + plan.durationMs + callMs + HANDBACK_MS;
}

/**
 * The rule a fresh worker warms up by before its profiled calls: the sequential worker's,
 * with no more time than the pass's own window. A cold JS thread ran marked's first call
 * in 163 ms where a warm one takes 27, and a lazily-initialised function spent its only
 * profiled call building its state: hot spots of the JIT's first tiers and of setup,
 * not of the calls the report measures.
 */
export function hotspotWarmup(policy: WarmupPolicy, plan: HotspotPlan): WarmupPolicy {
  // The pass's own window caps it, compiling or not: no longer cap while V8 compiles.
  const { compilingMaxMs: _longer, ...rest } = policy;
  return { ...rest, maxMs: Math.min(policy.maxMs, plan.durationMs) };
}

/**
 * The orchestrator's one call: runs the pass if the runtime offers it and the budget
 * allows. A failing pass never fails the profile; it leaves a note saying why.
 */
export async function profileHotspots(
  runtime: TargetRuntime,
  budgetMs: number,
  callMs: number,
  taskIndexStart: number,
  warmup: WarmupPolicy,
  signal: AbortSignal,
): Promise<(HotspotResult & { fields: Pick<Report, 'hotspots' | 'hotspotsNote' | 'hotspotWaits'> }) | undefined> {
  if (!runtime.hotspots) return undefined;
  const plan = planHotspots(budgetMs, callMs);
  if ('skip' in plan) return { hotspots: [], note: plan.skip, calls: 0, wallMs: 0, fields: { hotspotsNote: plan.skip } };
  let result: HotspotResult;
  try {
    result = await runtime.hotspots({ ...plan, taskIndexStart, warmup: hotspotWarmup(warmup, plan) }, signal);
  } catch (e) {
    if (signal.aborted) throw e;
    const note = `No hot spots: the profiling pass failed (${firstLine(e)}).`;
    return { hotspots: [], note, calls: 0, wallMs: 0, fields: { hotspotsNote: note } };
  }
  const fields: Pick<Report, 'hotspots' | 'hotspotsNote' | 'hotspotWaits'> = { hotspots: result.hotspots, hotspotsNote: result.note };
  if (result.waits?.length) fields.hotspotWaits = result.waits;
  return { ...result, fields };
}

/** One function's tally while a profile is being folded. */
export interface HotspotTally {
  function: string;
  file: string;
  line: number;
  origin: Hotspot['origin'];
  weight: number;
  lines: Map<number, number>;
}

export function tallyKey(fn: string, file: string, line: number): string {
  return `${fn}\u0000${file}\u0000${line}`;
}

/** Sorts by weight, keeps the top few above the noise floor, and turns weights into shares of `total`. */
export function rankHotspots(tallies: Iterable<HotspotTally>, total: number): Hotspot[] {
  if (!(total > 0)) return [];
  return [...tallies]
    .filter((t) => t.weight / total >= MIN_SHARE)
    .sort((a, b) => b.weight - a.weight)
    .slice(0, TOP_HOTSPOTS)
    .map((t) => {
      const h: Hotspot = { function: t.function || '(anonymous)', file: t.file, line: t.line, selfShare: round3(t.weight / total), origin: t.origin };
      let best = 0;
      for (const [line, w] of t.lines) {
        if (w > best) {
          best = w;
          h.hotLine = line;
        }
      }
      return h;
    });
}

/** node_modules (JS) and site-/dist-packages (Python) are somebody else's code: kept, labelled. */
export function isDependencyPath(file: string): boolean {
  return /[\\/](node_modules|site-packages|dist-packages)[\\/]/.test(file);
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);
}
