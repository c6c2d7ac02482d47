// The whole orchestrator, as the CLI and the extension call it.
export { profile } from '../../src/engine/profile';
export { DEFAULTS } from '../../src/shared/options';
