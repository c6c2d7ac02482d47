// What the analysis reads and returns. Pure types; docs/model.md describes the rules.
import type { BackgroundLoad, Caveat, ColdStart, ExecutorKind, GilProbe, Language, Recommendation, RunResult, ScalingFit, Verdict } from '../shared/report';

/** Why a ladder stopped climbing, as the orchestrator saw it. */
export type LadderStop = 'knee' | 'budget' | 'cap' | 'failures' | 'single-point';

export interface AnalysisInput {
  language: Language;
  /** `async function` / `async def`. */
  isAsync: boolean;
  cores: number;
  runs: RunResult[];
  /** The single call measured before the ladder. */
  probe: { wallMs: number; cpuMs: number | null; gil?: GilProbe };
  background: BackgroundLoad;
  python?: { gilEnabled: boolean };
  /** libuv's pool size in the profiled processes (UV_THREADPOOL_SIZE, default 4). */
  uvThreadpoolSize?: number;
  /**
   * Why each ladder stopped. When absent for an executor, "still scaling" is inferred from
   * its last two points (growth >= STILL_SCALING_GROWTH).
   */
  stops?: Partial<Record<ExecutorKind, LadderStop>>;
  /** Each executor's warm-up, as the report gives it: pools measured before they settled read low. */
  coldStart?: Partial<Record<ExecutorKind, ColdStart>>;
}

export interface Analysis {
  verdict: Verdict;
  recommendation: Recommendation;
  caveats: Caveat[];
  /** One entry per measured pool/async ladder (local executors only). */
  scaling: ScalingFit[];
}
