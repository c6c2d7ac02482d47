// The report webview panels: one per profiled function, reused when it is profiled
// again. The page is a fixed shell (CSP, nonce'd bundle, stylesheet); every piece of
// data goes in through postMessage, and the webview keeps it with setState so that the
// serializer can restore the panel after a reload.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { ContextKeys, REPORT_VIEW_TYPE } from './commandIds';
import { Disposable } from './dispose';
import { functionKey } from './savedResults';
import { pageShell } from '../shared/pageShell';
import { isFromWebview, type ExportFormat, type PanelView, type ToWebview, type WebviewState } from '../webview/protocol';

export interface PanelActions {
  /** `budgetSec`: profile at this budget instead of the report's own. */
  rerun(view: PanelView, budgetSec?: number): void;
  export(view: PanelView, format: ExportFormat): void;
  openSource(view: PanelView): void;
  compare(view: PanelView): void;
}

export function viewKey(view: PanelView): string {
  return view.kind === 'report'
    ? functionKey(view.report.target.file, view.report.target.function)
    : functionKey(view.file, view.functionName);
}

function viewTitle(view: PanelView): string {
  return `Workload Profile: ${view.kind === 'report' ? view.report.target.function : view.functionName}`;
}

export class ReportPanels extends Disposable {
  private readonly panels = new Map<string, ReportPanel>();
  private active: ReportPanel | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PanelActions,
  ) {
    super();
    this.register(
      vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const view = (state as WebviewState | undefined)?.view;
          if (!view || (view.kind !== 'report' && view.kind !== 'error')) {
            panel.dispose();
            return;
          }
          this.adopt(panel, view);
        },
      }),
    );
    this.register({ dispose: () => [...this.panels.values()].forEach((p) => p.dispose()) });
  }

  /** Shows a view in its function's panel, creating the panel if needed. */
  show(view: PanelView, preserveFocus = false): void {
    const existing = this.panels.get(viewKey(view));
    if (existing) {
      existing.update(view);
      existing.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      REPORT_VIEW_TYPE,
      viewTitle(view),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      webviewOptions(this.extensionUri),
    );
    this.adopt(panel, view);
  }

  /** The view of the panel the user last focused, for Export and Compare. */
  activeView(): PanelView | undefined {
    return this.active?.view;
  }

  openTitles(): string[] {
    return [...this.panels.values()].map((p) => p.panel.title);
  }

  setRunning(running: boolean): void {
    for (const p of this.panels.values()) p.post({ type: 'running', running });
  }

  /** Panels whose report was deleted keep showing it; closing them would lose the user's place. */
  private adopt(panel: vscode.WebviewPanel, view: PanelView): void {
    panel.webview.options = webviewOptions(this.extensionUri);
    const item = new ReportPanel(panel, view, this.extensionUri, this.actions);
    const key = viewKey(view);
    this.panels.set(key, item);
    this.setActive(panel.active ? item : this.active);
    item.onDidChangeActive((isActive) => this.setActive(isActive ? item : this.active === item ? undefined : this.active));
    item.onDidDispose(() => {
      if (this.panels.get(key) === item) this.panels.delete(key);
      if (this.active === item) this.setActive(undefined);
    });
  }

  private setActive(panel: ReportPanel | undefined): void {
    this.active = panel;
    void vscode.commands.executeCommand('setContext', ContextKeys.reportFocused, panel !== undefined);
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // The page restores itself from setState, so it need not stay alive while hidden.
    retainContextWhenHidden: false,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

class ReportPanel extends Disposable {
  private readonly activeChanged = this.register(new vscode.EventEmitter<boolean>());
  readonly onDidChangeActive = this.activeChanged.event;
  private readonly disposedEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposedEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    public view: PanelView,
    extensionUri: vscode.Uri,
    actions: PanelActions,
  ) {
    super();
    panel.title = viewTitle(view);
    panel.webview.html = pageHtml(panel.webview, extensionUri);
    this.register(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (!isFromWebview(message)) return;
        switch (message.type) {
          case 'ready':
            return this.post({ type: 'show', view: this.view });
          case 'rerun':
            return actions.rerun(this.view, message.budgetSec);
          case 'export':
            return actions.export(this.view, message.format);
          case 'openSource':
            return actions.openSource(this.view);
          case 'compare':
            return actions.compare(this.view);
          case 'openLocation':
            return void openHotspot(this.view, message.file, message.line);
        }
      }),
    );
    this.register(panel.onDidChangeViewState((e) => this.activeChanged.fire(e.webviewPanel.active)));
    this.register(
      panel.onDidDispose(() => {
        this.disposedEmitter.fire();
        this.dispose();
      }),
    );
  }

  update(view: PanelView): void {
    this.view = view;
    this.panel.title = viewTitle(view);
    this.post({ type: 'show', view });
  }

  post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }
}

/**
 * Opens a hot spot's line beside the panel. Only locations the report itself lists are
 * opened: a message from the page must not be a way to open any file on disk.
 */
async function openHotspot(view: PanelView, file: string, line: number): Promise<void> {
  if (view.kind !== 'report') return;
  const listed = [...(view.report.hotspots ?? []).flatMap((h) => [[h.file, h.line], [h.file, h.hotLine]]), ...(view.report.hotspotWaits ?? []).map((w) => [w.file, w.line])];
  if (!listed.some(([f, l]) => f === file && l === line)) return;
  try {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const at = new vscode.Position(Math.max(0, Math.min(line - 1, document.lineCount - 1)), 0);
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(at, at), viewColumn: vscode.ViewColumn.One });
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not open ${file}:${line}: ${(e as Error).message}`);
  }
}

/** Exported for the CSP test (test/unit/security.test.ts). */
export function pageHtml(webview: Pick<vscode.Webview, 'cspSource' | 'asWebviewUri'>, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'report.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return pageShell({
    csp,
    title: 'Workload Profile',
    head: [`<link rel="stylesheet" href="${style}">`],
    placeholder: 'Loading the report…',
    body: [`<script nonce="${nonce}" src="${script}"></script>`],
  });
}
