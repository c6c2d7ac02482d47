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
  const queueError = parseQueueDirective(rest, out);
  if (queueError) out.error = queueError;
  const budget = /\bbudget\s*=\s*([^\s,]+)/.exec(rest);
  if (budget) {
    const n = Number(budget[1]);
    if (Number.isFinite(n) && n > 0) out.budgetSec = n;
    else out.error = `budget= must be a positive number of seconds, got "${budget[1]}"`;
  }
  return out;
}

/**
 * Queue mode: `queue` as a word outside any JSON value, then optional `seeds=[…]`
 * (JSON), `max-items=N` and `no-dedupe`. Fills out.queue; returns an error message.
 */
function parseQueueDirective(rest: string, out: WorkloadDirective): string | undefined {
  // Blank out JSON arrays first, so "queue" inside args or seeds does not switch the mode.
  let bare = '';
  for (let i = 0; i < rest.length; i++) {
    const end = rest[i] === '[' ? matchingBracket(rest, i) : -1;
    if (end > i) {
      bare += ' '.repeat(end - i + 1);
      i = end;
    } else bare += rest[i];
  }
  if (!/(^|\s)queue(\s|$)/.test(bare)) return undefined;
  const q: NonNullable<WorkloadDirective['queue']> = {};
  out.queue = q;
  const seedsAt = bare.search(/\bseeds\s*=/);
  if (seedsAt >= 0) {
    const start = rest.indexOf('[', seedsAt);
    const end = start < 0 ? -1 : matchingBracket(rest, start);
    if (start < 0 || end < 0) return 'seeds= must be followed by a JSON array, e.g. seeds=["/"]';
    try {
      const parsed: unknown = JSON.parse(rest.slice(start, end + 1));
      if (!Array.isArray(parsed) || parsed.length === 0) return 'seeds= must be a non-empty JSON array';
      q.seeds = parsed;
    } catch (e) {
      return `seeds= is not valid JSON: ${(e as Error).message}`;
    }
  }
  const max = /\bmax-?items\s*=\s*([^\s,]+)/i.exec(bare);
  if (max) {
    const n = Number(max[1]);
    if (!Number.isInteger(n) || n < 1) return `max-items= must be a positive whole number, got "${max[1]}"`;
    q.maxItems = n;
  }
  if (/(^|\s)no-dedupe(\s|$)/.test(bare)) q.dedupe = false;
  return undefined;
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
