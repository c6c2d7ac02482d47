// The standalone HTML report's page shell: its CSP must pin exactly the inline script
// and styles it carries (or the browser refuses them), and embedded data must not be
// able to end its <script> element, whatever the report holds.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildHtmlReport, jsonForScript, THEME_CSS } from '../../src/engine/htmlReport';
import { escapeHtml } from '../../src/shared/pageShell';
import type { Report } from '../../src/shared/report';
import { EMBEDDED_DATA_ID } from '../../src/webview/protocol';

const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
const assets = { script: 'console.log("panel")', css: 'body { color: var(--vscode-foreground); }' };
const report = { target: { function: 'f<b>"&' } } as unknown as Report;

describe('standalone HTML report', () => {
  it('allows only its own inline script and styles, by hash, and nothing from the network', () => {
    const html = buildHtmlReport({ report }, assets);
    const csp = /content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.equal(csp, `default-src 'none'; script-src ${hash(assets.script)}; style-src ${hash(THEME_CSS)} ${hash(assets.css)}; img-src data:; base-uri 'none'; form-action 'none'`);
    assert.ok(html.includes(`<script>${assets.script}</script>`));
    assert.ok(html.includes(`<style>${THEME_CSS}</style>`) && html.includes(`<style>${assets.css}</style>`));
    assert.ok(html.includes('<title>Workload profile: f&lt;b&gt;&quot;&amp;</title>'));
  });

  it('defines every theme variable for light and dark', () => {
    for (const name of ['--vscode-foreground', '--vscode-editor-background', '--vscode-charts-blue', '--vscode-font-family']) {
      assert.equal(THEME_CSS.split(`${name}:`).length - 1, 2, name);
    }
    assert.match(THEME_CSS, /@media \(prefers-color-scheme: dark\)/);
  });

  it('embeds data that cannot close its element and round-trips exactly', () => {
    const nasty = { s: '</script><script>alert(1)</script><!-- \u2028 & >' };
    const text = jsonForScript(nasty);
    assert.doesNotMatch(text, /[<>\u2028\u2029]/);
    assert.deepEqual(JSON.parse(text), nasty);
    const html = buildHtmlReport({ report: { target: { function: nasty.s } } as unknown as Report }, assets);
    assert.ok(html.includes(`<script type="application/json" id="${EMBEDDED_DATA_ID}">`));
    assert.equal(html.split('</script>').length - 1, 2);
    assert.equal(escapeHtml(`<a href="x">'`), '&lt;a href=&quot;x&quot;&gt;&#39;');
  });

  it('refuses a bundle that would end its own script element', () => {
    assert.throws(() => buildHtmlReport({ report }, { ...assets, script: 'x="</script>"' }), /cannot be inlined/);
  });
});
