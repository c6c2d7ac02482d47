// Helpers for the CLI tests of compare, the gate and --html: run the real CLI (nice'd, the
// machine is shared) and derive reports with known differences from a real one.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import type { Report } from '../../src/shared/report';

const bin = path.join(packageRoot(), 'bin/workload-profiler.js');

export function cli(args: string[], timeout = 90_000) {
  const r = spawnSync('nice', ['-n', '10', process.execPath, bin, ...args], { encoding: 'utf8', timeout, cwd: packageRoot() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The report with every throughput multiplied by `factor`: the function got that much faster. */
export function scaled(report: Report, factor: number): Report {
  const copy: Report = JSON.parse(JSON.stringify(report));
  copy.id = `${report.id}-x${factor}`;
  copy.createdAt = new Date(Date.parse(report.createdAt) + 60_000).toISOString();
  for (const r of copy.runs) r.throughputPerSec *= factor;
  return copy;
}

/**
 * The report with every pool run's speedup interval narrowed to ±`relative`. A real run
 * on a busy shared machine can have intervals so wide that even a fourfold change is
 * not told apart from noise; tests of the "significant" path fix the width instead.
 */
export function tightened(report: Report, relative = 0.05): Report {
  const copy: Report = JSON.parse(JSON.stringify(report));
  for (const r of copy.runs) if (r.executor !== 'sequential') r.speedupCi = [r.speedup * (1 - relative), r.speedup * (1 + relative)];
  return copy;
}

export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('error:'));
}

