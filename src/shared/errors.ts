// One place for the errors the engine raises on purpose. Each maps to a CLI exit code
// and carries a one-line message that says what to do about it.
import type { ErrorSample } from './report';

export type ProfileErrorCode = 'bad-input' | 'function-failed' | 'cancelled' | 'internal';

export const EXIT_CODES: Record<ProfileErrorCode, number> = {
  'bad-input': 2,
  'function-failed': 3,
  cancelled: 130,
  internal: 1,
};

export class ProfileError extends Error {
  constructor(
    readonly code: ProfileErrorCode,
    message: string,
    /** The user's error, for function-failed. */
    readonly userError?: ErrorSample,
  ) {
    super(message);
    this.name = 'ProfileError';
  }
}

export const Errors = {
  fileNotFound: (file: string) => new ProfileError('bad-input', `File not found: ${file}. Check the path (it is resolved from the current directory).`),
  notAFile: (file: string) => new ProfileError('bad-input', `${file} is a directory, not a source file. Point at a .js/.ts/.py file.`),
  unsupportedFile: (file: string) =>
    new ProfileError('bad-input', `Unsupported file type: ${file}. Use .js .mjs .cjs .ts .mts .cts .jsx .tsx or .py.`),
  binaryFile: (file: string) => new ProfileError('bad-input', `${file} is not a text source file.`),
  emptyFile: (file: string) => new ProfileError('bad-input', `${file} is empty: there is no function to profile.`),
  functionNotFound: (name: string, file: string, available: string[]) =>
    new ProfileError(
      'bad-input',
      `No top-level function "${name}" in ${file}. ` +
        (available.length ? `Top-level functions there: ${available.join(', ')}.` : 'That file has no top-level functions.'),
    ),
  notAFunction: (name: string, file: string, what: string) =>
    new ProfileError('bad-input', `"${name}" in ${file} is a ${what}, not a function. Point at a top-level function.`),
  syntax: (file: string, line: number, column: number, message: string) =>
    new ProfileError('bad-input', `Syntax error in ${file}:${line}:${column}: ${message}. Fix it and profile again.`),
  unresolvedImport: (file: string, line: number, column: number, specifier: string) =>
    new ProfileError(
      'bad-input',
      `Cannot resolve import "${specifier}" in ${file}:${line}:${column}. Install it in the workspace (npm install ${packageName(specifier)}) or fix the path.`,
    ),
  badArgs: (detail: string) =>
    new ProfileError('bad-input', `--args must be a JSON array, e.g. '[25]' or '["$i"]': ${detail}.`),
  badBudget: (value: string) => new ProfileError('bad-input', `--budget must be a positive number of seconds, got "${value}".`),
  pythonMissing: (tried: string) =>
    new ProfileError(
      'bad-input',
      `No Python interpreter found (tried ${tried}). Install Python 3.9+ or set workloadProfiler.pythonPath / --python.`,
    ),
  pythonBroken: (exe: string, version: string, why: string) =>
    new ProfileError(
      'bad-input',
      `${exe} (Python ${version}) could not load Workload Profiler's harness: ${why || 'it exited with an error'}. Set workloadProfiler.pythonPath / --python to another interpreter, or reinstall the extension.`,
    ),
  pythonTooOld: (exe: string, version: string) =>
    new ProfileError('bad-input', `${exe} is Python ${version}; Workload Profiler needs Python 3.9 or later. Set workloadProfiler.pythonPath / --python.`),
  functionFailed: (name: string, err: ErrorSample) =>
    new ProfileError('function-failed', `${name} threw on its first call: ${err.kind}: ${err.message}`, err),
  everyCallFailed: (name: string, err: ErrorSample) =>
    new ProfileError('function-failed', `${name} worked on its first call but failed on every measured call after it: ${err.kind}: ${err.message}`, err),
  importFailed: (file: string, err: ErrorSample, python: string) =>
    new ProfileError(
      'function-failed',
      `Importing ${file} failed: ${err.kind}: ${err.message}.` +
        (err.kind === 'ModuleNotFoundError' || err.kind === 'ImportError'
          ? ` Is ${python} the interpreter with your project's packages? Select it with --python / workloadProfiler.pythonPath.`
          : ' Fix the error at import time (see the traceback) and profile again.'),
      err,
    ),
  cancelled: () => new ProfileError('cancelled', 'Profile cancelled; every worker and child process was stopped.'),
  busy: () => new ProfileError('bad-input', 'A profile is already running. Wait for it to finish or cancel it first.'),
};

/** "lodash/fp" → "lodash", "@scope/pkg/x" → "@scope/pkg". */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * An executor that cannot run on this machine (e.g. no Redis for the distributed one).
 * The orchestrator skips that executor with the message as a note instead of failing
 * the whole profile; run on its own, it is a one-line bad-input error.
 */
export class ExecutorUnavailable extends ProfileError {
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'ExecutorUnavailable';
  }
}
