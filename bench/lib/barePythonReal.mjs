// Warmed bare concurrent.futures pools for a Python fixture (bare_pools.py real): one
// interpreter measures every pool asked for, so they share its start-up.
import { barePython } from './barePython.mjs';

/**
 * `pools`: e.g. ['seq', 'thread:2', 'process:2', 'async:16']. Returns throughputPerSec
 * (calls/s keyed like `pools`), seqCpuRatio (process CPU ÷ wall of back-to-back
 * sequential calls), seqThreadCpuRatio (the calling thread's own CPU ÷ that wall) and
 * isCoroutine.
 */
export function barePythonRealFull(python, { file, fn, args = [], pools, durationMs }) {
  return barePython(python, ['real', '--file', file, '--fn', fn, '--args', JSON.stringify(args), '--pools', pools.join(','), '--duration', String(durationMs / 1000)], 600_000);
}

/**
 * Speedups of warmed bare pools measured in alternation with sequential windows
 * (bare_pools.py interleaved). `pools`: e.g. ['thread:2', 'process:2']. Returns
 * { speedup: { 'thread:2': x, ... }, ratios: { 'thread:2': [..], ... } }.
 */
export function barePythonInterleaved(python, { file, fn, args = [], pools, windowMs, rounds }) {
  return barePython(python, ['interleaved', '--file', file, '--fn', fn, '--args', JSON.stringify(args), '--pools', pools.join(','), '--window', String(windowMs / 1000), '--rounds', String(rounds)], 600_000);
}
