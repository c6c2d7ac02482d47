// Every id the extension contributes, declared once. package.json's "contributes" uses
// the same strings; test/integration checks that the two agree.

import { EDITOR_LANGUAGE_IDS } from '../engine/languages/language';

export const Commands = {
  profileAtCursor: 'workloadProfiler.profileAtCursor',
  profileFunction: 'workloadProfiler.profileFunction',
  rerunLast: 'workloadProfiler.rerunLast',
  showReport: 'workloadProfiler.showReport',
  compareWithPrevious: 'workloadProfiler.compareWithPrevious',
  exportReport: 'workloadProfiler.exportReport',
  clearResults: 'workloadProfiler.clearResults',
  // Tree items' inline and context-menu actions (hidden from the palette).
  openRun: 'workloadProfiler.openRun',
  rerunRun: 'workloadProfiler.rerunRun',
  exportRun: 'workloadProfiler.exportRun',
  deleteRun: 'workloadProfiler.deleteRun',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

export const VIEW_CONTAINER_ID = 'workloadProfiler';
export const RESULTS_VIEW_ID = 'workloadProfiler.results';
export const REPORT_VIEW_TYPE = 'workloadProfiler.report';

/** Context keys used in package.json `when` clauses. */
export const ContextKeys = {
  hasResults: 'workloadProfiler.hasResults',
  canCompare: 'workloadProfiler.canCompare',
  hasLastRun: 'workloadProfiler.hasLastRun',
  running: 'workloadProfiler.running',
  cursorInFunction: 'workloadProfiler.cursorInFunction',
  reportFocused: 'workloadProfiler.reportFocused',
} as const;

/** Languages the engine can profile (VS Code language ids). */
export const PROFILED_LANGUAGES = EDITOR_LANGUAGE_IDS;

export const EXTENSION_ID = 'workload-profiler.workload-profiler';

/** The code lens above each function (the e2e test clicks it by this text). */
export const PROFILE_LENS_TITLE = '$(pulse) Profile workload';
