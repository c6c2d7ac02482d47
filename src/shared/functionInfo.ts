// A function found in a source file: what the code lens, the quick pick and the loader
// all agree on. Besides top-level functions that includes members reached by one dot
// ("Parser.parse", "api.get"; Python "Class.static_or_class_method") and CommonJS
// exports ("dumpYaml" from `module.exports = { dumpYaml }`).
export interface FunctionInfo {
  /** What the user types: "fib", "api.get", "Parser.parse". */
  name: string;
  /** 1-based line of the declaration (where the lens goes). */
  line: number;
  /** 0-based column of the name. */
  column: number;
  endLine: number;
  isAsync: boolean;
  /**
   * How it is declared, for messages: "function", "arrow", "function-expression",
   * "method", "static method", "static property", "def", "async def", "staticmethod",
   * "classmethod".
   */
  declaration: string;
  exported: boolean;
  /**
   * JS only: the module-scope expression that holds this function as the property named
   * by the last segment of `name` ("api", "Parser", "module.exports", "exports"). Absent
   * for a plain top-level binding.
   */
  owner?: string;
  /** Pinned settings from a `// @workload args=[25] budget=10` comment right above it. */
  directive?: WorkloadDirective;
}

/**
 * A name that is not a profilable function, for "X is a class, not a function": a
 * top-level class or variable, or "Class.method" of an instance method.
 */
export interface NonFunctionBinding {
  name: string;
  what: 'class' | 'variable' | 'method that needs an instance';
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
