// Runs a few lines of Python against the harness's modules (python/), with the machine's
// python3: the unit tests that hold a Python half of a contract to the same cases as
// the TypeScript half, or drive a harness function with scripted inputs.
import { execFileSync } from 'node:child_process';
import { pythonFile } from '../../src/engine/paths';

/** Runs `lines` with python/ importable and `input` as JSON on stdin; returns what the script printed, parsed as JSON. */
export function harnessPython<T>(lines: string[], input: unknown): T {
  const script = ['import json, sys', `sys.path.insert(0, ${JSON.stringify(pythonFile(''))})`, ...lines].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 20_000 })) as T;
}
