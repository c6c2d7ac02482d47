// The xss flow: user-controlled markup in the report panel renders as text only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPORT_TIMEOUT_MS, ROOT, log, sleep } from './config.mjs';
import { dismissNotifications, openQuickInput, reportFrame, runCommand, screenshot, waitForReport } from './workbench.mjs';

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

export async function flowXss(page, server) {
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
