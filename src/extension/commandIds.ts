// Every id the extension contributes, declared once. package.json's "contributes" uses
// the same strings; test/integration checks that the two agree.

import { EDITOR_LANGUAGE_IDS } from '../engine/languages/language';

/** `{ name: 'workloadProfiler.name' }` for each name: every id carries the extension's prefix. */
function prefixed<const N extends string>(...names: N[]): { readonly [K in N]: `workloadProfiler.${K}` } {
  return Object.fromEntries(names.map((n) => [n, `workloadProfiler.${n}`])) as { readonly [K in N]: `workloadProfiler.${K}` };
}

export const Commands = prefixed(
  'profileAtCursor',
  'profileFunction',
  'rerunLast',
  'showReport',
  'compareWithPrevious',
  'exportReport',
  'clearResults',
  // Tree items' inline and context-menu actions (hidden from the palette).
  'openRun',
  'rerunRun',
  'exportRun',
  'deleteRun',
);

export type CommandId = (typeof Commands)[keyof typeof Commands];

export const VIEW_CONTAINER_ID = 'workloadProfiler';
export const RESULTS_VIEW_ID = 'workloadProfiler.results';
export const REPORT_VIEW_TYPE = 'workloadProfiler.report';

/** Context keys used in package.json `when` clauses. */
export const ContextKeys = prefixed('hasResults', 'canCompare', 'hasLastRun', 'running', 'cursorInFunction', 'reportFocused');

/** Languages the engine can profile (VS Code language ids). */
export const PROFILED_LANGUAGES = EDITOR_LANGUAGE_IDS;

export const EXTENSION_ID = 'workload-profiler.workload-profiler';

/** The code lens above each function (the e2e test clicks it by this text). */
export const PROFILE_LENS_TITLE = '$(pulse) Profile workload';
