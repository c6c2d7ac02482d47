// The one message protocol between the extension and the report webview. Both sides
// import this file, so a message with a wrong shape fails to compile on either side.
// Type-only imports: the webview bundle must not pull engine code in.
import type { ErrorSample, Report } from '../shared/report';

/** What the panel shows; also what the webview saves with setState so a reload restores it. */
export type PanelView =
  | { kind: 'report'; report: Report; /** An earlier run of the same function, for "Compare With Previous Run". */ previous?: Report }
  | {
      kind: 'error';
      functionName: string;
      file: string;
      /** One-line message (ProfileError.message). */
      message: string;
      /** The user's error with its stack, when the function itself threw. */
      error?: ErrorSample;
    };

/** Extension → webview. */
export type ToWebview = { type: 'show'; view: PanelView } | { type: 'running'; running: boolean };

/** Webview → extension. */
export type FromWebview =
  | { type: 'ready' }
  /** Profile again; with `budgetSec`, at that budget (the panel's "Re-run at N s"). */
  | { type: 'rerun'; budgetSec?: number }
  | { type: 'export'; format: ExportFormat }
  | { type: 'openSource' }
  | { type: 'compare' }
  /** A hot spot's location; the extension opens it only if the report lists it. */
  | { type: 'openLocation'; file: string; line: number };

export type ExportFormat = 'json' | 'markdown';

/** A re-run budget the extension accepts from the webview, in seconds. */
export const MIN_RERUN_BUDGET_SEC = 1;
export const MAX_RERUN_BUDGET_SEC = 600;

/**
 * Id of the <script type="application/json"> that carries the PanelView in a standalone
 * HTML report (src/engine/htmlReport.ts), where there is no VS Code to post it.
 */
export const EMBEDDED_DATA_ID = 'workload-profiler-data';

export interface WebviewState {
  view: PanelView;
}

/** The API VS Code injects into a webview, typed with this protocol. */
export interface ReportWebviewApi {
  postMessage(message: FromWebview): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

export function isFromWebview(value: unknown): value is FromWebview {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; format?: unknown; file?: unknown; line?: unknown; budgetSec?: unknown };
  switch (m.type) {
    case 'rerun':
      return m.budgetSec === undefined || (typeof m.budgetSec === 'number' && Number.isFinite(m.budgetSec) && m.budgetSec >= MIN_RERUN_BUDGET_SEC && m.budgetSec <= MAX_RERUN_BUDGET_SEC);
    case 'ready':
    case 'openSource':
    case 'compare':
      return true;
    case 'export':
      return m.format === 'json' || m.format === 'markdown';
    case 'openLocation':
      return typeof m.file === 'string' && Number.isInteger(m.line) && (m.line as number) >= 1;
    default:
      return false;
  }
}

// Injected by VS Code into the webview's global scope; declared here with the protocol's
// types so that the webview cannot post a message the extension does not understand.
declare function acquireVsCodeApi(): ReportWebviewApi;

/** Call once, from the webview only (VS Code throws on a second call). */
export function acquireReportApi(): ReportWebviewApi {
  return acquireVsCodeApi();
}

/**
 * Outside VS Code (a standalone HTML report) the view is embedded in the page and
 * nothing listens to messages. Returns undefined inside a real webview.
 */
export function standaloneApi(): ReportWebviewApi | undefined {
  // A bare typeof: VS Code may inject the function as a global binding rather than a window property.
  if (typeof acquireVsCodeApi === 'function') return undefined;
  const text = document.getElementById(EMBEDDED_DATA_ID)?.textContent;
  if (!text) return undefined;
  let state: WebviewState = { view: JSON.parse(text) as PanelView };
  return {
    postMessage: () => undefined,
    getState: () => state,
    setState: (s) => {
      state = s;
    },
  };
}
