// The Python runtime, bundled for the bench alone.
export { createPythonRuntime } from '../../src/engine/python/pythonRuntime';
export { throughputStats } from '../../src/analysis/stats';
export { DEFAULTS } from '../../src/shared/options';
