// The JS runtime, the engine's throughput statistics and its CPU clock, bundled for the bench alone.
export { createJsRuntime } from '../../src/core/js/jsRuntime';
export { throughputStats } from '../../src/core/stats';
export { DEFAULTS } from '../../src/core/options';
export { threadCpuClock } from '../../src/core/js/cpuClock';
