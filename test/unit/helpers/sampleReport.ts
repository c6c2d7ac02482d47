// A complete, valid Report with nothing measured in it, for tests that need a report to
// store, compare or render and set only the fields they are about.
import { SCHEMA_VERSION, type Environment, type Report } from '../../../src/shared/report';

export function sampleEnvironment(over: Partial<Environment> = {}): Environment {
  return {
    cores: 2,
    platform: 'linux',
    arch: 'x64',
    node: 'v20.0.0',
    cpuModel: 'test',
    totalMemoryMb: 1024,
    backgroundLoad: { busyCores: 0, utilization: 0, steal: 0, busy: false },
    ...over,
  };
}

/** fib(20) in /w/cpu.js, CPU-bound, no runs: override what the test is about. */
export function sampleReport(over: Partial<Report> = {}): Report {
  return {
    schemaVersion: SCHEMA_VERSION,
    id: 'r',
    createdAt: '2024-01-01T00:00:00.000Z',
    durationMs: 1000,
    budgetMs: 3000,
    target: { file: '/w/cpu.js', function: 'fib', language: 'javascript', args: [20] },
    environment: sampleEnvironment(),
    probe: { wallMs: 1, cpuMs: 1, cpuSource: 'process.threadCpuUsage' },
    runs: [],
    timeline: { intervalMs: 100, cores: [[], []], marks: [] },
    verdict: { kind: 'cpu-bound', confidence: 0.9, cpuRatio: 0.98, reasons: ['busy'] },
    recommendation: { executor: 'thread', workers: 2, expectedSpeedup: 1.9, formulaWorkers: 2, reason: 'cores' },
    caveats: [],
    ...over,
  };
}
