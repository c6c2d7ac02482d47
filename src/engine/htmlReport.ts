// The report panel as one self-contained HTML file, to attach to an issue or a CI run:
// the built webview bundle (charts included), the panel's stylesheet and the report
// data all inline, so it opens from disk with no network. The panel styles itself only
// with VS Code's --vscode-* theme variables; outside VS Code this file defines them,
// light and dark following the reader's system setting.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from './paths';
import type { Report } from '../shared/report';
import { EMBEDDED_DATA_ID, type PanelView } from '../webview/protocol';
import { pageShell } from '../shared/pageShell';

/**
 * What the page shows: one report, a report compared with an earlier one, or (when the
 * function threw) the error view with the user's stack.
 */
export type StandaloneView = { report: Report; previous?: Report } | Extract<PanelView, { kind: 'error' }>;

export interface ReportAssets {
  /** dist/webview.js: the panel's browser bundle. */
  script: string;
  /** media/report.css */
  css: string;
}

export function loadReportAssets(root: string = packageRoot()): ReportAssets {
  const read = (rel: string) => {
    try {
      return readFileSync(path.join(root, rel), 'utf8');
    } catch {
      throw new Error(`${rel} is missing from ${root}: run "npm run build" first.`);
    }
  };
  return { script: read('dist/webview.js'), css: read('media/report.css') };
}

const LIGHT: Record<string, string> = {
  'font-family': 'system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif',
  'font-size': '13px',
  'editor-font-family': 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace',
  foreground: '#3b3b3b',
  'editor-foreground': '#3b3b3b',
  'editor-background': '#ffffff',
  descriptionForeground: '#6b6b6b',
  errorForeground: '#c72e0f',
  focusBorder: '#005fb8',
  'widget-border': '#d4d4d4',
  'panel-border': '#e5e5e5',
  'editorWidget-background': '#f8f8f8',
  'editorWidget-border': '#c8c8c8',
  'textBlockQuote-background': '#f2f2f2',
  'textCodeBlock-background': '#f0f0f0',
  'badge-background': '#cccccc',
  'button-background': '#005fb8',
  'button-foreground': '#ffffff',
  'button-hoverBackground': '#0258a8',
  'button-border': 'transparent',
  'button-secondaryBackground': '#e5e5e5',
  'button-secondaryForeground': '#3b3b3b',
  'button-secondaryHoverBackground': '#cccccc',
  'list-inactiveSelectionBackground': '#e4e6f1',
  'list-inactiveSelectionForeground': '#3b3b3b',
  'inputValidation-errorBackground': '#f2dede',
  'editorWarning-foreground': '#bf8803',
  'editorInfo-foreground': '#1a85ff',
  'charts-foreground': '#616161',
  'charts-lines': 'rgba(97, 97, 97, 0.5)',
  'charts-red': '#e51400',
  'charts-blue': '#1a85ff',
  'charts-yellow': '#bf8803',
  'charts-orange': '#d18616',
  'charts-green': '#388a34',
  'charts-purple': '#652d90',
  contrastBorder: 'transparent',
  contrastActiveBorder: 'transparent',
};

const DARK: Record<string, string> = {
  ...LIGHT,
  foreground: '#cccccc',
  'editor-foreground': '#cccccc',
  'editor-background': '#1f1f1f',
  descriptionForeground: '#9d9d9d',
  errorForeground: '#f85149',
  focusBorder: '#0078d4',
  'widget-border': '#313131',
  'panel-border': '#2b2b2b',
  'editorWidget-background': '#202020',
  'editorWidget-border': '#454545',
  'textBlockQuote-background': '#2b2b2b',
  'textCodeBlock-background': '#2b2b2b',
  'badge-background': '#616161',
  'button-background': '#0078d4',
  'button-hoverBackground': '#026ec1',
  'button-secondaryBackground': '#313131',
  'button-secondaryForeground': '#cccccc',
  'button-secondaryHoverBackground': '#3c3c3c',
  'list-inactiveSelectionBackground': '#37373d',
  'list-inactiveSelectionForeground': '#cccccc',
  'inputValidation-errorBackground': '#5a1d1d',
  'editorWarning-foreground': '#cca700',
  'editorInfo-foreground': '#3794ff',
  'charts-foreground': '#cccccc',
  'charts-lines': 'rgba(204, 204, 204, 0.5)',
  'charts-red': '#f14c4c',
  'charts-blue': '#3794ff',
  'charts-yellow': '#cca700',
  'charts-orange': '#d18616',
  'charts-green': '#89d185',
  'charts-purple': '#b180d7',
};

function variables(set: Record<string, string>): string {
  return Object.entries(set)
    .map(([k, v]) => `  --vscode-${k}: ${v};`)
    .join('\n');
}

/** The theme the webview would get from VS Code, with the page margins a webview has. */
export const THEME_CSS = `:root {\n${variables(LIGHT)}\n  color-scheme: light dark;\n}
@media (prefers-color-scheme: dark) {\n  :root {\n${variables(DARK)}\n  }\n}
body { margin: 0; padding: 0 20px; }
html { background: var(--vscode-editor-background); }`;

/**
 * JSON that is inert inside a <script type="application/json">: no "<" (so no
 * "</script>" or "<!--" can end the element early), and no U+2028/2029.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export function buildHtmlReport(view: StandaloneView, assets: ReportAssets): string {
  // The bundle is inlined verbatim; a closing tag inside it would end the script early.
  if (/<\/script|<!--/i.test(assets.script)) throw new Error('The webview bundle contains "</script" or "<!--" and cannot be inlined.');
  if (/<\/style/i.test(assets.css)) throw new Error('media/report.css contains "</style" and cannot be inlined.');
  const panelView: PanelView = 'kind' in view ? view : { kind: 'report', report: view.report, previous: view.previous };
  const title =
    panelView.kind === 'error'
      ? `Workload profile: ${panelView.functionName} failed`
      : `Workload profile${panelView.previous ? ' comparison' : ''}: ${panelView.report.target.function}`;
  const data = jsonForScript(panelView);
  // Hashes, not nonces: the file is static, and a hash pins exactly the code it carries.
  // Nothing may load from anywhere, so it also works (and leaks nothing) offline.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(assets.script)}`,
    `style-src ${sha256(THEME_CSS)} ${sha256(assets.css)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return pageShell({
    csp,
    title,
    head: ['<meta name="generator" content="workload-profiler">', `<style>${THEME_CSS}</style>`, `<style>${assets.css}</style>`],
    bodyClass: 'standalone',
    placeholder: 'This report needs JavaScript to draw its charts and tables.',
    body: [`<script type="application/json" id="${EMBEDDED_DATA_ID}">${data}</script>`, `<script>${assets.script}</script>`],
  });
}
