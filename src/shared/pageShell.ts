// The one HTML shell of the report page, for both places it is served from: the VS Code
// panel (src/extension/reportPanel.ts: stylesheet and bundle by URI, script by nonce)
// and the standalone file (src/engine/htmlReport.ts: everything inline, pinned by hash).
// Both hold the same #app element the webview bundle draws into, under a CSP that comes
// first in <head> so it governs everything after it. Pure: no node, no vscode.

/** Text placed inside an HTML element or a double-quoted attribute. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface PageShell {
  /** The Content-Security-Policy, directives joined by "; ". */
  csp: string;
  /** Plain text; escaped here. */
  title: string;
  /** Markup after the title in <head>: stylesheets, meta tags. Trusted: built by us. */
  head: string[];
  /** Shown in #app until the bundle draws the report. */
  placeholder: string;
  /** Markup at the end of <body>: the data and the bundle. Trusted: built by us. */
  body: string[];
  bodyClass?: string;
}

export function pageShell(page: PageShell): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${page.csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    `<title>${escapeHtml(page.title)}</title>`,
    ...page.head,
    '</head>',
    page.bodyClass ? `<body class="${page.bodyClass}">` : '<body>',
    `<main id="app" aria-busy="true"><p class="placeholder">${escapeHtml(page.placeholder)}</p></main>`,
    ...page.body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
