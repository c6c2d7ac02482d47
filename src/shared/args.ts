// Arguments arrive as JSON text (CLI --args, a directive, the extension's input box)
// and are only ever JSON.parse-d, never evaluated. "$i" lets every task get a different
// argument without the user writing a generator.
import { Errors } from './errors';

export function parseArgsJson(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw Errors.badArgs(`${oneLine((e as Error).message).replace(/\.$/, '')} in ${preview(text)}`);
  }
  if (!Array.isArray(parsed)) {
    const what = parsed === null ? 'null' : typeof parsed === 'object' ? 'an object' : `a ${typeof parsed}`;
    throw Errors.badArgs(`got ${what} (${preview(text)}); wrap the arguments in [ ]`);
  }
  const problem = argsShapeProblem(parsed);
  if (problem) throw Errors.badArgs(`${problem} (${preview(text)})`);
  return parsed;
}

/** Deeper than this, "$i" substitution and the copy to each worker would overflow the stack. */
export const MAX_ARGS_DEPTH = 100;

/**
 * Why parsed JSON cannot be used as arguments, or undefined when it can. Found by
 * fuzzing: 5000 nested arrays parse, then crashed substitution with a RangeError; and
 * 1e999 parses to Infinity, which a JS function would get but Python would get as None
 * (JSON has no Infinity). Iterative, so it cannot itself overflow the stack.
 */
export function argsShapeProblem(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return 'a number in it is too large (it would become Infinity)';
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_ARGS_DEPTH) return `arrays and objects nest deeper than ${MAX_ARGS_DEPTH} levels`;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * The "$i" rule, shared word for word with python/harness.py `substitute` (a contract
 * test runs one table of cases through both):
 * - a string that is exactly "$i" becomes the number i;
 * - inside a longer string, every "$i" not followed by a letter, digit or "_" becomes
 *   the decimal digits of i ("user-$i" -> "user-7"), so "$id" and "$index" stay text;
 * - object keys are never rewritten, only values, at any depth.
 * Returns a copy; `args` is not mutated.
 */
export function substituteIndex(args: unknown[], i: number): unknown[] {
  return args.map((a) => substitute(a, i));
}

/** "$i" as a token: the next character is not [A-Za-z0-9_] (ASCII, as in the harness). */
const INDEX_TOKEN = /\$i(?![A-Za-z0-9_])/g;

function substitute(value: unknown, i: number): unknown {
  if (typeof value === 'string') {
    if (value === '$i') return i;
    // A replacer function, so a "$" in the digits could never be read as a pattern.
    return value.includes('$i') ? value.replace(INDEX_TOKEN, () => String(i)) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, i));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a "__proto__" key stays plain data.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, i)]));
  }
  return value;
}

/** True when some "$i" appears, so callers can skip copying args per task otherwise. */
export function usesIndex(args: unknown[]): boolean {
  const walk = (v: unknown): boolean =>
    typeof v === 'string'
      ? v === '$i' || new RegExp(INDEX_TOKEN.source).test(v)
      : Array.isArray(v)
        ? v.some(walk)
        : v !== null && typeof v === 'object'
          ? Object.values(v).some(walk)
          : false;
  return args.some(walk);
}

/**
 * V8's JSON.parse messages quote the input, newlines and all; errors here are one line
 * (found by fuzzing), so control characters are shown escaped.
 */
export function oneLine(message: string): string {
  // Matching control characters is the point here.
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function preview(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 37)}...` : t);
}
