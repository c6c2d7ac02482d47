// End-to-end tests in a real VS Code: code-server (VS Code 1.139 with a Node extension
// host, as VS Code Remote runs it) driven from Debian's Chromium through playwright-core.
// The user flows go through the UI the way a person would: the command palette, a code
// lens click, the activity-bar view, and the text inside the report webview. A second
// server session runs the mocha integration suite inside the extension host through a
// test-only extension (test/e2e/test-extension).
//
// Expects `npm run build` and `bash .ci/setup-code-server.sh` to have been run.
// Usage: node test/e2e/e2e.mjs [--only workbench,cpu,hotspots,io,longer,python,xss,sidebar,html,integration] [--keep]
// (--keep leaves the temp user-data dirs and workspace copies in place for a look.)
//
// The harness lives in test/e2e/harness: config.mjs (paths, timeouts, --only/--keep, log),
// server.mjs (code-server sessions), workbench.mjs (driving the UI, screenshots),
// flows.mjs, xssFlow.mjs and htmlReportFlow.mjs (the flows). This file runs them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CODE_SERVER, FLOW_TIMEOUT_MS, INTEGRATION_SUITE, INTEGRATION_TIMEOUT_MS, ROOT, log, sleep, wanted } from './harness/config.mjs';
import { extensionHostLogs, logTail, prepareSession, readJson, servers, startServer, stopServer } from './harness/server.mjs';
import { openFileAtLine, openWorkbench, screenshot } from './harness/workbench.mjs';
import { flowCodeLens, flowHotspots, flowLongerBudget, flowPaletteCpu, flowQueue, flowSidebar, readmeScreenshot } from './harness/flows.mjs';
import { flowXss } from './harness/xssFlow.mjs';
import { flowHtmlReport } from './harness/htmlReportFlow.mjs';

// ---------------------------------------------------------------- runner

const results = [];

