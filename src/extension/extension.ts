// Activation: wires the pieces together and registers every one of them in
// context.subscriptions. Nothing heavy loads here: the engine, the parsers and the
// pool libraries are imported on first use, so activation stays a few milliseconds.
import * as vscode from 'vscode';
import { HistoryStore } from '../engine/historyStore';
import type { Report } from '../shared/report';
import { WorkloadCodeLensProvider } from './codeLensProvider';
import { Commands, ContextKeys, PROFILED_LANGUAGES, RESULTS_VIEW_ID } from './commandIds';
import { WorkloadCommands } from './commands';
import { FunctionIndex, functionAtLine, isProfiledDocument } from './functionIndex';
import { ProfileRunner } from './profileRunner';
import { onInterpreterChange } from './pythonInterpreter';
import { ReportPanels } from './reportPanel';
import { ResultsTree, type ResultNode } from './resultsTree';
import { SavedResults } from './savedResults';
import { SettingKeys, affectsSetting, readSettings } from './settings';

/** What activate() returns: used by the integration tests to look at state the UI shows. */
export interface WorkloadProfilerApi {
  /** Resolves once saved reports have been read from workspace storage. */
  readonly ready: Promise<void>;
  results(): readonly Report[];
  tree(): { getChildren(node?: ResultNode): ResultNode[]; getTreeItem(node: ResultNode): vscode.TreeItem };
  panelTitles(): string[];
  runningProfile(): string | undefined;
  cancelProfile(): void;
}

export function activate(context: vscode.ExtensionContext): WorkloadProfilerApi {
  const subs = context.subscriptions;
  const log = vscode.window.createOutputChannel('Workload Profiler', { log: true });
  subs.push(log);

  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const settings = readSettings();
  // No storageUri means no folder is open: results then live for this session only.
  const store = context.storageUri ? new HistoryStore(vscode.Uri.joinPath(context.storageUri, 'history').fsPath, settings.historySize) : undefined;
  const results = new SavedResults(store, root, (m) => log.warn(m));
  const index = new FunctionIndex();
  const runner = new ProfileRunner();
  subs.push(results, index, runner);

  const panels = new ReportPanels(context.extensionUri, {
    rerun: (view, budgetSec) =>
      view.kind === 'report'
        ? vscode.commands.executeCommand(Commands.rerunRun, view.report.id, budgetSec)
        : vscode.commands.executeCommand(Commands.profileFunction, vscode.Uri.file(view.file), view.functionName),
    export: (view, format) => view.kind === 'report' && vscode.commands.executeCommand(Commands.exportReport, view.report.id, format),
    compare: (view) => view.kind === 'report' && vscode.commands.executeCommand(Commands.compareWithPrevious, view.report.id),
    openSource: (view) => void openSource(view.kind === 'report' ? view.report.target.file : view.file, view.kind === 'report' ? view.report.target.function : view.functionName, index),
  });
  subs.push(panels);
  subs.push(runner.onDidChangeRunning((running) => panels.setRunning(running)));

  const commands = new WorkloadCommands({ context, results, panels: () => panels, runner, index, log });
  subs.push(commands);

  const tree = new ResultsTree(results, root);
  subs.push(tree);
  const view = vscode.window.createTreeView(RESULTS_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  subs.push(view);

  const lenses = new WorkloadCodeLensProvider(index, results);
  subs.push(lenses);
  subs.push(
    vscode.languages.registerCodeLensProvider(
      PROFILED_LANGUAGES.map((language) => ({ language, scheme: 'file' })),
      lenses,
    ),
  );

  subs.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSetting(e, SettingKeys.codeLensEnabled)) lenses.refresh();
      if (affectsSetting(e, SettingKeys.pythonPath)) {
        index.invalidate();
        lenses.refresh();
      }
      if (affectsSetting(e, SettingKeys.historySize)) results.setLimit(readSettings().historySize);
    }),
  );
  void onInterpreterChange(() => {
    index.invalidate();
    lenses.refresh();
  }).then((d) => d && subs.push(d));

  subs.push(trackCursorInFunction(index));

  return {
    ready: results.ready,
    results: () => results.all(),
    tree: () => tree,
    panelTitles: () => panels.openTitles(),
    runningProfile: () => runner.running,
    cancelProfile: () => runner.cancel(),
  };
}

export function deactivate(): void {
  // Everything, including a running profile (ProfileRunner aborts it), is disposed through context.subscriptions.
}

/** Keeps `workloadProfiler.cursorInFunction` current for the editor context menu. */
function trackCursorInFunction(index: FunctionIndex): vscode.Disposable {
  let current = false;
  let generation = 0;
  const update = async (editor: vscode.TextEditor | undefined) => {
    const mine = ++generation;
    let inside = false;
    if (editor && isProfiledDocument(editor.document)) {
      const functions = await index.functions(editor.document);
      inside = !!functions && !!functionAtLine(functions, editor.selection.active.line);
    }
    if (mine !== generation || inside === current) return;
    current = inside;
    await vscode.commands.executeCommand('setContext', ContextKeys.cursorInFunction, inside);
  };
  let timer: NodeJS.Timeout | undefined;
  const soon = (editor: vscode.TextEditor | undefined) => {
    clearTimeout(timer);
    timer = setTimeout(() => void update(editor), 150);
  };
  const subs = [
    vscode.window.onDidChangeActiveTextEditor(soon),
    vscode.window.onDidChangeTextEditorSelection((e) => soon(e.textEditor)),
    { dispose: () => clearTimeout(timer) },
  ];
  soon(vscode.window.activeTextEditor);
  return vscode.Disposable.from(...subs);
}

async function openSource(file: string, functionName: string, index: FunctionIndex): Promise<void> {
  try {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const fn = (await index.functions(document))?.find((f) => f.name === functionName);
    const position = new vscode.Position(Math.max(0, (fn?.line ?? 1) - 1), fn?.column ?? 0);
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.One });
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not open ${file}: ${(e as Error).message}`);
  }
}
