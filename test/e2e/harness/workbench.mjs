// Driving the workbench in Chromium the way a person does: the quick input, the command
// palette, Quick Open, notifications, the report webview's frame and its verdict,
// screenshots, and waiting for the machine to go quiet before a profile.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANY_VERDICT, ARTIFACTS, ROOT, STARTUP_TIMEOUT_MS, log, sleep } from './config.mjs';

export async function openWorkbench(browser, server) {
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
export async function openQuickInput(page) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  return input;
}

export async function runCommand(page, title) {
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
export async function openFileAtLine(page, file, line) {
  const input = await openQuickInput(page);
  await input.fill(`${file}:${line}`);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: file }).first();
  await row.waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label*="${file}"]`).waitFor();
  await page.locator('.editor-instance .monaco-editor.focused').waitFor();
}

export async function dismissNotifications(page) {
  const toasts = page.locator('.notifications-toasts .notification-toast');
  if ((await toasts.count()) === 0) return;
  for (const text of await toasts.allInnerTexts()) log(`  notification: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
}

/** The report panel's document: a webview is an iframe holding the active-frame iframe. */
export function reportFrame(page) {
  return page.locator('iframe.webview').filter({ visible: true }).first().contentFrame().frameLocator('iframe#active-frame');
}

/**
 * Waits until the visible report panel shows a verdict for `functionName`. A panel that
 * still shows an earlier function's report, or one still running, doesn't count. Fails
 * fast with the panel's own error text when it shows one.
 */
export async function waitForReport(page, functionName, timeoutMs) {
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

export async function screenshot(page, name) {
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
export async function waitForQuietMachine(maxMs = 20_000, idleShare = 0.7) {
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