async function runFlow(name, page, server, fn) {
  log(`flow ${name}: start`);
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${FLOW_TIMEOUT_MS / 1000}s`)), FLOW_TIMEOUT_MS);
      }),
    ]);
    results.push({ name, ok: true });
    log(`flow ${name}: PASS`);
    return true;
  } catch (err) {
    results.push({ name, ok: false, error: err.message });
    log(`flow ${name}: FAIL: ${err.message}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `fail-${name}.png`) }).catch(() => {});
    const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
    for (const t of toasts) log(`  notification: ${t.replace(/\s+/g, ' ').slice(0, 300)}`);
    console.log(`--- code-server log (tail)\n${logTail(server.session.logFile)}\n${extensionHostLogs(server.session)}\n---`);
    await page.keyboard.press('Escape').catch(() => {});
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function uiFlows(browser) {
  const session = prepareSession('ui', { withTestExtension: false });
  log(`session dir ${session.dir}`);
  const server = await startServer(session);
  log(`code-server up at ${server.url}`);
  try {
    const page = await openWorkbench(browser, server);
    log('workbench loaded');
    // The harness itself (quick open, editor focus, screenshots) works before any extension flow.
    await runFlow('workbench', page, server, async () => {
      await openFileAtLine(page, 'cpu-bound.js', 5);
      await screenshot(page, 'workbench.png');
    });
    const profiled = [];
    const shots = {};
    const cpuOk = wanted('cpu') && (await runFlow('cpu-palette', page, server, () => flowPaletteCpu(page)));
    if (cpuOk) {
      profiled.push({ name: 'countPrimes', expected: 'cpu' });
      shots.cpu = await readmeScreenshot(page).catch((err) => log(`  README screenshot not taken: ${err.message}`));
    }
    // Hot spots read the countPrimes report the cpu flow left open; a verdict skewed by a
    // busy machine does not change where the CPU time went, so only the report must exist.
    if (wanted('hotspots') && wanted('cpu')) {
      await runFlow('hotspots', page, server, async () => (shots.hotspots = await flowHotspots(page)));
    }
    if (wanted('io') && (await runFlow('io-codelens', page, server, () => flowCodeLens(page, 'io-bound.js', 'fetchLater', 'io', 'panel-io-bound.png')))) {
      profiled.push({ name: 'fetchLater', expected: 'io' });
    }
    if (wanted('longer') && (await runFlow('longer-budget', page, server, () => flowLongerBudget(page)))) {
      profiled.push({ name: 'waitBlocking', expected: 'io' });
    }
    if (wanted('python') && (await runFlow('python-codelens', page, server, () => flowCodeLens(page, 'sleepy.py', 'wait_for_reply', 'io', 'panel-python.png')))) {
      profiled.push({ name: 'wait_for_reply', expected: 'io' });
    }
    if (wanted('queue') && (await runFlow('queue-codelens', page, server, async () => (shots.queue = await flowQueue(page))))) {
      profiled.push({ name: 'crawl', expected: 'io' });
    }
    if (wanted('xss')) await runFlow('xss', page, server, () => flowXss(page, server));
    if (wanted('sidebar')) {
      if (profiled.length === 0) {
        results.push({ name: 'sidebar', ok: false, error: 'no profile succeeded, so there is nothing for the tree to show' });
        log('flow sidebar: FAIL: no earlier flow produced a run');
      } else {
        await runFlow('sidebar', page, server, () => flowSidebar(page, profiled));
      }
    }
    // The README shows the CPU-bound report: it has the most to look at (scaling, cores).
    if (shots.cpu && process.env.WP_E2E_UPDATE_README_SHOT !== '0') {
      fs.copyFileSync(shots.cpu, path.join(ROOT, 'media', 'screenshot-panel.png'));
      log(`  copied ${path.basename(shots.cpu)} to media/screenshot-panel.png`);
    }
    if (shots.queue && process.env.WP_E2E_UPDATE_README_SHOT !== '0') {
      fs.copyFileSync(shots.queue, path.join(ROOT, 'media', 'screenshot-queue.png'));
      log(`  copied ${path.basename(shots.queue)} to media/screenshot-queue.png`);
    }
    if (shots.hotspots && process.env.WP_E2E_UPDATE_README_SHOT !== '0') {
      fs.copyFileSync(shots.hotspots, path.join(ROOT, 'media', 'screenshot-hotspots.png'));
      log(`  copied ${path.basename(shots.hotspots)} to media/screenshot-hotspots.png`);
    }
    await page.close();
  } finally {
    await stopServer(server);
  }
}

async function integrationSuite(browser) {
  if (!fs.existsSync(INTEGRATION_SUITE)) {
    log('!!!!! SKIPPED: integration suite: dist/test-integration/index.js does not exist.');
    log('!!!!! Write test/integration/index.ts (exporting run()) and run `npm run build`.');
    results.push({ name: 'integration', skipped: true });
    return;
  }
  const session = prepareSession('integration', { withTestExtension: true });
  const resultsFile = path.join(session.dir, 'integration-results.json');
  log(`integration: session dir ${session.dir}`);
  const server = await startServer(session, {
    WP_INTEGRATION_RESULTS: resultsFile,
    WP_INTEGRATION_SUITE: INTEGRATION_SUITE,
    WP_E2E_WORKSPACE: session.workspace,
  });
  let page;
  try {
    // The extension host starts when a window connects, so a window must be open.
    page = await openWorkbench(browser, server);
    log('integration: workbench loaded, waiting for the suite to write its results');
    const deadline = Date.now() + INTEGRATION_TIMEOUT_MS;
    while (!fs.existsSync(resultsFile) && Date.now() < deadline) await sleep(1000);
    if (!fs.existsSync(resultsFile)) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'fail-integration.png') }).catch(() => {});
      console.log(`--- code-server log (tail)\n${logTail(session.logFile)}\n${extensionHostLogs(session)}\n---`);
      results.push({ name: 'integration', ok: false, error: `no results within ${INTEGRATION_TIMEOUT_MS / 1000}s` });
      return;
    }
    const r = readJson(resultsFile);
    for (const t of r.tests ?? []) log(`  ${t.state === 'passed' ? 'ok  ' : t.state === 'skipped' ? 'skip' : 'FAIL'} ${t.title}`);
    for (const f of r.failures ?? []) log(`  failure: ${f.title}: ${f.error}${f.stack ? `\n${f.stack}` : ''}`);
    log(`integration: ${r.passed} passed, ${r.failed} failed, ${r.skipped ?? 0} skipped in ${((r.durationMs ?? 0) / 1000).toFixed(1)}s`);
    results.push({ name: 'integration', ok: r.failed === 0 && r.passed > 0, tests: r });
    if (r.passed === 0 && r.failed === 0) log('integration: the suite ran no test');
  } finally {
    await page?.close().catch(() => {});
    await stopServer(server);
  }
}

