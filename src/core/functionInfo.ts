// A top-level function found in a source file: what the code lens, the quick pick and
// the loader all agree on.
export interface FunctionInfo {
  name: string;
  /** 1-based line of the declaration (where the lens goes). */
  line: number;
  /** 0-based column of the name. */
  column: number;
  endLine: number;
  isAsync: boolean;
  /** How it is declared, for messages ("function", "arrow", "function-expression", "def", "async def"). */
  declaration: string;
  exported: boolean;
  /** Pinned settings from a `// @workload args=[25] budget=10` comment right above it. */
  directive?: WorkloadDirective;
}

/** A top-level name that is not a function (for "X is a class, not a function"). */
export interface NonFunctionBinding {
  name: string;
  what: 'class' | 'variable';
  line: number;
}

export interface WorkloadDirective {
  args?: unknown[];
  budgetSec?: number;
  /** `@workload queue seeds=[…] max-items=N no-dedupe`: profile in queue mode. */
  queue?: { seeds?: unknown[]; maxItems?: number; dedupe?: boolean };
  /** Set when the directive could not be read, so the user can be told why. */
  error?: string;
}
