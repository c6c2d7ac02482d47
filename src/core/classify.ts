// Kept so existing imports compile: the analysis lives in src/analysis/, the words and
// number formats in src/shared/.
export { classify } from '../analysis/classify';
export type { Analysis, AnalysisInput, LadderStop } from '../analysis/types';
export { CPU_BOUND_AT, IO_BOUND_AT, KNEE_TOLERANCE } from '../analysis/evidence';
export { BATCH_OVERHEAD_TARGET, TINY_OVERHEAD_SHARE } from '../analysis/overhead';
export { formulaWorkersOf, MIN_FORMULA_CPU_RATIO, MIN_GAIN, waitOverCompute } from '../analysis/recommend';
export { executorName, unitOf } from '../shared/names';
export { ms, pct, x } from '../shared/format';