function checkPrerequisites() {
  const missing = [];
  const serverNeeded = ['workbench', 'cpu', 'io', 'python', 'queue', 'xss', 'sidebar', 'integration'].some(wanted);
  if (serverNeeded && !fs.existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER}): run bash .ci/setup-code-server.sh`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM}): run bash .ci/setup-code-server.sh`);
  const main = readJson(path.join(ROOT, 'package.json')).main;
  const extensionNeeded = ['cpu', 'io', 'python', 'queue', 'xss', 'sidebar', 'integration'].some(wanted);
  if (extensionNeeded && (!main || !fs.existsSync(path.join(ROOT, main)))) missing.push(`the extension bundle (${main}): run npm run build`);
  if (missing.length) {
    console.error(`e2e: missing prerequisites:\n  - ${missing.join('\n  - ')}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

async function main() {
  checkPrerequisites();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // A failure shot is evidence of this run only: one left from an earlier run misled.
  for (const f of fs.readdirSync(ARTIFACTS)) if (/^fail-.*\.png$/.test(f)) fs.rmSync(path.join(ARTIFACTS, f));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    if (['workbench', 'cpu', 'io', 'python', 'queue', 'xss', 'sidebar'].some(wanted)) await uiFlows(browser);
    if (wanted('html')) {
      log('flow html-report: start');
      await flowHtmlReport(browser).then(
        () => (results.push({ name: 'html-report', ok: true }), log('flow html-report: PASS')),
        (err) => (results.push({ name: 'html-report', ok: false, error: err.message }), log(`flow html-report: FAIL: ${err.message}`)),
      );
    }
    if (wanted('integration')) await integrationSuite(browser);
  } catch (err) {
    results.push({ name: 'harness', ok: false, error: err.stack || err.message });
    log(`harness error: ${err.stack || err.message}`);
  } finally {
    await browser.close().catch(() => {});
    for (const s of [...servers]) await stopServer(s);
  }

  // Each UI flow counts once; the integration suite counts each of its tests.
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  console.log('\nsummary:');
  for (const r of results) {
    if (r.skipped) {
      skipped++;
      console.log(`  SKIP ${r.name}`);
    } else if (r.tests) {
      passed += r.tests.passed;
      failed += r.tests.failed;
      if (r.tests.passed === 0 && r.tests.failed === 0) failed++;
      console.log(`  ${r.ok ? 'PASS' : 'FAIL'} ${r.name} (${r.tests.passed} passed, ${r.tests.failed} failed)`);
    } else {
      if (r.ok) passed++;
      else failed++;
      console.log(`  ${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.ok ? '' : `: ${r.error}`}`);
    }
  }
  console.log(`artifacts in ${path.relative(process.cwd(), ARTIFACTS) || ARTIFACTS}`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  // Exit explicitly: a stray handle (a browser pipe, a timer) must not keep CI waiting.
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

await main();
