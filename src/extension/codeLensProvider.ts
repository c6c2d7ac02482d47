// "$(pulse) Profile workload" above every profilable function (top-level, static
// method, object member, CommonJS export), and after a run the last
// verdict beside it. Re-parsing waits for typing to pause (VS Code cancels the request
// when the user types again), and a file that does not parse shows no lenses.
import * as vscode from 'vscode';
import { Commands, PROFILE_LENS_TITLE } from './commandIds';
import { Disposable } from './dispose';
import { FunctionIndex } from './functionIndex';
import type { SavedResults } from './savedResults';
import { readSettings } from './settings';
import { verdictLine } from '../webview/labels';

const EDIT_DEBOUNCE_MS = 300;

export class WorkloadCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly index: FunctionIndex,
    private readonly results: SavedResults,
  ) {
    super();
    this.register(results.onDidChange(() => this.changed.fire()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()));
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.isTrusted || !readSettings(document.uri).codeLensEnabled) return [];
    if (!this.index.cached(document)) {
      await new Promise((r) => setTimeout(r, EDIT_DEBOUNCE_MS));
      if (token.isCancellationRequested) return [];
    }
    const functions = await this.index.functions(document);
    if (!functions || token.isCancellationRequested) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const f of functions) {
      const line = Math.min(Math.max(0, f.line - 1), document.lineCount - 1);
      const range = new vscode.Range(line, 0, line, 0);
      lenses.push(
        new vscode.CodeLens(range, {
          title: PROFILE_LENS_TITLE,
          tooltip: f.directive?.queue
            ? `Profile ${f.name} in queue mode from the seeds ${JSON.stringify(f.directive.queue.seeds ?? [])}`
            : f.directive?.args
            ? `Profile ${f.name} with the pinned arguments ${JSON.stringify(f.directive.args)}`
            : `Profile ${f.name}: call it many times under each executor and recommend one`,
          command: Commands.profileFunction,
          arguments: [document.uri, f.name],
        }),
      );
      if (f.directive?.error) {
        lenses.push(new vscode.CodeLens(range, { title: `$(warning) @workload: ${f.directive.error}`, command: '' }));
      }
      const last = this.results.latestFor(document.fileName, f.name);
      if (last) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: verdictLine(last),
            tooltip: 'Open the last report',
            command: Commands.showReport,
            arguments: [last.id],
          }),
        );
      }
    }
    return lenses;
  }
}
