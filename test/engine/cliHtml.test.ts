// `profile --html` and `compare --html`: the file opens in Debian's Chromium with every
// network request refused, the charts draw (their canvases have pixels), nothing logs
// an error (a CSP refusal would), and markup from user code stays text. Screenshots go
// to test-output/ for a person to look at.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { packageRoot } from '../../src/engine/paths';
import type { Report } from '../../src/shared/report';
import { cli, scaled, tightened } from './cliSupport';

const root = packageRoot();
const CHROMIUM = process.env.WP_E2E_CHROMIUM || '/usr/bin/chromium';
const OUTPUT = path.join(root, 'test-output');

interface Opened {
  canvases: { id: string; painted: number }[];
  errors: string[];
  blocked: string[];
  xss: unknown;
  images: number;
  title: string;
  h1: string;
  text: string;
  /** Including collapsed <details>, such as the charts' text alternatives. */
  allText: string;
}

async function open(browser: Browser, file: string, shot: string, colorScheme: 'light' | 'dark', ready = '#scaling-chart'): Promise<Opened> {
  const context = await browser.newContext({ offline: true, colorScheme, viewport: { width: 1100, height: 1400 } });
  const blocked: string[] = [];
  // Only the file itself may load; anything else would be a leak (or a broken offline report).
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === `file://${file}`) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`file://${file}`);
  await page.waitForSelector(ready, { timeout: 20_000 });
  // Chart.js draws on the next frame.
  await page.waitForTimeout(300);
  const seen = await page.evaluate(() => ({
    canvases: Array.from(document.querySelectorAll('canvas')).map((c) => {
      const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return { id: c.id, painted };
    }),
    xss: (window as unknown as { __xss?: unknown }).__xss,
    images: document.images.length,
    title: document.title,
    h1: document.querySelector('h1')?.textContent ?? '',
    text: document.body.innerText,
    allText: document.body.textContent ?? '',
  }));
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, shot), fullPage: true });
  await context.close();
  return { ...seen, errors, blocked };
}

