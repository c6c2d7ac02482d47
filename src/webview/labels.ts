// Short labels for the webview, the code lens and the results tree. The words and the
// number formats live in src/shared/ (one set for the CLI, the export and the panel);
// this module keeps the names the panel code already imports. Pure: no vscode, no DOM.
import type { Report } from '../shared/report';
import { ms, pct, rate, x } from '../shared/format';
import { executorAt, executorNoun, kindLabel } from '../shared/names';
import { recommendationLine, verdictLine } from '../shared/wording';

export { executorAt, kindLabel, verdictLine };
export { relativeTime } from '../shared/format';

/** Short noun for legends: "thread" / "threads". */
export const executorName = executorNoun;
export const formatSpeedup = x;
export const formatMs = ms;
export const formatPercent = pct;
export const formatRate = rate;

/** The panel's answer line: the same sentence as the CLI's "Recommendation:" line. */
export function recommendationSentence(report: Report): string {
  return recommendationLine(report);
}
