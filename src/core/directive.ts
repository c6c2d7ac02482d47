// Reads `@workload args=[25] budget=10` from the comment lines directly above a
// function, so a code lens can run it without asking for arguments. The args value is
// JSON (never evaluated); it may contain spaces, so it is matched bracket by bracket.
import { argsShapeProblem, oneLine } from './args';
import type { WorkloadDirective } from './functionInfo';

const COMMENT = /^\s*(?:\/\/|#|\*|\/\*+)\s?(.*?)(?:\*\/)?\s*$/;

export function parseDirectiveText(text: string): WorkloadDirective | undefined {
  const at = text.indexOf('@workload');
  if (at < 0) return undefined;
  const rest = text.slice(at + '@workload'.length);
  const out: WorkloadDirective = {};
  const argsAt = rest.search(/\bargs\s*=/);
  if (argsAt >= 0) {
    const start = rest.indexOf('[', argsAt);
    const end = start < 0 ? -1 : matchingBracket(rest, start);
    if (start < 0 || end < 0) {
      out.error = 'args= must be followed by a JSON array, e.g. args=[25]';
    } else {
      try {
        const parsed: unknown = JSON.parse(rest.slice(start, end + 1));
        const problem = Array.isArray(parsed) ? argsShapeProblem(parsed) : undefined;
        if (!Array.isArray(parsed)) out.error = 'args= must be a JSON array';
        else if (problem) out.error = `args= ${problem}`;
        else out.args = parsed;
      } catch (e) {
        out.error = `args= is not valid JSON: ${oneLine((e as Error).message)}`;
      }
    }
  }
  const budget = /\bbudget\s*=\s*([^\s,]+)/.exec(rest);
  if (budget) {
    const n = Number(budget[1]);
    if (Number.isFinite(n) && n > 0) out.budgetSec = n;
    else out.error = `budget= must be a positive number of seconds, got "${budget[1]}"`;
  }
  return out;
}

function matchingBracket(s: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Looks at the contiguous comment block ending right above `line` (1-based) and
 * returns the directive found there, if any. Decorator lines (Python `@x`, TS `@x()`)
 * between the comment and the declaration are skipped.
 */
export function directiveAbove(lines: string[], line: number): WorkloadDirective | undefined {
  let i = line - 2;
  while (i >= 0 && /^\s*@(?!workload)\w/.test(lines[i])) i--;
  for (; i >= 0; i--) {
    const m = COMMENT.exec(lines[i]);
    if (!m || lines[i].trim() === '') return undefined;
    if (m[1].includes('@workload')) return parseDirectiveText(m[1]);
  }
  return undefined;
}