describe('CLI --html: a standalone report', function () {
  this.timeout(180_000);
  let browser: Browser;
  let dir: string;
  let real: Report;
  let realHtml: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (or set WP_E2E_CHROMIUM)`);
    dir = mkdtempSync(path.join(tmpdir(), 'wp-html-'));
    realHtml = path.join(dir, 'report.html');
    const out = path.join(dir, 'report.json');
    // Its argument and its printed output carry markup (test/fixtures/faults/xss.js).
    const r = cli(['profile', path.join(root, 'test/fixtures/faults/xss.js'), 'printsMarkup', '--executors', 'sequential,thread', '--html', realHtml, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    real = JSON.parse(readFileSync(out, 'utf8'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
  });

  it('profile --html opens offline with both charts drawn, no errors, and user markup as text', async () => {
    const html = readFileSync(realHtml, 'utf8');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'nothing is loaded from elsewhere');
    for (const scheme of ['light', 'dark'] as const) {
      const page = await open(browser, realHtml, `html-report-${scheme}.png`, scheme);
      assert.deepEqual(page.errors, []);
      assert.deepEqual(page.blocked, []);
      assert.deepEqual(page.canvases.map((c) => c.id).sort(), ['heatmap', 'scaling-chart']);
      for (const c of page.canvases) assert.ok(c.painted > 1000, `${c.id} has ${c.painted} painted pixels`);
      assert.equal(page.h1, 'Workload profile: printsMarkup');
      assert.match(page.text, /CPU-bound|I\/O-bound|Mixed/);
      assert.ok(page.text.includes('<img src=x onerror=window.__xss=5>'), 'the argument is shown as text');
      assert.equal(page.xss, undefined);
      assert.equal(page.images, 0);
      // No VS Code here: the panel's buttons would do nothing, so there are none.
      assert.doesNotMatch(page.text, /Re-run|Export JSON/);
    }
  });

  it('compare --html escapes hostile names and messages, and overlays the previous curves', async () => {
    const name = '</script><script>window.__xss=7</script><!--';
    const hostile = (r: Report): Report => {
      const copy: Report = JSON.parse(JSON.stringify(r));
      copy.target.function = name;
      copy.runs[copy.runs.length - 1].errors = {
        count: 1,
        rate: 0.01,
        samples: [{ kind: 'Error', message: '<img src=x onerror="window.__xss=8">\u2028</style>', stack: '<svg onload=window.__xss=9>', count: 1 }],
      };
      copy.caveats.push({ level: 'warning', message: '<iframe src="https://example.com"></iframe>' });
      return copy;
    };
    const oldFile = path.join(dir, 'old.json');
    const newFile = path.join(dir, 'new.json');
    // Narrow intervals, so "faster" does not depend on how busy the machine was.
    writeFileSync(oldFile, JSON.stringify(hostile(tightened(real))));
    writeFileSync(newFile, JSON.stringify(hostile(scaled(tightened(real), 3))));
    const htmlFile = path.join(dir, 'compare.html');
    const r = cli(['compare', oldFile, newFile, '--html', htmlFile]);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(htmlFile, 'utf8');
    assert.equal(html.split('</script>').length - 1, 2, 'only the two real script elements close');
    assert.ok(html.includes('<title>Workload profile comparison: &lt;/script&gt;&lt;script&gt;window.__xss=7&lt;/script&gt;&lt;!--</title>'));

    const page = await open(browser, htmlFile, 'html-compare.png', 'light');
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.blocked, []);
    assert.equal(page.xss, undefined);
    assert.equal(page.images, 0);
    assert.equal(page.h1, `Workload profile: ${name}`);
    assert.equal(page.title, `Workload profile comparison: ${name}`);
    assert.ok(page.text.includes('<iframe src="https://example.com"></iframe>'), 'the caveat is text');
    assert.match(page.text, /Compared with the previous run/);
    assert.match(page.text, /One call at a time \(sequential\): .*\+200%.*faster/);
    assert.match(page.allText, /\(previous run, dashed\): K=/, "the previous run's curves are on the chart (its text alternative lists them)");
    assert.deepEqual(page.canvases.map((c) => c.id).sort(), ['compare-chart', 'heatmap', 'scaling-chart']);
    for (const c of page.canvases) assert.ok(c.painted > 1000, `${c.id} has ${c.painted} painted pixels`);
  });

  it('profile --html of a function that throws writes the error, with its stack, as text', async () => {
    const file = path.join(dir, 'error.html');
    const r = cli(['profile', path.join(root, 'test/fixtures/faults/xss.js'), 'renderBadge', '--html', file]);
    assert.equal(r.code, 3, r.stderr);
    const page = await open(browser, file, 'html-error.png', 'light', '#error');
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.blocked, []);
    assert.equal(page.title, 'Workload profile: renderBadge failed');
    assert.ok(page.text.includes('<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'), page.text);
    assert.match(page.text, /xss\.js:\d+/, "the stack points at the user's file");
    assert.equal(page.xss, undefined);
    assert.equal(page.images, 0);
    assert.deepEqual(page.canvases, []);
  });

  it('the same bundle inside a VS Code webview renders the comparison it is posted, with its buttons', async () => {
    // VS Code defines acquireVsCodeApi before the page's scripts run; a const binding
    // here, since a standalone check that looked only at window would miss one.
    const shell = path.join(dir, 'webview.html');
    writeFileSync(
      shell,
      `<!DOCTYPE html><html><body><main id="app"></main>
<script>window.__posted = []; const acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: (s) => { window.__state = s; } });</script>
<script>${readFileSync(path.join(root, 'dist/webview.js'), 'utf8')}</script></body></html>`,
    );
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${shell}`);
    await page.evaluate(([report, previous]) => window.postMessage({ type: 'show', view: { kind: 'report', report, previous } }, '*'), [tightened(scaled(real, 0.5)), tightened(real)]);
    await page.waitForSelector('#comparison-table');
    const seen = await page.evaluate(() => ({
      posted: (window as unknown as { __posted: unknown[] }).__posted,
      saved: (window as unknown as { __state?: { view: { previous?: unknown } } }).__state?.view.previous !== undefined,
      buttons: Array.from(document.querySelectorAll('button')).map((b) => b.textContent),
      summary: document.getElementById('comparison-summary')?.textContent ?? '',
    }));
    await page.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(seen.posted, [{ type: 'ready' }]);
    assert.ok(seen.saved, 'the view, with the previous run, is kept for a reload');
    assert.deepEqual(seen.buttons, ['Re-run', 'Compare with previous', 'Export JSON', 'Export Markdown', 'Open source']);
    assert.match(seen.summary, /One call at a time \(sequential\): .* -50%.*: slower\./);
  });
});
