// The standalone HTML report flow: the CLI's --html file, opened offline in Chromium.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPORT_TIMEOUT_MS, ROOT, keep } from './config.mjs';
import { screenshot } from './workbench.mjs';

/**
 * `workload-profiler profile … --html`: the CLI writes the report as one file, which
 * must open with every network request refused and draw its charts. No code-server.
 */
export async function flowHtmlReport(browser) {
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
