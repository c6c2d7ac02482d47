// Arguments arrive as JSON text (CLI --args, a directive, the extension's input box)
// and are only ever JSON.parse-d, never evaluated. "$i" lets every task get a different
// argument without the user writing a generator.
import { Errors } from './errors';

export function parseArgsJson(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw Errors.badArgs(`${(e as Error).message.replace(/\.$/, '')} in ${preview(text)}`);
  }
  if (!Array.isArray(parsed)) {
    const what = parsed === null ? 'null' : typeof parsed === 'object' ? 'an object' : `a ${typeof parsed}`;
    throw Errors.badArgs(`got ${what} (${preview(text)}); wrap the arguments in [ ]`);
  }
  return parsed;
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

function preview(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 37)}...` : t);
}
