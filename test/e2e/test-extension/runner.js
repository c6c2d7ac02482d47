// Test-only extension: code-server ignores --extensionTestsPath, so this is how the
// mocha integration suite gets into a real extension host there. The harness
// (test/e2e/e2e.mjs) starts the server with WP_INTEGRATION_RESULTS (where to write the
// JSON results) and WP_INTEGRATION_SUITE (the compiled suite); without them this
// extension does nothing, so it is harmless if left installed.
'use strict';
const fs = require('fs');
const path = require('path');

function writeResults(file, results) {
  // Written to a temp name first, so the harness never reads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
  fs.renameSync(tmp, file);
}

/**
 * The suite's run() only says pass or fail. To report each test, listen on the mocha
 * Runner it starts: the suite requires the same mocha module (it is external to the
 * bundle and resolves to the repo's node_modules), so wrapping Mocha.prototype.run here
 * sees that runner.
 */
function collectMochaResults(suiteFile, results) {
  let Mocha;
  try {
    Mocha = require(require.resolve('mocha', { paths: [path.dirname(suiteFile)] }));
  } catch {
    return () => {};
  }
  const originalRun = Mocha.prototype.run;
  Mocha.prototype.run = function (...args) {
    const runner = originalRun.apply(this, args);
    runner.on('pass', (test) => {
      results.passed++;
      results.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
    });
    runner.on('fail', (test, err) => {
      results.failed++;
      const failure = {
        title: test.fullTitle(),
        error: String((err && err.message) || err),
        stack: err && err.stack ? String(err.stack).split('\n').slice(0, 8).join('\n') : undefined,
      };
      results.failures.push(failure);
      results.tests.push({ title: failure.title, state: 'failed' });
    });
    runner.on('pending', (test) => {
      results.skipped++;
      results.tests.push({ title: test.fullTitle(), state: 'skipped' });
    });
    return runner;
  };
  return () => {
    Mocha.prototype.run = originalRun;
  };
}

async function activate() {
  const out = process.env.WP_INTEGRATION_RESULTS;
  if (!out) return;
  const suiteFile =
    process.env.WP_INTEGRATION_SUITE ||
    path.resolve(__dirname, '..', '..', '..', 'dist', 'test-integration', 'index.js');
  const results = { passed: 0, failed: 0, skipped: 0, failures: [], tests: [], suite: suiteFile };
  const started = Date.now();
  let restore = () => {};
  try {
    if (!fs.existsSync(suiteFile)) throw new Error(`integration suite not found: ${suiteFile} (run npm run build)`);
    restore = collectMochaResults(suiteFile, results);
    const suite = require(suiteFile);
    if (typeof suite.run !== 'function') throw new Error(`${suiteFile} does not export run()`);
    await suite.run();
  } catch (err) {
    // run() rejects when tests failed; those are already counted. Anything else (the
    // suite could not load, or failed outside a test) counts as one failure of its own.
    if (results.failed === 0) {
      results.failed++;
      results.failures.push({
        title: 'integration suite',
        error: String((err && err.message) || err),
        stack: err && err.stack ? String(err.stack).split('\n').slice(0, 8).join('\n') : undefined,
      });
    }
  } finally {
    restore();
    results.durationMs = Date.now() - started;
    writeResults(out, results);
  }
}

function deactivate() {}

module.exports = { activate, deactivate };
