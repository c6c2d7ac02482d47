// The Python runtime, bundled for the bench alone.
export { createPythonRuntime } from '../../src/core/python/pythonRuntime';
export { throughputStats } from '../../src/core/stats';
export { DEFAULTS } from '../../src/core/options';
