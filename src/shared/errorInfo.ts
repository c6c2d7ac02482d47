// Turns whatever user code threw into a small, cloneable record with the user's own
// stack: frames in the bundle are pointed at the user's lines (mapUserStacksWith, set
// by the host that loaded the bundle), and our runtime's frames (the worker/child
// scripts, piscina, node internals) are trimmed because they only say how we called the
// function.
import { clipText, MAX_DISTINCT_ERRORS, MAX_MESSAGE_CHARS, MAX_STACK_CHARS, OTHER_ERRORS_MESSAGE } from './pointContract';
import type { ErrorSample } from './report';

export interface ErrorInfo {
  kind: string;
  message: string;
  stack?: string;
}

const OUR_FRAMES = /[\\/]dist[\\/]hosted[\\/]|[\\/]node_modules[\\/](piscina|tinypool)[\\/]|\(node:|at node:|\[worker eval\]/;

/** Rewrites a raw stack's frames before they are trimmed (a host's bundle source map). */
let stackMapper: ((stack: string) => string) | undefined;

/** Set once by a host when it loads the user's bundle (hosted/lib/targetHost.ts). */
export function mapUserStacksWith(mapper: (stack: string) => string): void {
  stackMapper = mapper;
}

export function toErrorInfo(err: unknown): ErrorInfo {
  try {
    return describe(err);
  } catch {
    // A Proxy whose traps throw, say: describing it must not end the thread or child.
    return { kind: 'thrown value', message: `${typeof err} that could not be described` };
  }
}

function describe(err: unknown): ErrorInfo {
  if (err instanceof Error || (err !== null && typeof err === 'object' && 'message' in err)) {
    const e = err as Error;
    const kind = safe(() => e.name || e.constructor?.name) || 'Error';
    const message = clip(safe(() => String(e.message)) ?? '', MAX_MESSAGE_CHARS);
    const stack = safe(() => (typeof e.stack === 'string' ? userStack(mapped(e.stack)) : undefined));
    return stack ? { kind, message, stack } : { kind, message };
  }
  const described = safe(() => (typeof err === 'string' ? err : JSON.stringify(err))) ?? String(err);
  return { kind: 'thrown value', message: clip(`${typeof err}: ${described}`, MAX_MESSAGE_CHARS) };
}

/** Keeps the message line(s) and the frames that are the user's, in file-path form. */
export function userStack(stack: string): string {
  const lines = stack.split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    const isFrame = /^\s+at /.test(line);
    if (isFrame && OUR_FRAMES.test(line)) continue;
    kept.push(line.replace(/file:\/\/(\/[^\s):]+)/g, (_m, p: string) => decodeURIComponent(p)));
  }
  // Our closed loop awaits calls through Promise.allSettled; that async frame ends the
  // stack of every call and is not the user's.
  while (kept.length > 1 && /^\s+at async Promise\.(all|allSettled)\b/.test(kept[kept.length - 1])) kept.pop();
  return clip(kept.join('\n'), MAX_STACK_CHARS);
}

const clip = clipText;

/** The stack through the host's mapper; unmapped when there is none, or it fails. */
function mapped(stack: string): string {
  return (stackMapper && safe(() => stackMapper!(stack))) ?? stack;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** Aggregates failures by kind and message, keeping the first stack of each. */
export class ErrorTally {
  private readonly byKey = new Map<string, ErrorSample>();
  total = 0;

  add(e: ErrorInfo, count = 1): void {
    this.total += count;
    const key = `${e.kind}\u0000${e.message}`;
    const s = this.byKey.get(key);
    if (s) s.count += count;
    else if (this.byKey.size < MAX_DISTINCT_ERRORS) this.byKey.set(key, { ...e, count });
    else {
      // Distinct messages without bound (ids in them): fold the rest into one entry.
      const other = this.byKey.get('\u0001') ?? { kind: e.kind, message: OTHER_ERRORS_MESSAGE, stack: e.stack, count: 0 };
      other.count += count;
      this.byKey.set('\u0001', other);
    }
  }

  samples(): ErrorSample[] {
    // The catch-all goes last: a real message is the better example of what went wrong.
    const other = this.byKey.get('\u0001');
    const named = [...this.byKey.entries()].filter(([k]) => k !== '\u0001').map(([, v]) => v);
    return [...named.sort((a, b) => b.count - a.count), ...(other ? [other] : [])];
  }
}
