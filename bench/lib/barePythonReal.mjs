// Warmed bare concurrent.futures pools for a Python fixture (bare_pools.py real): one
// interpreter measures every pool asked for, so they share its start-up.
import { barePython } from './barePython.mjs';

/**
 * `pools`: e.g. ['seq', 'thread:2', 'process:2', 'async:16']. Returns throughputPerSec
 * (calls/s keyed like `pools`), seqCpuRatio (process CPU ÷ wall of back-to-back
 * sequential calls) and isCoroutine.
 */
export function barePythonRealFull(python, { file, fn, args = [], pools, durationMs }) {
  return barePython(python, ['real', '--file', file, '--fn', fn, '--args', JSON.stringify(args), '--pools', pools.join(','), '--duration', String(durationMs / 1000)], 600_000);
}

/** Calls/s of each pool in `pools`. */
export async function barePythonReal(python, opts) {
  return (await barePythonRealFull(python, opts)).throughputPerSec;
}
