// The JS runtime, the engine's throughput statistics and its CPU clock, bundled for the bench alone.
export { createJsRuntime } from '../../src/engine/js/jsRuntime';
export { throughputStats } from '../../src/analysis/stats';
export { DEFAULTS } from '../../src/shared/options';
export { threadCpuClock } from '../../src/hosted/lib/cpuClock';
