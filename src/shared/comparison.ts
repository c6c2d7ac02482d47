// What comparing two reports returns (src/analysis/compare.ts), read by the words
// (compareFormat.ts) and the panel: plain data.
import type { ExecutorKind } from './report';

/** faster / slower: the 95% interval of new ÷ old lies wholly above / below 1. */
export type Significance = 'faster' | 'slower' | 'no-change';

/** Where a run's throughput interval came from (see throughputInterval). */
export type IntervalSource = 'stored' | 'from-speedup' | 'unknown';

export interface Change {
  old: number;
  new: number;
  /** new ÷ old; 0 when old is 0. */
  ratio: number;
  /** 95% interval of the ratio. */
  ci: [number, number];
  call: Significance;
}

export interface PointComparison {
  executor: ExecutorKind;
  concurrency: number;
  throughput: Change;
  /** Absent for the sequential baseline, whose speedup is 1 by definition. */
  speedup?: Change;
  /** Either side was flagged noisy when it was measured. */
  noisy: boolean;
  intervals: { old: IntervalSource; new: IntervalSource };
}

export type HeadlineKind = 'verdict' | 'gil' | 'recommendation';

/** A change of conclusion, which a reader must see before any number. */
export interface HeadlineChange {
  what: HeadlineKind;
  old: string;
  new: string;
}

export interface ReportRef {
  id: string;
  createdAt: string;
  schemaVersion: number;
}

export interface Comparison {
  function: string;
  old: ReportRef;
  new: ReportRef;
  headline: HeadlineChange[];
  /** The sequential baseline (how fast one call is) and the best point of each report. */
  summary: { baseline?: Change; best?: Change & { oldAt: PointId; newAt: PointId } };
  points: PointComparison[];
  onlyInOld: PointId[];
  onlyInNew: PointId[];
  /** Differences in how the two were measured that weaken the comparison. */
  caveats: string[];
}

export interface PointId {
  executor: ExecutorKind;
  concurrency: number;
}
