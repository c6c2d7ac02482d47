// Kept so existing imports compile: the analysis lives in src/analysis/, the words and
// number formats in src/shared/.
export { classify } from './classify';
export type { Analysis, AnalysisInput, LadderStop } from './types';
export { CPU_BOUND_AT, IO_BOUND_AT, KNEE_TOLERANCE } from './evidence';
export { BATCH_OVERHEAD_TARGET, TINY_OVERHEAD_SHARE } from './overhead';
export { formulaWorkersOf, MIN_FORMULA_CPU_RATIO, MIN_GAIN, waitOverCompute } from './recommend';
export { executorName, unitOf } from '../shared/names';
export { ms, pct, x } from '../shared/format';
